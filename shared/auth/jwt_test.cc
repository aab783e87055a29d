#include "shared/auth/jwt.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "shared/crypto/crypto.h"

namespace rathaus::platform::auth {
namespace {

namespace crypto = ::rathaus::platform::crypto;

const absl::Time kNow = absl::FromUnixSeconds(1800000000);

std::string Claims(int64_t exp_offset = 3600, std::string aud = "\"rathaus-gateway\"",
                   std::string iss = "rathaus", std::string role = "\"clerk\"") {
  const int64_t now = absl::ToUnixSeconds(kNow);
  return absl::StrCat("{\"iss\":\"", iss, "\",\"aud\":", aud,
                      ",\"sub\":\"clerk-1\",\"role\":", role,
                      ",\"offices\":[\"kiel-mitte\",\"kiel-nord\"],\"iat\":", now,
                      ",\"exp\":", now + exp_offset, "}");
}

class JwtTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ec_ = new PemKeyPair(*GenerateEcP256Key());
    ec_other_ = new PemKeyPair(*GenerateEcP256Key());
    rsa_ = new PemKeyPair(*GenerateRsaKey(2048));
  }
  static JwtVerifier Verifier(const PemKeyPair& key) {
    auto v = JwtVerifier::FromPublicKeyPem(key.public_pem, JwtPolicy{});
    EXPECT_TRUE(v.ok()) << v.status();
    return *v;
  }
  static PemKeyPair* ec_;
  static PemKeyPair* ec_other_;
  static PemKeyPair* rsa_;
};
PemKeyPair* JwtTest::ec_ = nullptr;
PemKeyPair* JwtTest::ec_other_ = nullptr;
PemKeyPair* JwtTest::rsa_ = nullptr;

TEST_F(JwtTest, GoodEs256) {
  auto token = SignJwt(ec_->private_pem, Claims());
  ASSERT_TRUE(token.ok());
  // ES256 signatures are raw r || s (RFC 7518), 64 bytes.
  std::vector<std::string> parts = absl::StrSplit(*token, '.');
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(crypto::FromBase64Url(parts[2])->size(), 64u);
  JwtVerifier v = Verifier(*ec_);
  EXPECT_EQ(v.algorithm(), "ES256");
  auto claims = v.Verify(*token, kNow);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->subject, "clerk-1");
  EXPECT_EQ(claims->offices, (std::vector<std::string>{"kiel-mitte", "kiel-nord"}));
}

TEST_F(JwtTest, GoodRs256) {
  auto token = SignJwt(rsa_->private_pem, Claims());
  ASSERT_TRUE(token.ok());
  JwtVerifier v = Verifier(*rsa_);
  EXPECT_EQ(v.algorithm(), "RS256");
  EXPECT_TRUE(v.Verify(*token, kNow).ok());
}

TEST_F(JwtTest, Expired) {
  auto token = SignJwt(ec_->private_pem, Claims(-120));
  EXPECT_EQ(Verifier(*ec_).Verify(*token, kNow).status().message(), "token expired");
  // Within the leeway it still passes.
  auto fresh = SignJwt(ec_->private_pem, Claims(-10));
  EXPECT_TRUE(Verifier(*ec_).Verify(*fresh, kNow).ok());
}

TEST_F(JwtTest, NotYetValid) {
  const int64_t now = absl::ToUnixSeconds(kNow);
  auto token = SignJwt(ec_->private_pem,
                       absl::StrCat("{\"iss\":\"rathaus\",\"aud\":\"rathaus-gateway\",\"sub\":\"s\","
                                    "\"role\":\"clerk\",\"offices\":[\"*\"],\"nbf\":",
                                    now + 600, ",\"exp\":", now + 3600, "}"));
  EXPECT_EQ(Verifier(*ec_).Verify(*token, kNow).status().message(), "token not yet valid");
}

TEST_F(JwtTest, WrongKey) {
  auto token = SignJwt(ec_other_->private_pem, Claims());
  EXPECT_EQ(Verifier(*ec_).Verify(*token, kNow).status().message(), "bad signature");
}

TEST_F(JwtTest, TamperedPayload) {
  auto token = SignJwt(ec_->private_pem, Claims());
  std::vector<std::string> parts = absl::StrSplit(*token, '.');
  std::string forged = Claims();
  forged.replace(forged.find("kiel-mitte"), 10, "*");
  const std::string tampered = absl::StrCat(parts[0], ".", crypto::Base64Url(forged), ".", parts[2]);
  EXPECT_EQ(Verifier(*ec_).Verify(tampered, kNow).status().message(), "bad signature");
}

