// Clerk authentication: a JWT (RFC 7519) signed with RS256 or ES256, verified with OpenSSL
// against one configured public key (RATHAUS_CLERK_JWT_PUBLIC_KEY_FILE).
//
//   auto verifier = JwtVerifier::FromPublicKeyPem(pem, JwtPolicy{});
//   absl::StatusOr<ClerkClaims> claims = verifier->Verify(bearer_token, absl::Now());
//   if (!claims.ok()) -> 401;  claims->offices == {"kiel-mitte"} or {"*"}
//
// The algorithm is fixed by the key, never taken from the token: a token saying "none", "HS256"
// or the other asymmetric algorithm is rejected before any signature check. Checked claims:
// exp (required) and nbf with a small leeway, iss, aud (string or array), sub (required), and
// role: "clerk" (counter clerks, with `offices`: a non-empty array of office ids, or ["*"] for
// all) or "invoice-clerk" (with `departments`, likewise; ["*"] is the invoice office). Which
// role a route needs is the route's business (HttpRoute.role): a valid token of the other role
// is 403 there.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace rathaus::platform::auth {

struct JwtPolicy {
  std::string issuer = "rathaus";
  std::string audience = "rathaus-gateway";
  absl::Duration leeway = absl::Seconds(30);
};

struct ClerkClaims {
  std::string subject;
  std::string role;                       // "clerk", "invoice-clerk" or "integrator"
  std::vector<std::string> offices;       // role clerk
  std::vector<std::string> departments;   // role invoice-clerk
  std::vector<std::string> scopes;        // role integrator (claim "scope")
  absl::Time expires;
};

class JwtVerifier {
 public:
  // An RSA key (>= 2048 bits, RS256) or an EC P-256 key (ES256) as PEM SubjectPublicKeyInfo.
  static absl::StatusOr<JwtVerifier> FromPublicKeyPem(std::string_view pem, JwtPolicy policy);

  // UNAUTHENTICATED with a short reason ("token expired", "bad signature", ...).
  absl::StatusOr<ClerkClaims> Verify(std::string_view token, absl::Time now) const;

  const std::string& algorithm() const { return algorithm_; }

 private:
  JwtVerifier(std::shared_ptr<EVP_PKEY> key, std::string algorithm, JwtPolicy policy)
      : key_(std::move(key)), algorithm_(std::move(algorithm)), policy_(std::move(policy)) {}

  std::shared_ptr<EVP_PKEY> key_;
  std::string algorithm_;  // "RS256" or "ES256"
  JwtPolicy policy_;
};

// Signs `claims_json` with a PEM private key (RSA -> RS256, EC P-256 -> ES256); for the dev
// token tool and tests.
absl::StatusOr<std::string> SignJwt(std::string_view private_key_pem, std::string_view claims_json);

// A fresh key pair as PEM (PKCS#8 private key, SubjectPublicKeyInfo public key).
struct PemKeyPair {
  std::string private_pem;
  std::string public_pem;
};
absl::StatusOr<PemKeyPair> GenerateEcP256Key();
absl::StatusOr<PemKeyPair> GenerateRsaKey(int bits);

}  // namespace rathaus::platform::auth
