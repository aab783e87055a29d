#include "shared/auth/jwks.h"

#include <netinet/in.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "shared/auth/jwt.h"
#include "shared/crypto/crypto.h"

namespace rathaus::platform::auth {
namespace {

namespace crypto = ::rathaus::platform::crypto;

EVP_PKEY* PublicKey(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return key;
}

std::string BnParam(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  EVP_PKEY_get_bn_param(key, name, &bn);
  std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return crypto::Base64Url(out);
}

// The JWK (RFC 7517/7518) of a PEM public key, as a provider publishes it.
std::string Jwk(const PemKeyPair& pair, const std::string& kid, const std::string& extra = "") {
  EVP_PKEY* key = PublicKey(pair.public_pem);
  std::string out;
  if (EVP_PKEY_is_a(key, "RSA")) {
    out = absl::StrCat(R"({"kty":"RSA","kid":")", kid, R"(","use":"sig","alg":"RS256","n":")",
                       BnParam(key, OSSL_PKEY_PARAM_RSA_N), R"(","e":")",
                       BnParam(key, OSSL_PKEY_PARAM_RSA_E), "\"", extra, "}");
  } else {
    unsigned char point[65];
    size_t len = 0;
    EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &len);
    const std::string raw(reinterpret_cast<char*>(point), len);
    out = absl::StrCat(R"({"kty":"EC","crv":"P-256","kid":")", kid, R"(","x":")",
                       crypto::Base64Url(raw.substr(1, 32)), R"(","y":")",
                       crypto::Base64Url(raw.substr(33, 32)), "\"", extra, "}");
  }
  EVP_PKEY_free(key);
  return out;
}

std::string Claims() {
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  return absl::StrCat(R"({"iss":"http://127.0.0.1","aud":"rathaus-gateway","sub":"c","role":"clerk",)",
                      R"("offices":["*"],"iat":)", now, R"(,"exp":)", now + 600, "}");
}

class JwksTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ec1_ = new PemKeyPair(*GenerateEcP256Key());
    ec2_ = new PemKeyPair(*GenerateEcP256Key());
    rsa_ = new PemKeyPair(*GenerateRsaKey(2048));
  }
  static PemKeyPair* ec1_;
  static PemKeyPair* ec2_;
  static PemKeyPair* rsa_;
};
PemKeyPair* JwksTest::ec1_ = nullptr;
PemKeyPair* JwksTest::ec2_ = nullptr;
PemKeyPair* JwksTest::rsa_ = nullptr;

TEST_F(JwksTest, KeySetTakesSigningKeysAndSkipsTheRest) {
  auto small = GenerateRsaKey(1024);
  const std::string doc = absl::StrCat(
      R"({"keys":[)", Jwk(*ec1_, "ec-1"), ",", Jwk(*rsa_, "rsa-1"), ",",
      Jwk(*ec2_, "enc-1", R"(,"use":"enc")"), ",", Jwk(*small, "short"), ",",
      Jwk(*ec2_, "wrong-alg", R"(,"alg":"RS256")"), R"(,{"kty":"oct","kid":"h","k":"c2VjcmV0"}]})");
  auto keys = KeySet::FromJwks(doc);
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->size(), 2u);
  EXPECT_EQ(keys->Find("ec-1")->algorithm, "ES256");
  EXPECT_EQ(keys->Find("rsa-1")->algorithm, "RS256");
  EXPECT_EQ(keys->Find("enc-1"), nullptr);
  EXPECT_EQ(keys->Find(""), nullptr) << "two keys: a token must say which";
  EXPECT_FALSE(KeySet::FromJwks(R"({"keys":[]})").ok());
  EXPECT_FALSE(KeySet::FromJwks("not json").ok());
}