TEST_F(JwtTest, AlgNoneAndHmacAndMismatchAreRejected) {
  const std::string payload = crypto::Base64Url(Claims());
  const std::string none = absl::StrCat(crypto::Base64Url(R"({"alg":"none","typ":"JWT"})"), ".",
                                        payload, ".");
  EXPECT_EQ(Verifier(*ec_).Verify(none, kNow).status().code(), absl::StatusCode::kUnauthenticated);
  // HS256 "signed" with the public key as the secret: the classic key-confusion attack.
  const std::string hs_input =
      absl::StrCat(crypto::Base64Url(R"({"alg":"HS256","typ":"JWT"})"), ".", payload);
  const std::string hs = absl::StrCat(
      hs_input, ".", crypto::Base64Url(crypto::HmacSha256(ec_->public_pem, hs_input)));
  EXPECT_EQ(Verifier(*ec_).Verify(hs, kNow).status().message(), "unexpected token algorithm");
  // An RS256 token against the EC key.
  auto rs = SignJwt(rsa_->private_pem, Claims());
  EXPECT_EQ(Verifier(*ec_).Verify(*rs, kNow).status().message(), "unexpected token algorithm");
}

TEST_F(JwtTest, WrongAudience) {
  auto token = SignJwt(ec_->private_pem, Claims(3600, "\"someone-else\""));
  EXPECT_EQ(Verifier(*ec_).Verify(*token, kNow).status().message(), "wrong audience");
  auto listed = SignJwt(ec_->private_pem, Claims(3600, "[\"x\",\"rathaus-gateway\"]"));
  EXPECT_TRUE(Verifier(*ec_).Verify(*listed, kNow).ok());
}

TEST_F(JwtTest, WrongIssuer) {
  auto token = SignJwt(ec_->private_pem, Claims(3600, "\"rathaus-gateway\"", "evil"));
  EXPECT_EQ(Verifier(*ec_).Verify(*token, kNow).status().message(), "wrong issuer");
}

TEST_F(JwtTest, MissingOrWrongRole) {
  auto admin = SignJwt(ec_->private_pem, Claims(3600, "\"rathaus-gateway\"", "rathaus", "\"admin\""));
  EXPECT_EQ(Verifier(*ec_).Verify(*admin, kNow).status().message(),
            "not a clerk, integrator, supplier, citizen or e-file token");
  const int64_t now = absl::ToUnixSeconds(kNow);
  auto none = SignJwt(ec_->private_pem,
                      absl::StrCat("{\"iss\":\"rathaus\",\"aud\":\"rathaus-gateway\",\"sub\":\"s\","
                                   "\"offices\":[\"*\"],\"exp\":", now + 60, "}"));
  EXPECT_EQ(Verifier(*ec_).Verify(*none, kNow).status().message(),
            "not a clerk, integrator, supplier, citizen or e-file token");
}

// The e-file (issue 17): a file clerk is limited to departments; the archivist sees every Akte.
TEST_F(JwtTest, FileClerkAndArchivistTokens) {
  const int64_t now = absl::ToUnixSeconds(kNow);
  auto clerk = SignJwt(ec_->private_pem,
                       absl::StrCat("{\"iss\":\"rathaus\",\"aud\":\"rathaus-gateway\",\"sub\":\"f\","
                                    "\"role\":\"file-clerk\",\"departments\":[\"tiefbauamt\"],\"exp\":",
                                    now + 60, "}"));
  auto c = Verifier(*ec_).Verify(*clerk, kNow);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->role, "file-clerk");
  EXPECT_EQ(c->departments, std::vector<std::string>{"tiefbauamt"});
  auto bare = SignJwt(ec_->private_pem,
                      absl::StrCat("{\"iss\":\"rathaus\",\"aud\":\"rathaus-gateway\",\"sub\":\"f\","
                                   "\"role\":\"file-clerk\",\"exp\":", now + 60, "}"));
  EXPECT_EQ(Verifier(*ec_).Verify(*bare, kNow).status().message(), "token has no departments");
  auto archivist = SignJwt(ec_->private_pem,
                           absl::StrCat("{\"iss\":\"rathaus\",\"aud\":\"rathaus-gateway\",\"sub\":\"a\","
                                        "\"role\":\"archivist\",\"exp\":", now + 60, "}"));
  auto a = Verifier(*ec_).Verify(*archivist, kNow);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->role, "archivist");
}

