// Clerk authentication: a JWT (RFC 7519) signed with RS256 or ES256, verified with OpenSSL
// against one configured public key (RATHAUS_CLERK_JWT_PUBLIC_KEY_FILE).
//
//   auto verifier = JwtVerifier::FromPublicKeyPem(pem, JwtPolicy{});
//   absl::StatusOr<ClerkClaims> claims = verifier->Verify(bearer_token, absl::Now());
//   if (!claims.ok()) -> 401;  claims->offices == {"kiel-mitte"} or {"*"}
//
// The algorithm is fixed by the key, never taken from the token: a token saying "none", "HS256"
// or the other asymmetric algorithm is rejected before any signature check. Checked claims:
// exp (required), nbf and iat with a small leeway (each a NumericDate between 1970 and 9999),
// the lifetime from iat to exp (at most policy.max_lifetime), iss, aud (string or array), sub
// (required), and
// role: "clerk" (counter clerks, with `offices`: a non-empty array of office ids, or ["*"] for
// all; ids compared exactly, so " *" is refused) or "invoice-clerk" (with `departments`,
// likewise; ["*"] is the invoice office). Which
// role a route needs is the route's business (HttpRoute.role): a valid token of the other role
// is 403 there.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "shared/auth/jwks.h"

namespace rathaus::platform::auth {

struct JwtPolicy {
  std::string issuer = "rathaus";
  std::string audience = "rathaus-gateway";
  absl::Duration leeway = absl::Seconds(30);
  // The longest a token may live, from iat (or nbf, or now) to exp (RATHAUS_JWT_MAX_LIFETIME);
  // zero: no maximum.
  absl::Duration max_lifetime = absl::Hours(12);
};

struct ClerkClaims {
  std::string subject;
  // "clerk", "invoice-clerk", "integrator", "supplier", "registration-clerk" or "citizen"
  std::string role;
  std::vector<std::string> offices;       // roles clerk and registration-clerk
  std::vector<std::string> departments;   // role invoice-clerk
  std::vector<std::string> scopes;        // role integrator (claim "scope")
  std::string acr;                        // the sign-in's assurance level (claim "acr"), if any
  absl::Time expires;
};

class JwtVerifier {
 public:
  // An RSA key (>= 2048 bits, RS256) or an EC P-256 key (ES256) as PEM SubjectPublicKeyInfo.
  static absl::StatusOr<JwtVerifier> FromPublicKeyPem(std::string_view pem, JwtPolicy policy);
  // Keys by the token's `kid` from an OpenID Connect provider's key set (jwks.h).
  static JwtVerifier FromKeySource(std::shared_ptr<KeySource> keys, JwtPolicy policy) {
    return JwtVerifier(std::move(keys), std::move(policy));
  }

  // UNAUTHENTICATED with a short reason ("token expired", "bad signature", ...).
  absl::StatusOr<ClerkClaims> Verify(std::string_view token, absl::Time now) const;

  // The algorithm of a one-key verifier (a PEM key): "RS256" or "ES256".
  std::string algorithm() const {
    auto keys = keys_->Current();
    const VerificationKey* only = keys->size() == 1 ? keys->Find("") : nullptr;
    return only != nullptr ? only->algorithm : "";
  }

 private:
  // Tokens whose signature verified, by the SHA-256 of the whole token, with the key that
  // verified it. A citizen's page or a clerk's screen sends the same token many times, and the
  // gateway and the service both verify it: the ECDSA/RSA check is the costly part (about 80 µs
  // for ES256 here), so it runs once per token and key. Everything else (expiry, issuer,
  // audience, role) is checked on every call; a key that left the key set or changed under its
  // kid verifies again. Bounded: cleared when full.
  class SignatureCache {
   public:
    bool Seen(const std::string& digest, const std::shared_ptr<EVP_PKEY>& key);
    void Add(std::string digest, std::shared_ptr<EVP_PKEY> key);

   private:
    static constexpr size_t kMaxEntries = 8192;
    std::mutex mu_;
    absl::flat_hash_map<std::string, std::shared_ptr<EVP_PKEY>> verified_;  // guarded by mu_
  };

  JwtVerifier(std::shared_ptr<KeySource> keys, JwtPolicy policy)
      : keys_(std::move(keys)), policy_(std::move(policy)),
        cache_(std::make_shared<SignatureCache>()) {}

  std::shared_ptr<KeySource> keys_;
  JwtPolicy policy_;
  std::shared_ptr<SignatureCache> cache_;  // shared by copies of this verifier
};

// Signs `claims_json` with a PEM private key (RSA -> RS256, EC P-256 -> ES256); for the dev
// token tool and tests.
// With `kid`, the header names the key (as a provider's tokens do).
absl::StatusOr<std::string> SignJwt(std::string_view private_key_pem, std::string_view claims_json,
                                    std::string_view kid = "");

// A fresh key pair as PEM (PKCS#8 private key, SubjectPublicKeyInfo public key).
struct PemKeyPair {
  std::string private_pem;
  std::string public_pem;
};
absl::StatusOr<PemKeyPair> GenerateEcP256Key();
absl::StatusOr<PemKeyPair> GenerateRsaKey(int bits);

}  // namespace rathaus::platform::auth
