#include "shared/auth/jwks.h"

#include <curl/curl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "shared/crypto/crypto.h"
#include "shared/log/log.h"

namespace rathaus::platform::auth {
namespace {

namespace crypto = ::rathaus::platform::crypto;
namespace log = ::rathaus::platform::log;
using google::protobuf::Struct;
using google::protobuf::Value;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};

std::string StringField(const Struct& s, const char* name) {
  auto it = s.fields().find(name);
  return it != s.fields().end() && it->second.has_string_value() ? it->second.string_value() : "";
}

// A JWK's big-endian integer or coordinate (base64url, RFC 7518 section 6).
absl::StatusOr<std::string> Octets(const Struct& jwk, const char* name) {
  auto bytes = crypto::FromBase64Url(StringField(jwk, name));
  if (!bytes.ok() || bytes->empty()) return absl::InvalidArgumentError(absl::StrCat("bad ", name));
  return *bytes;
}

// EVP_PKEY_fromdata for a public key of `type` ("RSA" or "EC") from the built parameters.
absl::StatusOr<std::shared_ptr<EVP_PKEY>> FromData(const char* type, OSSL_PARAM_BLD* bld) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* key = nullptr;
  const bool ok = params != nullptr && ctx != nullptr && EVP_PKEY_fromdata_init(ctx) == 1 &&
                  EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  if (!ok || key == nullptr) return absl::InvalidArgumentError(absl::StrCat("not a valid ", type, " key"));
  return std::shared_ptr<EVP_PKEY>(key, PkeyFree());
}

absl::StatusOr<std::shared_ptr<EVP_PKEY>> RsaKey(const Struct& jwk) {
  auto n = Octets(jwk, "n");
  auto e = Octets(jwk, "e");
  if (!n.ok()) return n.status();
  if (!e.ok()) return e.status();
  BIGNUM* bn_n = BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()), static_cast<int>(n->size()), nullptr);
  BIGNUM* bn_e = BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()), static_cast<int>(e->size()), nullptr);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  absl::StatusOr<std::shared_ptr<EVP_PKEY>> key = absl::InvalidArgumentError("bad RSA key");
  if (bn_n != nullptr && bn_e != nullptr && bld != nullptr &&
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) == 1 &&
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) == 1) {
    key = FromData("RSA", bld);
  }
  OSSL_PARAM_BLD_free(bld);
  BN_free(bn_n);
  BN_free(bn_e);
  return key;
}

absl::StatusOr<std::shared_ptr<EVP_PKEY>> EcKey(const Struct& jwk) {
  if (StringField(jwk, "crv") != "P-256") return absl::InvalidArgumentError("curve is not P-256");
  auto x = Octets(jwk, "x");
  auto y = Octets(jwk, "y");
  if (!x.ok()) return x.status();
  if (!y.ok()) return y.status();
  if (x->size() != 32 || y->size() != 32) return absl::InvalidArgumentError("bad P-256 coordinates");
  const std::string point = absl::StrCat(std::string(1, '\x04'), *x, *y);  // uncompressed
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  absl::StatusOr<std::shared_ptr<EVP_PKEY>> key = absl::InvalidArgumentError("bad EC key");
  if (bld != nullptr &&
      OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) == 1 &&
      OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) == 1) {
    key = FromData("EC", bld);
  }
  OSSL_PARAM_BLD_free(bld);
  return key;
}

size_t Append(char* data, size_t size, size_t n, void* out) {
  auto* body = static_cast<std::string*>(out);
  constexpr size_t kMaxBody = 1 << 20;  // a key set or discovery document is a few KB
  if (body->size() + size * n > kMaxBody) return 0;
  body->append(data, size * n);
  return size * n;
}

bool IsLoopbackHttp(const std::string& url) {
  for (const char* prefix : {"http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:",
                             "http://localhost/", "http://[::1]:", "http://[::1]/"}) {
    if (absl::StartsWith(url, prefix)) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<std::string> JwsAlgorithmFor(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "RSA")) {
    if (EVP_PKEY_get_bits(key) < 2048) {
      return absl::InvalidArgumentError("RSA key shorter than 2048 bits");
    }
    return std::string("RS256");
  }
  if (EVP_PKEY_is_a(key, "EC")) {
    char group[64] = {};
    size_t len = 0;
    if (EVP_PKEY_get_group_name(key, group, sizeof(group), &len) != 1 ||
        std::string_view(group, len) != "prime256v1") {
      return absl::InvalidArgumentError("EC key is not on P-256");
    }
    return std::string("ES256");
  }
  return absl::InvalidArgumentError("key is neither RSA nor EC P-256");
}