// Registrations (issue 16): a citizen is their subject (the identity provider's pseudonym); a
// registration clerk is limited to offices like a counter clerk.
TEST_F(JwtTest, CitizenAndRegistrationClerkTokens) {
  auto citizen = SignJwt(ec_->private_pem, Claims(3600, "\"rathaus-gateway\"", "rathaus", "\"citizen\""));
  auto c = Verifier(*ec_).Verify(*citizen, kNow);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->role, "citizen");
  EXPECT_EQ(c->subject, "clerk-1");
  EXPECT_EQ(c->acr, "");
  const int64_t t = absl::ToUnixSeconds(kNow);
  auto high = SignJwt(ec_->private_pem,
                      absl::StrCat("{\"iss\":\"rathaus\",\"aud\":\"rathaus-gateway\",\"sub\":\"p\","
                                   "\"role\":\"citizen\",\"acr\":\"eidas-hoch\",\"exp\":", t + 60, "}"));
  EXPECT_EQ(Verifier(*ec_).Verify(*high, kNow)->acr, "eidas-hoch");
  auto clerk = SignJwt(ec_->private_pem,
                       Claims(3600, "\"rathaus-gateway\"", "rathaus", "\"registration-clerk\""));
  auto r = Verifier(*ec_).Verify(*clerk, kNow);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->offices, (std::vector<std::string>{"kiel-mitte", "kiel-nord"}));
  const int64_t now = absl::ToUnixSeconds(kNow);
  auto no_offices = SignJwt(ec_->private_pem,
                            absl::StrCat("{\"iss\":\"rathaus\",\"aud\":\"rathaus-gateway\",\"sub\":\"s\","
                                         "\"role\":\"registration-clerk\",\"exp\":", now + 60, "}"));
  EXPECT_EQ(Verifier(*ec_).Verify(*no_offices, kNow).status().message(), "token has no offices");
}

TEST_F(JwtTest, GarbageIsUnauthenticated) {
  JwtVerifier v = Verifier(*ec_);
  for (const char* t : {"", "a", "a.b", "a.b.c", "....", "e30.e30.AAAA"}) {
    EXPECT_EQ(v.Verify(t, kNow).status().code(), absl::StatusCode::kUnauthenticated) << t;
  }
}

TEST_F(JwtTest, KeysWeDoNotAccept) {
  EXPECT_FALSE(JwtVerifier::FromPublicKeyPem("not a key", JwtPolicy{}).ok());
  auto small = GenerateRsaKey(1024);
  ASSERT_TRUE(small.ok());
  EXPECT_FALSE(JwtVerifier::FromPublicKeyPem(small->public_pem, JwtPolicy{}).ok());
}

// NumericDates are range-checked before they become times: "nbf": 1e300 is no time in the past.
TEST_F(JwtTest, DatesOutOfRangeAreRefused) {
  const int64_t now = absl::ToUnixSeconds(kNow);
  auto with = [&](const std::string& dates) {
    return *SignJwt(ec_->private_pem,
                    absl::StrCat("{\"iss\":\"rathaus\",\"aud\":\"rathaus-gateway\",\"sub\":\"s\","
                                 "\"role\":\"clerk\",\"offices\":[\"*\"],", dates, "}"));
  };
  JwtVerifier v = Verifier(*ec_);
  EXPECT_TRUE(v.Verify(with(absl::StrCat("\"iat\":", now, ",\"exp\":", now + 60)), kNow).ok());
  for (const std::string& dates :
       {absl::StrCat("\"nbf\":1e300,\"iat\":", now, ",\"exp\":", now + 60),
        absl::StrCat("\"nbf\":-1e300,\"iat\":", now, ",\"exp\":", now + 60),
        absl::StrCat("\"iat\":1e300,\"exp\":", now + 60),
        absl::StrCat("\"iat\":", now, ",\"exp\":1e300"),
        absl::StrCat("\"iat\":", now, ",\"exp\":-5"),
        absl::StrCat("\"iat\":\"now\",\"exp\":", now + 60),
        absl::StrCat("\"iat\":", now + 3600, ",\"exp\":", now + 7200)}) {
    auto r = v.Verify(with(dates), kNow);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kUnauthenticated) << dates;
  }
}

