#include "shared/auth/caller.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "shared/log/log.h"

namespace rathaus::platform::auth {

bool Caller::MayAccess(std::string_view id) const {
  for (const std::string& allowed : scope) {
    if (allowed == "*" || allowed == id) return true;
  }
  return false;
}

CallerAuth CallerAuth::FromEnv(EnvConfig& env) {
  const std::string pem = env.SecretFile("RATHAUS_CLERK_JWT_PUBLIC_KEY_FILE", false);
  JwtPolicy policy;
  policy.issuer = env.String("RATHAUS_CLERK_JWT_ISSUER", "rathaus");
  policy.audience = env.String("RATHAUS_CLERK_JWT_AUDIENCE", "rathaus-gateway");
  if (pem.empty()) return CallerAuth();
  absl::StatusOr<JwtVerifier> verifier = JwtVerifier::FromPublicKeyPem(pem, policy);
  if (!verifier.ok()) {
    env.Reject("RATHAUS_CLERK_JWT_PUBLIC_KEY_FILE", "a PEM public key (RSA >= 2048 or EC P-256)",
               std::string(verifier.status().message()));
    return CallerAuth();
  }
  return CallerAuth(std::move(*verifier));
}

absl::StatusOr<Caller> CallerAuth::Require(const grpc::ServerContext* ctx,
                                           std::string_view role) const {
  const auto& metadata = ctx->client_metadata();
  auto range = metadata.equal_range("authorization");
  if (range.first == range.second) {
    return absl::UnauthenticatedError("a bearer token is required (metadata authorization)");
  }
  if (std::next(range.first) != range.second) {
    return absl::UnauthenticatedError("more than one authorization value");
  }
  absl::string_view value(range.first->second.data(), range.first->second.size());
  if (value.size() < 7 || !absl::EqualsIgnoreCase(value.substr(0, 7), "bearer ")) {
    return absl::UnauthenticatedError("the authorization is not a bearer token");
  }
  const absl::string_view token = absl::StripAsciiWhitespace(value.substr(7));
  return RequireToken(std::string_view(token.data(), token.size()), role);
}

absl::StatusOr<Caller> CallerAuth::RequireToken(std::string_view token,
                                                std::string_view role) const {
  if (!verifier_.has_value()) {
    return absl::UnauthenticatedError("this service has no key to verify callers");
  }
  if (token.empty()) return absl::UnauthenticatedError("empty bearer token");
  absl::StatusOr<ClerkClaims> claims = verifier_->Verify(token, absl::Now());
  if (!claims.ok()) {
    log::Info("caller refused", {{"reason", std::string(claims.status().message())}});
    return absl::UnauthenticatedError(
        absl::StrCat("the bearer token is not valid: ", claims.status().message()));
  }
  if (claims->role != role) {
    return absl::PermissionDeniedError(absl::StrCat("this call needs the role ", std::string(role)));
  }
  Caller caller;
  caller.subject = claims->subject;
  caller.role = claims->role;
  caller.scope = claims->role == "clerk"        ? claims->offices
                 : claims->role == "integrator" ? claims->scopes
                                                : claims->departments;
  return caller;
}

}  // namespace rathaus::platform::auth