TEST_F(JwksTest, VerifierPicksTheKeyByKid) {
  auto keys = KeySet::FromJwks(absl::StrCat(R"({"keys":[)", Jwk(*ec1_, "ec-1"), ",", Jwk(*rsa_, "rsa-1"), "]}"));
  ASSERT_TRUE(keys.ok());
  JwtPolicy policy;
  policy.issuer = "http://127.0.0.1";
  JwtVerifier v = JwtVerifier::FromKeySource(std::make_shared<StaticKeySource>(*keys), policy);
  EXPECT_TRUE(v.Verify(*SignJwt(ec1_->private_pem, Claims(), "ec-1"), absl::Now()).ok());
  EXPECT_TRUE(v.Verify(*SignJwt(rsa_->private_pem, Claims(), "rsa-1"), absl::Now()).ok());
  EXPECT_EQ(v.Verify(*SignJwt(ec2_->private_pem, Claims(), "ec-2"), absl::Now()).status().message(),
            "unknown signing key");
  EXPECT_EQ(v.Verify(*SignJwt(ec2_->private_pem, Claims(), "ec-1"), absl::Now()).status().message(),
            "bad signature");
  // An RSA-signed token naming the EC key: the key decides the algorithm.
  EXPECT_EQ(v.Verify(*SignJwt(rsa_->private_pem, Claims(), "ec-1"), absl::Now()).status().message(),
            "unexpected token algorithm");
  EXPECT_FALSE(v.Verify(*SignJwt(ec1_->private_pem, Claims()), absl::Now()).ok()) << "no kid, two keys";
}

// A provider on loopback: a real HTTP server (one request per connection) whose documents the
// test changes, counting what it serves.
class Provider {
 public:
  Provider() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    listen(fd_, 16);
    thread_ = std::thread([this] { Serve(); });
  }
  ~Provider() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  std::string issuer() const { return absl::StrCat("http://127.0.0.1:", port_); }
  void SetKeys(const std::string& jwks) {
    std::lock_guard lock(mu_);
    jwks_ = jwks;
  }
  void SetIssuerClaim(const std::string& issuer) {
    std::lock_guard lock(mu_);
    issuer_claim_ = issuer;
  }
  int key_set_requests() const { return key_set_requests_.load(); }

 private:
  void Serve() {
    while (!stop_) {
      const int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      char buffer[4096];
      const ssize_t n = read(c, buffer, sizeof buffer);
      const std::string request(buffer, n > 0 ? static_cast<size_t>(n) : 0);
      std::string body;
      int status = 200;
      {
        std::lock_guard lock(mu_);
        if (absl::StartsWith(request, "GET /.well-known/openid-configuration ")) {
          body = absl::StrCat(R"({"issuer":")", issuer_claim_.empty() ? issuer() : issuer_claim_,
                              R"(","jwks_uri":")", issuer(), R"(/keys"})");
        } else if (absl::StartsWith(request, "GET /keys ")) {
          ++key_set_requests_;
          body = jwks_;
        } else {
          status = 404;
        }
      }
      const std::string response =
          absl::StrCat("HTTP/1.1 ", status, " X\r\nContent-Type: application/json\r\nContent-Length: ",
                       body.size(), "\r\nConnection: close\r\n\r\n", body);
      (void)!write(c, response.data(), response.size());
      close(c);
    }
  }
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::string jwks_;
  std::string issuer_claim_;
  std::atomic<int> key_set_requests_{0};
  std::thread thread_;
};

// The provider rotates its signing key: tokens of the new key are accepted without a restart
// (an unknown kid fetches the set again), tokens of the old key while it is still published.
TEST_F(JwksTest, KeysRotateWithoutARestart) {
  Provider provider;
  provider.SetKeys(absl::StrCat(R"({"keys":[)", Jwk(*ec1_, "k1"), "]}"));
  JwksSource::Options options;
  options.issuer = provider.issuer();
  options.token_issuer = "http://127.0.0.1";  // what Claims() says
  options.min_refresh_gap = absl::ZeroDuration();
  auto source = JwksSource::Start(options);
  ASSERT_TRUE(source.ok()) << source.status();
  JwtPolicy policy;
  policy.issuer = "http://127.0.0.1";
  JwtVerifier v = JwtVerifier::FromKeySource(std::shared_ptr<KeySource>(std::move(*source)), policy);
  EXPECT_TRUE(v.Verify(*SignJwt(ec1_->private_pem, Claims(), "k1"), absl::Now()).ok());
  const std::string new_token = *SignJwt(ec2_->private_pem, Claims(), "k2");
  EXPECT_FALSE(v.Verify(new_token, absl::Now()).ok()) << "k2 is not published yet";

  provider.SetKeys(absl::StrCat(R"({"keys":[)", Jwk(*ec2_, "k2"), ",", Jwk(*ec1_, "k1"), "]}"));
  auto verified = v.Verify(new_token, absl::Now());
  EXPECT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(v.Verify(*SignJwt(ec1_->private_pem, Claims(), "k1"), absl::Now()).ok())
      << "the old key until its tokens have expired";
}