TEST_F(JwtTest, LifetimeIsBounded) {
  JwtVerifier v = Verifier(*ec_);  // default maximum: 12h
  EXPECT_TRUE(v.Verify(*SignJwt(ec_->private_pem, Claims(12 * 3600)), kNow).ok());
  auto r = v.Verify(*SignJwt(ec_->private_pem, Claims(12 * 3600 + 1)), kNow);
  EXPECT_EQ(r.status().message(), "token lifetime exceeds the maximum");
  // Without iat the lifetime counts from now.
  const int64_t now = absl::ToUnixSeconds(kNow);
  auto no_iat = SignJwt(ec_->private_pem,
                        absl::StrCat("{\"iss\":\"rathaus\",\"aud\":\"rathaus-gateway\",\"sub\":\"s\","
                                     "\"role\":\"clerk\",\"offices\":[\"*\"],\"exp\":", now + 30 * 86400, "}"));
  EXPECT_FALSE(v.Verify(*no_iat, kNow).ok());
  JwtPolicy month;
  month.max_lifetime = absl::Hours(24 * 31);
  auto relaxed = JwtVerifier::FromPublicKeyPem(ec_->public_pem, month);
  EXPECT_TRUE(relaxed->Verify(*no_iat, kNow).ok());
}

TEST_F(JwtTest, ScopeIdsAreComparedExactly) {
  const int64_t now = absl::ToUnixSeconds(kNow);
  JwtVerifier v = Verifier(*ec_);
  for (const char* offices : {R"([" *"])", R"(["* "])", R"(["kiel-mitte "])", R"(["a,b"])", R"([""])",
                              R"(["kiel\u0000"])", R"(["\u202Ekiel"])"}) {
    auto token = SignJwt(ec_->private_pem,
                         absl::StrCat("{\"iss\":\"rathaus\",\"aud\":\"rathaus-gateway\",\"sub\":\"s\","
                                      "\"role\":\"clerk\",\"offices\":", offices, ",\"iat\":", now,
                                      ",\"exp\":", now + 60, "}"));
    EXPECT_EQ(v.Verify(*token, kNow).status().code(), absl::StatusCode::kUnauthenticated) << offices;
  }
}

}  // namespace
}  // namespace rathaus::platform::auth

namespace rathaus::platform::auth {
namespace {

// A key source whose set the test replaces (a provider rotating its keys).
class SwappableKeys final : public KeySource {
 public:
  explicit SwappableKeys(KeySet keys) { Set(std::move(keys)); }
  void Set(KeySet keys) {
    std::lock_guard lock(mu_);
    keys_ = std::make_shared<const KeySet>(std::move(keys));
  }
  std::shared_ptr<const KeySet> Current() const override {
    std::lock_guard lock(mu_);
    return keys_;
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const KeySet> keys_;
};

// The signature cache skips only the signature check, and only for the very token and key that
// passed it: everything else is checked every time.
TEST_F(JwtTest, AVerifiedSignatureIsRememberedOnlyForItsTokenAndKey) {
  auto a = KeySet::FromPem(ec_->public_pem);
  auto b = KeySet::FromPem(ec_other_->public_pem);
  ASSERT_TRUE(a.ok() && b.ok());
  auto keys = std::make_shared<SwappableKeys>(*a);
  const JwtVerifier verifier = JwtVerifier::FromKeySource(keys, JwtPolicy{});
  const std::string token = *SignJwt(ec_->private_pem, Claims());
  ASSERT_TRUE(verifier.Verify(token, kNow).ok());
  ASSERT_TRUE(verifier.Verify(token, kNow).ok()) << "the second time from the cache";
  // A copy of the verifier shares the cache and still checks the claims: expired is expired.
  const JwtVerifier copy = verifier;
  EXPECT_EQ(copy.Verify(token, kNow + absl::Hours(2)).status().message(), "token expired");
  // One changed signature byte is another token: verified, and refused. The changed character
  // is inside the signature, not its last one: the last of 86 base64url characters carries
  // padding bits that must be zero, so changing it could make the token undecodable instead.
  std::string forged = token;
  char& c = forged[forged.size() - 10];
  c = c == 'A' ? 'B' : 'A';
  EXPECT_EQ(verifier.Verify(forged, kNow).status().message(), "bad signature");
  // The provider replaces the key (same kid, other key material): the remembered signature no
  // longer counts, and the token fails against the new key.
  keys->Set(*b);
  EXPECT_EQ(verifier.Verify(token, kNow).status().message(), "bad signature");
  // And back: verified again.
  keys->Set(*a);
  EXPECT_TRUE(verifier.Verify(token, kNow).ok());
}

}  // namespace
}  // namespace rathaus::platform::auth
