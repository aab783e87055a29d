#include "shared/auth/jwt.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <cmath>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "shared/crypto/crypto.h"

namespace rathaus::platform::auth {
namespace {

namespace crypto = ::rathaus::platform::crypto;
using google::protobuf::Struct;
using google::protobuf::Value;

constexpr size_t kEs256PartBytes = 32;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

absl::Status Unauthenticated(std::string_view why) {
  return absl::UnauthenticatedError(std::string(why));
}

absl::StatusOr<Struct> ParseJsonObject(const std::string& json) {
  Struct out;
  google::protobuf::util::JsonParseOptions options;
  if (!google::protobuf::util::JsonStringToMessage(json, &out, options).ok()) {
    return Unauthenticated("token is not JSON");
  }
  return out;
}

const Value* Claim(const Struct& s, const std::string& name) {
  auto it = s.fields().find(name);
  return it == s.fields().end() ? nullptr : &it->second;
}

absl::StatusOr<std::string> AlgorithmFor(EVP_PKEY* key) { return JwsAlgorithmFor(key); }

// RFC 7518 §3.4: ES256 signatures are r || s, 32 bytes each; EVP wants DER.
std::string RawEcdsaToDer(std::string_view raw) {
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), kEs256PartBytes, nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + kEs256PartBytes,
                        kEs256PartBytes, nullptr);
  ECDSA_SIG_set0(sig, r, s);
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig, &der);
  std::string out;
  if (len > 0) out.assign(reinterpret_cast<char*>(der), len);
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return out;
}

absl::StatusOr<std::string> DerEcdsaToRaw(std::string_view der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (sig == nullptr) return absl::InternalError("bad ECDSA signature from OpenSSL");
  std::string out(2 * kEs256PartBytes, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), o, kEs256PartBytes);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), o + kEs256PartBytes, kEs256PartBytes);
  ECDSA_SIG_free(sig);
  return out;
}

bool VerifySha256(EVP_PKEY* key, std::string_view data, std::string_view signature) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                             signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                             data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

absl::StatusOr<std::string> PemOf(EVP_PKEY* key, bool private_key) {
  BIO* bio = BIO_new(BIO_s_mem());
  const int ok = private_key
                     ? PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr)
                     : PEM_write_bio_PUBKEY(bio, key);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out = ok == 1 && len > 0 ? std::string(data, len) : std::string();
  BIO_free(bio);
  if (out.empty()) return absl::InternalError("cannot write PEM");
  return out;
}

absl::StatusOr<PemKeyPair> PairOf(EVP_PKEY* key) {
  if (key == nullptr) return absl::InternalError("key generation failed");
  Pkey owned(key);
  auto priv = PemOf(key, true);
  auto pub = PemOf(key, false);
  if (!priv.ok()) return priv.status();
  if (!pub.ok()) return pub.status();
  return PemKeyPair{*priv, *pub};
}

// Office and department ids in a claim: "*" or 1..64 of [A-Za-z0-9_.-] (they end up in a
// comma-separated header and are compared byte for byte).
bool IsScopeId(const std::string& id) {
  if (id == "*") return true;
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-')) {
      return false;
    }
  }
  return true;
}

// An optional NumericDate claim: nullopt when absent, UNAUTHENTICATED unless a finite number of
// seconds between 1970 and 9999.
absl::StatusOr<std::optional<absl::Time>> NumericDate(const Struct& claims,
                                                      const char* name) {
  const Value* v = Claim(claims, name);
  if (v == nullptr) return std::optional<absl::Time>();
  constexpr double kYear9999 = 253402300799.0;
  if (!v->has_number_value() || !std::isfinite(v->number_value()) || v->number_value() < 0 ||
      v->number_value() > kYear9999) {
    return Unauthenticated(absl::StrCat("bad ", name, " claim"));
  }
  return std::optional<absl::Time>(absl::FromUnixSeconds(static_cast<int64_t>(v->number_value())));
}

}  // namespace

absl::StatusOr<JwtVerifier> JwtVerifier::FromPublicKeyPem(std::string_view pem, JwtPolicy policy) {
  auto keys = KeySet::FromPem(pem);
  if (!keys.ok()) return keys.status();
  return JwtVerifier(std::make_shared<StaticKeySource>(std::move(*keys)), std::move(policy));
}

bool JwtVerifier::SignatureCache::Seen(const std::string& digest,
                                      const std::shared_ptr<EVP_PKEY>& key) {
  std::lock_guard lock(mu_);
  auto it = verified_.find(digest);
  // The same key object: the cache holds a reference, so its address is never reused meanwhile.
  return it != verified_.end() && it->second == key;
}

void JwtVerifier::SignatureCache::Add(std::string digest, std::shared_ptr<EVP_PKEY> key) {
  std::lock_guard lock(mu_);
  if (verified_.size() >= kMaxEntries) verified_.clear();
  verified_[std::move(digest)] = std::move(key);
}