// The provider is not there when the service starts: the service starts anyway, refuses
// tokens, and takes the keys as soon as the provider answers.
TEST_F(JwksTest, AProviderThatComesLaterIsUsedWithoutARestart) {
  Provider provider;  // serves no key set yet (an empty answer is no JWKS)
  JwksSource::Options options;
  options.jwks_url = provider.issuer() + "/keys";
  options.retry = absl::Milliseconds(100);
  options.min_refresh_gap = absl::Hours(1);
  auto source = JwksSource::Start(options);
  ASSERT_TRUE(source.ok()) << source.status();
  JwtPolicy policy;
  policy.issuer = "http://127.0.0.1";
  JwtVerifier v = JwtVerifier::FromKeySource(std::shared_ptr<KeySource>(std::move(*source)), policy);
  const std::string token = *SignJwt(ec1_->private_pem, Claims(), "k1");
  EXPECT_FALSE(v.Verify(token, absl::Now()).ok());
  provider.SetKeys(absl::StrCat(R"({"keys":[)", Jwk(*ec1_, "k1"), "]}"));
  bool verified = false;
  for (int i = 0; i < 50 && !verified; ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    verified = v.Verify(token, absl::Now()).ok();
  }
  EXPECT_TRUE(verified);
}

TEST_F(JwksTest, UnknownKidsFetchAtMostOncePerGap) {
  Provider provider;
  provider.SetKeys(absl::StrCat(R"({"keys":[)", Jwk(*ec1_, "k1"), "]}"));
  JwksSource::Options options;
  options.jwks_url = provider.issuer() + "/keys";
  options.min_refresh_gap = absl::Hours(1);
  auto source = JwksSource::Start(options);
  ASSERT_TRUE(source.ok()) << source.status();
  JwtPolicy policy;
  policy.issuer = "http://127.0.0.1";
  JwtVerifier v = JwtVerifier::FromKeySource(std::shared_ptr<KeySource>(std::move(*source)), policy);
  for (int i = 0; i < 50; ++i) {
    EXPECT_FALSE(v.Verify(*SignJwt(ec2_->private_pem, Claims(), absl::StrCat("forged-", i)), absl::Now()).ok());
  }
  // The start, then one fetch for the first unknown kid; the other 49 wait for the gap.
  EXPECT_EQ(provider.key_set_requests(), 2) << "50 invented kids must not hammer the provider";
}

TEST_F(JwksTest, DiscoveryMustNameTheConfiguredIssuer) {
  Provider provider;
  provider.SetKeys(absl::StrCat(R"({"keys":[)", Jwk(*ec1_, "k1"), "]}"));
  provider.SetIssuerClaim("https://evil.example");
  JwksSource::Options options;
  options.issuer = provider.issuer();
  options.token_issuer = "http://127.0.0.1";
  // The process starts (a provider that is away or wrong must not crash-loop it), but no key of
  // a provider that names another issuer is ever used.
  auto source = JwksSource::Start(options);
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ((*source)->Current()->size(), 0u);
  EXPECT_EQ(provider.key_set_requests(), 0);
  JwtPolicy policy;
  policy.issuer = "http://127.0.0.1";
  JwtVerifier v = JwtVerifier::FromKeySource(std::shared_ptr<KeySource>(std::move(*source)), policy);
  EXPECT_FALSE(v.Verify(*SignJwt(ec1_->private_pem, Claims(), "k1"), absl::Now()).ok());
  // Settings that can never work are refused at start.
  JwksSource::Options plain;
  plain.issuer = "http://example.org/realms/rathaus";
  EXPECT_EQ(JwksSource::Start(plain).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(HttpGet("http://example.org/keys", absl::Seconds(1)).ok()) << "plain http only to loopback";
}

}  // namespace
}  // namespace rathaus::platform::auth
