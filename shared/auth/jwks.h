// Token signing keys from an OpenID Connect provider: a JSON Web Key Set (RFC 7517) fetched from
// the provider's jwks_uri (found by discovery from RATHAUS_OIDC_ISSUER, or RATHAUS_JWKS_URL),
// keys picked by the token's `kid`, refreshed on a timer and — at most every 10 s — when a token
// names a kid the set does not have, so the provider rotates keys without a restart of anyone.
//
//   auto keys = KeySet::FromJwks(R"({"keys":[{"kty":"EC","crv":"P-256","kid":"k1","x":…,"y":…}]})");
//   auto source = JwksSource::Start({.issuer = "https://login.kiel.de/realms/rathaus"});
//   auto verifier = JwtVerifier::FromKeySource(*source, policy);   // jwt.h
//
// Accepted keys: RSA of at least 2048 bits (RS256) and EC P-256 (ES256) with "use" absent or
// "sig"; others in the set are skipped (a provider also publishes encryption keys). A JWK's "alg",
// when present, must be the one its key type gives.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace rathaus::platform::auth {

struct VerificationKey {
  std::shared_ptr<EVP_PKEY> key;
  std::string algorithm;  // "RS256" or "ES256"
  std::string kid;        // "" for a key from a PEM file
  std::string issuer;     // the `iss` its tokens must name; "" = the verifier's policy.issuer
};

class KeySet {
 public:
  // INVALID_ARGUMENT when the document is not a JWKS or holds no usable signing key.
  // `issuer`: the iss the keys sign for (the provider's).
  static absl::StatusOr<KeySet> FromJwks(std::string_view json, std::string_view issuer = "");
  // One key from a PEM SubjectPublicKeyInfo (RATHAUS_CLERK_JWT_PUBLIC_KEY_FILE).
  static absl::StatusOr<KeySet> FromPem(std::string_view pem, std::string_view issuer = "");
  // Both sets' keys (the first wins a kid both have).
  static KeySet Union(const KeySet& a, const KeySet& b);

  // The key a token's `kid` names; a token without kid gets the only key of a one-key set.
  const VerificationKey* Find(std::string_view kid) const;
  size_t size() const { return keys_.size(); }

  KeySet() = default;  // empty: every token is refused

 private:
  std::map<std::string, VerificationKey, std::less<>> keys_;
};

// Where a verifier gets its keys; thread-safe.
class KeySource {
 public:
  virtual ~KeySource() = default;
  virtual std::shared_ptr<const KeySet> Current() const = 0;
  // A token named a kid the current set lacks: fetch again now unless that was done a moment
  // ago; true when the set changed.
  virtual bool RefreshForUnknownKid() { return false; }
};

class StaticKeySource final : public KeySource {
 public:
  explicit StaticKeySource(KeySet keys) : keys_(std::make_shared<const KeySet>(std::move(keys))) {}
  std::shared_ptr<const KeySet> Current() const override { return keys_; }

 private:
  std::shared_ptr<const KeySet> keys_;
};

// The JWS algorithm a key gives, or an error for keys we do not accept.
absl::StatusOr<std::string> JwsAlgorithmFor(EVP_PKEY* key);

// GET over HTTPS (http only to loopback, for development and tests), with a timeout; the body.
absl::StatusOr<std::string> HttpGet(const std::string& url, absl::Duration timeout);

// POST of an application/x-www-form-urlencoded body (an OAuth token endpoint, RFC 6749 §3.2),
// with HTTP Basic client authentication when `basic_user` is set (both parts form-encoded first,
// RFC 6749 §2.3.1). Same URL rules as HttpGet. Any HTTP status comes back with its body (a token
// endpoint answers errors as 400 JSON); transport failures are UNAVAILABLE.
struct HttpAnswer {
  long status = 0;
  std::string body;
};
absl::StatusOr<HttpAnswer> HttpPostForm(const std::string& url,
                                        const std::vector<std::pair<std::string, std::string>>& form,
                                        const std::string& basic_user,
                                        const std::string& basic_password, absl::Duration timeout);
// application/x-www-form-urlencoded encoding of one value (RFC 3986 unreserved kept, space %20).
std::string FormEncode(std::string_view value);

// The provider's keys and, beside them, a fixed set (the development key of `make up`, whose
// tokens name another issuer): a token's kid finds its key in either.
class CombinedKeySource final : public KeySource {
 public:
  CombinedKeySource(std::shared_ptr<KeySource> dynamic, KeySet fixed)
      : dynamic_(std::move(dynamic)), fixed_(std::move(fixed)) {}
  std::shared_ptr<const KeySet> Current() const override;
  bool RefreshForUnknownKid() override { return dynamic_->RefreshForUnknownKid(); }

 private:
  std::shared_ptr<KeySource> dynamic_;
  KeySet fixed_;
  mutable std::mutex mu_;
  mutable std::shared_ptr<const KeySet> seen_;    // the dynamic set merged last
  mutable std::shared_ptr<const KeySet> merged_;  // guarded by mu_
};

class JwksSource final : public KeySource {
 public:
  struct Options {
    std::string issuer;    // discovery: <issuer>/.well-known/openid-configuration
    std::string jwks_url;  // or the key set's address directly
    std::string token_issuer;  // the iss of its tokens (default: issuer)
    absl::Duration refresh = absl::Minutes(10);
    absl::Duration min_refresh_gap = absl::Seconds(10);  // for unknown kids
    absl::Duration timeout = absl::Seconds(5);
    absl::Duration retry = absl::Seconds(5);  // while no key set could be fetched yet
  };
  // Fetches once; when the provider is not reachable yet the process still starts (every token
  // is refused meanwhile) and fetching is retried every `retry` — like Kafka, an identity
  // provider that is away must not make services crash-loop. Then refreshes every `refresh`; a
  // failed refresh keeps the last good set. INVALID_ARGUMENT only for a wrong setting (no https).
  static absl::StatusOr<std::unique_ptr<JwksSource>> Start(Options options);
  ~JwksSource() override;

  std::shared_ptr<const KeySet> Current() const override;
  bool RefreshForUnknownKid() override;

 private:
  explicit JwksSource(Options options) : options_(std::move(options)) {}
  absl::Status Fetch();  // discovery (once) + key set; swaps the set in

  Options options_;
  mutable std::mutex mu_;
  std::shared_ptr<const KeySet> keys_;  // guarded by mu_
  std::string jwks_url_;                // guarded by mu_
  absl::Time last_unknown_kid_fetch_ = absl::InfinitePast();  // guarded by mu_
  std::mutex fetch_mu_;                 // one fetch at a time
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread refresher_;
};

}  // namespace rathaus::platform::auth