absl::StatusOr<ClerkClaims> JwtVerifier::Verify(std::string_view token, absl::Time now) const {
  if (token.size() > 8192) return Unauthenticated("token too long");
  std::vector<absl::string_view> parts =
      absl::StrSplit(absl::string_view(token.data(), token.size()), '.');
  if (parts.size() != 3) return Unauthenticated("not a JWS compact token");
  auto header_json = crypto::FromBase64Url(std::string_view(parts[0].data(), parts[0].size()));
  auto payload_json = crypto::FromBase64Url(std::string_view(parts[1].data(), parts[1].size()));
  auto signature = crypto::FromBase64Url(std::string_view(parts[2].data(), parts[2].size()));
  if (!header_json.ok() || !payload_json.ok() || !signature.ok()) {
    return Unauthenticated("token is not base64url");
  }
  auto header = ParseJsonObject(*header_json);
  if (!header.ok()) return header.status();
  // The key by the token's kid (a provider publishes several while it rotates); the algorithm
  // is the key's, never the token's choice.
  const Value* kid_value = Claim(*header, "kid");
  if (kid_value != nullptr && (!kid_value->has_string_value() || kid_value->string_value().empty())) {
    return Unauthenticated("bad key id");
  }
  const std::string kid = kid_value != nullptr ? kid_value->string_value() : "";
  std::shared_ptr<const KeySet> keys = keys_->Current();
  const VerificationKey* key = keys->Find(kid);
  if (key == nullptr && !kid.empty() && keys_->RefreshForUnknownKid()) {
    keys = keys_->Current();
    key = keys->Find(kid);
  }
  if (key == nullptr) return Unauthenticated("unknown signing key");
  const Value* alg = Claim(*header, "alg");
  if (alg == nullptr || !alg->has_string_value() || alg->string_value() != key->algorithm) {
    return Unauthenticated("unexpected token algorithm");
  }
  if (Claim(*header, "crit") != nullptr) return Unauthenticated("unsupported critical header");

  const std::string digest = crypto::Sha256(token);
  if (!cache_->Seen(digest, key->key)) {
    const std::string_view signed_part(token.data(), parts[0].size() + 1 + parts[1].size());
    std::string sig = *signature;
    if (key->algorithm == "ES256") {
      if (sig.size() != 2 * kEs256PartBytes) return Unauthenticated("bad signature");
      sig = RawEcdsaToDer(sig);
    }
    if (!VerifySha256(key->key.get(), signed_part, sig)) return Unauthenticated("bad signature");
    cache_->Add(digest, key->key);
  }

  auto claims = ParseJsonObject(*payload_json);
  if (!claims.ok()) return claims.status();
  // NumericDates (RFC 7519 section 2) are range-checked before any conversion: a token with
  // "nbf": 1e300 must not become a time in the past.
  auto exp = NumericDate(*claims, "exp");
  if (!exp.ok()) return exp.status();
  if (!exp->has_value()) return Unauthenticated("token has no exp");
  const absl::Time expires = **exp;
  if (now > expires + policy_.leeway) return Unauthenticated("token expired");
  auto nbf = NumericDate(*claims, "nbf");
  if (!nbf.ok()) return nbf.status();
  if (nbf->has_value() && now + policy_.leeway < **nbf) return Unauthenticated("token not yet valid");
  auto iat = NumericDate(*claims, "iat");
  if (!iat.ok()) return iat.status();
  if (iat->has_value() && now + policy_.leeway < **iat) return Unauthenticated("token issued in the future");
  // A stolen token is worth at most the longest lifetime: from its issue (or its start, or now
  // when it says neither) to its expiry.
  const absl::Time start = iat->has_value() ? **iat : nbf->has_value() ? **nbf : now;
  if (policy_.max_lifetime > absl::ZeroDuration() && expires - start > policy_.max_lifetime) {
    return Unauthenticated("token lifetime exceeds the maximum");
  }
  const Value* iss = Claim(*claims, "iss");
  const std::string& expected_issuer = key->issuer.empty() ? policy_.issuer : key->issuer;
  if (iss == nullptr || !iss->has_string_value() || iss->string_value() != expected_issuer) {
    return Unauthenticated("wrong issuer");
  }
  const Value* aud = Claim(*claims, "aud");
  bool audience_ok = false;
  if (aud != nullptr && aud->has_string_value()) {
    audience_ok = aud->string_value() == policy_.audience;
  } else if (aud != nullptr && aud->has_list_value()) {
    for (const Value& v : aud->list_value().values()) {
      audience_ok = audience_ok || (v.has_string_value() && v.string_value() == policy_.audience);
    }
  }
  if (!audience_ok) return Unauthenticated("wrong audience");
  const Value* role = Claim(*claims, "role");
  if (role == nullptr || !role->has_string_value() ||
      (role->string_value() != "clerk" && role->string_value() != "invoice-clerk" &&
       role->string_value() != "integrator" && role->string_value() != "supplier" &&
       role->string_value() != "registration-clerk" && role->string_value() != "citizen" &&
       role->string_value() != "file-clerk" && role->string_value() != "archivist")) {
    return Unauthenticated("not a clerk, integrator, supplier, citizen or e-file token");
  }
  const Value* sub = Claim(*claims, "sub");
  if (sub == nullptr || !sub->has_string_value() || sub->string_value().empty()) {
    return Unauthenticated("token has no subject");
  }
  ClerkClaims out;
  out.subject = sub->string_value();
  out.role = role->string_value();
  out.expires = expires;
  // OpenID Connect's Authentication Context Class Reference: how strongly the person signed in
  // (a service may demand the eID's level "hoch"; registrations: RATHAUS_REGISTRATIONS_CITIZEN_ACR).
  if (const Value* acr = Claim(*claims, "acr"); acr != nullptr && acr->has_string_value()) {
    out.acr = acr->string_value();
  }
  // A supplier (a company that sends invoices) is its subject; no further claim. So is a citizen
  // (signed in at the city's identity provider; `sub` is the provider's pseudonym for the
  // person, which the services use to bind a case to whoever submitted it).
  if (out.role == "supplier" || out.role == "citizen") return out;
  // The archivist of the e-file sees every Akte: no scope claim.
  if (out.role == "archivist") return out;
  if (out.role == "integrator") {
    // A back-office system (Fachverfahren): OAuth 2.0 scopes (RFC 8693 section 4.2: one string,
    // space-separated), e.g. "id-documents:status".
    const Value* scopes = Claim(*claims, "scope");
    if (scopes == nullptr || !scopes->has_string_value()) return Unauthenticated("token has no scope");
    for (absl::string_view s : absl::StrSplit(scopes->string_value(), ' ', absl::SkipEmpty())) {
      out.scopes.emplace_back(s);
    }
    if (out.scopes.empty()) return Unauthenticated("token has no scope");
    return out;
  }
  // Counter clerks and registration clerks are limited to offices, invoice clerks and file clerks
  // (e-file) to departments.
  const bool counter = out.role == "clerk" || out.role == "registration-clerk";
  const std::string scope_name = counter ? "offices" : "departments";
  std::vector<std::string>& scope = counter ? out.offices : out.departments;
  const Value* list = Claim(*claims, scope_name);
  if (list == nullptr || !list->has_list_value()) {
    return Unauthenticated(absl::StrCat("token has no ", scope_name));
  }
  for (const Value& v : list->list_value().values()) {
    // Ids end up in a comma-separated header: they must not contain one.
    // Compared exactly: "*" is every office, " *" or "kiel-mitte " is no id at all.
    if (!v.has_string_value() || !IsScopeId(v.string_value())) {
      return Unauthenticated(absl::StrCat("bad ", scope_name, " claim"));
    }
    scope.push_back(v.string_value());
  }
  if (scope.empty()) return Unauthenticated(absl::StrCat("token has no ", scope_name));
  return out;
}