absl::StatusOr<KeySet> KeySet::FromJwks(std::string_view json, std::string_view issuer) {
  Struct doc;
  if (!google::protobuf::util::JsonStringToMessage(std::string(json), &doc).ok()) {
    return absl::InvalidArgumentError("the key set is not JSON");
  }
  auto keys = doc.fields().find("keys");
  if (keys == doc.fields().end() || !keys->second.has_list_value()) {
    return absl::InvalidArgumentError("the key set has no \"keys\" array");
  }
  KeySet out;
  for (const Value& v : keys->second.list_value().values()) {
    if (!v.has_struct_value()) continue;
    const Struct& jwk = v.struct_value();
    const std::string use = StringField(jwk, "use");
    const std::string kid = StringField(jwk, "kid");
    if ((!use.empty() && use != "sig") || kid.empty() || kid.size() > 256) continue;
    const std::string kty = StringField(jwk, "kty");
    absl::StatusOr<std::shared_ptr<EVP_PKEY>> key =
        kty == "RSA" ? RsaKey(jwk) : kty == "EC" ? EcKey(jwk) : absl::InvalidArgumentError("kty");
    if (!key.ok()) {
      log::Warn("skipping a key of the key set", {{"kid", kid}, {"error", std::string(key.status().message())}});
      continue;
    }
    auto alg = JwsAlgorithmFor(key->get());
    const std::string declared = StringField(jwk, "alg");
    if (!alg.ok() || (!declared.empty() && declared != *alg)) continue;
    out.keys_[kid] = VerificationKey{*key, *alg, kid, std::string(issuer)};
  }
  if (out.keys_.empty()) return absl::InvalidArgumentError("the key set has no RS256 or ES256 signing key");
  return out;
}

absl::StatusOr<KeySet> KeySet::FromPem(std::string_view pem, std::string_view issuer) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* raw = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (raw == nullptr) return absl::InvalidArgumentError("not a PEM public key");
  std::shared_ptr<EVP_PKEY> key(raw, PkeyFree());
  auto alg = JwsAlgorithmFor(raw);
  if (!alg.ok()) return alg.status();
  KeySet out;
  out.keys_[""] = VerificationKey{std::move(key), *alg, "", std::string(issuer)};
  return out;
}

KeySet KeySet::Union(const KeySet& a, const KeySet& b) {
  KeySet out = a;
  for (const auto& [kid, key] : b.keys_) out.keys_.emplace(kid, key);
  return out;
}

std::shared_ptr<const KeySet> CombinedKeySource::Current() const {
  std::shared_ptr<const KeySet> now = dynamic_->Current();
  std::lock_guard lock(mu_);
  if (merged_ == nullptr || now != seen_) {
    merged_ = std::make_shared<const KeySet>(KeySet::Union(fixed_, *now));
    seen_ = now;
  }
  return merged_;
}

const VerificationKey* KeySet::Find(std::string_view kid) const {
  auto it = keys_.find(kid);
  if (it != keys_.end()) return &it->second;
  // A token without kid, or a single key without one (a PEM file): the only key.
  if (keys_.size() == 1 && (kid.empty() || keys_.begin()->first.empty())) return &keys_.begin()->second;
  return nullptr;
}

namespace {

// One request with libcurl: GET, or POST of `form_body` when set.
absl::StatusOr<HttpAnswer> Perform(const std::string& url, const std::string* form_body,
                                   const std::string& basic_user, const std::string& basic_password,
                                   absl::Duration timeout) {
  if (!absl::StartsWith(url, "https://") && !IsLoopbackHttp(url)) {
    return absl::InvalidArgumentError(absl::StrCat("not an https URL: ", url));
  }
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  HttpAnswer answer;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https,http");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(absl::ToInt64Milliseconds(timeout)));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer.body);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "rathaus");
  struct curl_slist* headers = nullptr;
  std::string credentials;
  if (form_body != nullptr) {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form_body->c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(form_body->size()));
    headers = curl_slist_append(headers, "Content-Type: application/x-www-form-urlencoded");
    headers = curl_slist_append(headers, "Accept: application/json");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  }
  if (!basic_user.empty()) {
    credentials = absl::StrCat(FormEncode(basic_user), ":", FormEncode(basic_password));
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERPWD, credentials.c_str());
  }
  const CURLcode rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.status);
  curl_easy_cleanup(curl);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) return absl::UnavailableError(absl::StrCat(url, ": ", curl_easy_strerror(rc)));
  return answer;
}

}  // namespace

