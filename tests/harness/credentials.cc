#include "tests/harness/credentials.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"

namespace rathaus::testing {

TestCredentials::TestCredentials() {
  auto pair = platform::auth::GenerateEcP256Key();
  auto keys = platform::crypto::DataKeys::Parse(platform::crypto::NewDataKeysFile());
  if (!pair.ok() || !keys.ok()) {
    std::fprintf(stderr, "test credentials: cannot make keys\n");
    std::abort();
  }
  private_pem_ = pair->private_pem;
  public_pem_ = pair->public_pem;
  auto verifier =
      platform::auth::JwtVerifier::FromPublicKeyPem(public_pem_, platform::auth::JwtPolicy{});
  if (!verifier.ok()) std::abort();
  callers_ = platform::auth::CallerAuth(std::move(*verifier));
  data_keys_ = std::move(*keys);
}

std::string TestCredentials::Token(const std::string& role, const std::vector<std::string>& scope,
                                   const std::string& subject, absl::Duration valid_for) const {
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  std::vector<std::string> quoted;
  for (const std::string& s : scope) quoted.push_back(absl::StrCat("\"", s, "\""));
  const std::string scope_claim =
      role == "integrator"
          ? absl::StrCat("\"scope\":\"", absl::StrJoin(scope, " "), "\"")
          : absl::StrCat("\"", role == "clerk" ? "offices" : "departments", "\":[",
                         absl::StrJoin(quoted, ","), "]");
  const std::string claims = absl::StrCat(
      "{\"iss\":\"rathaus\",\"aud\":\"rathaus-gateway\",\"sub\":\"", subject, "\",\"role\":\"",
      role, "\",", scope_claim, ",\"iat\":", now, ",\"exp\":",
      now + absl::ToInt64Seconds(valid_for), "}");
  auto token = platform::auth::SignJwt(private_pem_, claims);
  if (!token.ok()) std::abort();
  return *token;
}

}  // namespace rathaus::testing