absl::StatusOr<std::string> SignJwt(std::string_view private_key_pem, std::string_view claims_json,
                                    std::string_view kid) {
  BIO* bio = BIO_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size()));
  Pkey key(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  if (key == nullptr) return absl::InvalidArgumentError("not a PEM private key");
  auto alg = AlgorithmFor(key.get());
  if (!alg.ok()) return alg.status();
  const std::string signing_input =
      absl::StrCat(crypto::Base64Url(absl::StrCat("{\"alg\":\"", *alg, "\",\"typ\":\"JWT\"",
                                                  kid.empty() ? "" : absl::StrCat(",\"kid\":\"", std::string(kid), "\""),
                                                  "}")),
                   ".",
                   crypto::Base64Url(claims_json));
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t len = 0;
  std::string sig;
  bool ok = EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
            EVP_DigestSign(ctx, nullptr, &len,
                           reinterpret_cast<const unsigned char*>(signing_input.data()),
                           signing_input.size()) == 1;
  if (ok) {
    sig.resize(len);
    ok = EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                        reinterpret_cast<const unsigned char*>(signing_input.data()),
                        signing_input.size()) == 1;
    sig.resize(len);
  }
  EVP_MD_CTX_free(ctx);
  if (!ok) return absl::InternalError("signing failed");
  if (*alg == "ES256") {
    auto raw = DerEcdsaToRaw(sig);
    if (!raw.ok()) return raw.status();
    sig = *raw;
  }
  return absl::StrCat(signing_input, ".", crypto::Base64Url(sig));
}

absl::StatusOr<PemKeyPair> GenerateEcP256Key() { return PairOf(EVP_EC_gen("P-256")); }

absl::StatusOr<PemKeyPair> GenerateRsaKey(int bits) {
  return PairOf(EVP_RSA_gen(static_cast<unsigned int>(bits)));
}

}  // namespace rathaus::platform::auth