std::string FormEncode(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (unsigned char c : value) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";  // upper case (RFC 3986 §2.1)
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

absl::StatusOr<std::string> HttpGet(const std::string& url, absl::Duration timeout) {
  auto answer = Perform(url, nullptr, "", "", timeout);
  if (!answer.ok()) return answer.status();
  if (answer->status != 200) return absl::UnavailableError(absl::StrCat(url, ": HTTP ", answer->status));
  return std::move(answer->body);
}

absl::StatusOr<HttpAnswer> HttpPostForm(const std::string& url,
                                        const std::vector<std::pair<std::string, std::string>>& form,
                                        const std::string& basic_user,
                                        const std::string& basic_password, absl::Duration timeout) {
  std::string body;
  for (const auto& [name, value] : form) {
    if (!body.empty()) body.push_back('&');
    absl::StrAppend(&body, FormEncode(name), "=", FormEncode(value));
  }
  return Perform(url, &body, basic_user, basic_password, timeout);
}

absl::StatusOr<std::unique_ptr<JwksSource>> JwksSource::Start(Options options) {
  if (options.issuer.empty() == options.jwks_url.empty()) {
    return absl::InvalidArgumentError("either an issuer (discovery) or a key set URL");
  }
  const std::string& url = options.issuer.empty() ? options.jwks_url : options.issuer;
  if (!absl::StartsWith(url, "https://") && !IsLoopbackHttp(url + "/")) {
    return absl::InvalidArgumentError(absl::StrCat("not an https URL: ", url));
  }
  if (options.token_issuer.empty()) options.token_issuer = options.issuer;
  std::unique_ptr<JwksSource> source(new JwksSource(std::move(options)));
  source->keys_ = std::make_shared<const KeySet>();
  if (absl::Status s = source->Fetch(); !s.ok()) {
    log::Warn("no key set from the identity provider yet; tokens are refused until it answers",
              {{"error", std::string(s.message())}});
  }
  source->refresher_ = std::thread([raw = source.get()] {
    std::unique_lock lock(raw->mu_);
    while (!raw->stopping_) {
      const absl::Duration wait =
          raw->keys_->size() == 0 ? raw->options_.retry : raw->options_.refresh;
      raw->stop_cv_.wait_for(lock, absl::ToChronoNanoseconds(wait), [raw] { return raw->stopping_; });
      if (raw->stopping_) break;
      lock.unlock();
      if (absl::Status s = raw->Fetch(); !s.ok()) {
        log::Warn(raw->Current()->size() == 0
                      ? "still no key set from the identity provider; tokens are refused"
                      : "key set refresh failed, keeping the last keys",
                  {{"error", std::string(s.message())}});
      }
      lock.lock();
    }
  });
  return source;
}

JwksSource::~JwksSource() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (refresher_.joinable()) refresher_.join();
}

std::shared_ptr<const KeySet> JwksSource::Current() const {
  std::lock_guard lock(mu_);
  return keys_;
}

bool JwksSource::RefreshForUnknownKid() {
  {
    // Counted from the last fetch for an unknown kid (not from the start or the timer), so the
    // first token of a new key right after a start is not refused.
    std::lock_guard lock(mu_);
    const absl::Time now = absl::Now();
    if (now - last_unknown_kid_fetch_ < options_.min_refresh_gap) return false;
    last_unknown_kid_fetch_ = now;
  }
  const std::shared_ptr<const KeySet> before = Current();
  if (absl::Status s = Fetch(); !s.ok()) {
    log::Warn("key set refresh for an unknown key id failed", {{"error", std::string(s.message())}});
    return false;
  }
  return Current() != before;
}

absl::Status JwksSource::Fetch() {
  std::lock_guard fetching(fetch_mu_);
  std::string url;
  {
    std::lock_guard lock(mu_);
    url = jwks_url_.empty() ? options_.jwks_url : jwks_url_;
  }
  if (url.empty()) {
    // OpenID Connect Discovery 1.0 section 4: the document names the key set, and its issuer
    // must be the one configured (else tokens of another issuer could be checked with its keys).
    std::string issuer = options_.issuer;
    while (absl::EndsWith(issuer, "/")) issuer.pop_back();
    auto doc = HttpGet(absl::StrCat(issuer, "/.well-known/openid-configuration"), options_.timeout);
    if (!doc.ok()) return doc.status();
    Struct config;
    if (!google::protobuf::util::JsonStringToMessage(*doc, &config).ok()) {
      return absl::UnavailableError("the discovery document is not JSON");
    }
    if (StringField(config, "issuer") != options_.issuer) {
      return absl::FailedPreconditionError(
          absl::StrCat("the discovery document names the issuer ", StringField(config, "issuer")));
    }
    url = StringField(config, "jwks_uri");
    if (url.empty()) return absl::UnavailableError("the discovery document has no jwks_uri");
    std::lock_guard lock(mu_);
    jwks_url_ = url;
  }
  auto body = HttpGet(url, options_.timeout);
  if (!body.ok()) return body.status();
  auto keys = KeySet::FromJwks(*body, options_.token_issuer);
  if (!keys.ok()) return keys.status();
  log::Info("key set loaded", {{"url", url}, {"keys", static_cast<int64_t>(keys->size())}});
  std::lock_guard lock(mu_);
  keys_ = std::make_shared<const KeySet>(std::move(*keys));
  return absl::OkStatus();
}

}  // namespace rathaus::platform::auth
