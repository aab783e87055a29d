#include "shared/crypto/crypto.h"

#include <set>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace rathaus::platform::crypto {
namespace {

using ::testing::MatchesRegex;

// Test vectors are written in hex; this turns them into raw bytes.
std::string Unhex(std::string_view hex) {
  absl::StatusOr<std::string> bytes = FromHex(hex);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.value_or("");
}

std::string Key32() {
  return Unhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
}

// FIPS 180-2, appendix B.1, and the SHA-256 of the empty message.
TEST(Sha256Test, PublishedVectors) {
  EXPECT_EQ(Hex(Sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Hex(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Hex(Sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256("abc").size(), 32u);
}

// FIPS 180-2, appendix A.1.
TEST(Sha1Test, PublishedVectors) {
  EXPECT_EQ(Hex(Sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(Hex(Sha1("")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(Sha1("abc").size(), 20u);
}

// RFC 4231, section 4.
struct HmacCase {
  const char* name;
  std::string key;
  std::string data;
  const char* mac_hex;
};

TEST(HmacSha256Test, Rfc4231TestCases) {
  const HmacCase cases[] = {
      {"case 1", std::string(20, '\x0b'), "Hi There",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"case 2", "Jefe", "what do ya want for nothing?",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {"case 3", std::string(20, '\xaa'), std::string(50, '\xdd'),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {"case 4", Unhex("0102030405060708090a0b0c0d0e0f10111213141516171819"),
       std::string(50, '\xcd'),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {"case 6", std::string(131, '\xaa'),
       "Test Using Larger Than Block-Size Key - Hash Key First",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {"case 7", std::string(131, '\xaa'),
       "This is a test using a larger than block-size key and a larger than block-size data. "
       "The key needs to be hashed before being used by the HMAC algorithm.",
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  for (const HmacCase& c : cases) {
    EXPECT_EQ(Hex(HmacSha256(c.key, c.data)), c.mac_hex) << c.name;
  }
}

// RFC 4231 case 5 publishes only the first 128 bits of the MAC.
TEST(HmacSha256Test, Rfc4231TruncatedCase5) {
  const std::string mac = HmacSha256(std::string(20, '\x0c'), "Test With Truncation");
  ASSERT_EQ(mac.size(), 32u);
  EXPECT_EQ(Hex(mac.substr(0, 16)), "a3b6167473100ee06e0c796c2955552b");
}

TEST(HmacSha256Test, EmptyKeyAndData) {
  // Well-known value of HMAC-SHA256 with an empty key over an empty message.
  EXPECT_EQ(Hex(HmacSha256("", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(ConstantTimeEqualsTest, ComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("booking-tag", "booking-tag"));
  EXPECT_TRUE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(ConstantTimeEquals("booking-tag", "booking-taG"));
  EXPECT_FALSE(ConstantTimeEquals("Booking-tag", "booking-tag"));
  EXPECT_FALSE(ConstantTimeEquals("booking-tag", "booking-ta"));
  EXPECT_FALSE(ConstantTimeEquals("", "x"));
  EXPECT_FALSE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST(RandomTest, BytesHaveTheRequestedLength) {
  EXPECT_EQ(RandomBytes(0), "");
  EXPECT_EQ(RandomBytes(1).size(), 1u);
  EXPECT_EQ(RandomBytes(32).size(), 32u);
  EXPECT_NE(RandomBytes(32), RandomBytes(32));
}

TEST(RandomTest, TokenIs22Base64UrlCharactersAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string token = RandomToken(16);
    EXPECT_THAT(token, MatchesRegex("[A-Za-z0-9_-]{22}"));
    absl::StatusOr<std::string> bytes = FromBase64Url(token);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    EXPECT_EQ(bytes->size(), 16u);
    seen.insert(token);
  }
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_EQ(RandomToken(0), "");
  EXPECT_EQ(RandomToken(32).size(), 43u);
}

TEST(RandomTest, NewUuidIsCanonicalVersion4) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string uuid = NewUuid();
    EXPECT_THAT(uuid, MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                                   "[0-9a-f]{12}"));
    seen.insert(uuid);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(HexTest, EncodesLowerCaseAndRoundTrips) {
  EXPECT_EQ(Hex(""), "");
  EXPECT_EQ(Hex(std::string("\x00\x01\xab\xff", 4)), "0001abff");
  EXPECT_EQ(FromHex("0001ABff").value(), std::string("\x00\x01\xab\xff", 4));
  EXPECT_EQ(FromHex("").value(), "");
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  EXPECT_EQ(FromHex(Hex(all)).value(), all);
}

TEST(HexTest, RejectsBadInput) {
  for (std::string_view bad : {"0", "abc", "zz", "0g", "g0", " 00", "00 ", "0x00", "-1"}) {
    EXPECT_EQ(FromHex(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(HexTest, ErrorsDoNotRepeatTheInput) {
  absl::StatusOr<std::string> result = FromHex("00secret");
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), ::testing::Not(::testing::HasSubstr("secret")));
}

// RFC 4648 section 10 (the padding there is dropped, as section 3.2 allows for base64url).
TEST(Base64UrlTest, Rfc4648Vectors) {
  const std::pair<std::string_view, std::string_view> vectors[] = {
      {"", ""},          {"f", "Zg"},          {"fo", "Zm8"},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Url(plain), encoded) << plain;
    EXPECT_EQ(FromBase64Url(encoded).value(), plain) << encoded;
  }
}

TEST(Base64UrlTest, UsesTheUrlSafeAlphabet) {
  EXPECT_EQ(Base64Url("\xfb\xff\xbf"), "-_-_");
  EXPECT_EQ(FromBase64Url("-_-_").value(), "\xfb\xff\xbf");
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  for (size_t length = 0; length <= all.size(); ++length) {
    const std::string bytes = all.substr(0, length);
    EXPECT_EQ(FromBase64Url(Base64Url(bytes)).value(), bytes) << length;
  }
}

TEST(Base64UrlTest, RejectsBadInput) {
  for (std::string_view bad : {"Z", "Zm9vY", "Zg==", "Zm8=", "Zm9v+g", "Zm9v/g", "Zm 9v",
                               "Zm9v\n", "Zh", "Zm9", "Zm!v"}) {
    EXPECT_EQ(FromBase64Url(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

// McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", appendix B: the 256-bit-key
// test cases with a 96-bit IV (13 to 16; case 17 and 18 use other IV sizes).
struct GcmCase {
  const char* name;
  const char* key;
  const char* iv;
  const char* plaintext;
  const char* aad;
  const char* ciphertext;
  const char* tag;
};

constexpr char kGcmKey[] = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
constexpr char kGcmIv[] = "cafebabefacedbaddecaf888";
constexpr char kGcmAad[] = "feedfacedeadbeeffeedfacedeadbeefabaddad2";

const GcmCase kGcmCases[] = {
    {"test case 13", "0000000000000000000000000000000000000000000000000000000000000000",
     "000000000000000000000000", "", "", "", "530f8afbc74536b9a963b4f1c4cb738b"},
    {"test case 14", "0000000000000000000000000000000000000000000000000000000000000000",
     "000000000000000000000000", "00000000000000000000000000000000", "",
     "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"},
    {"test case 15", kGcmKey, kGcmIv,
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
     "",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
     "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
     "b094dac5d93471bdec1a502270e3cc6c"},
    {"test case 16", kGcmKey, kGcmIv,
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
     kGcmAad,
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
     "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
};

TEST(AesGcmTest, KnownAnswerSeal) {
  for (const GcmCase& c : kGcmCases) {
    absl::StatusOr<std::string> sealed =
        detail::SealWithNonce(Unhex(c.key), Unhex(c.iv), Unhex(c.plaintext), Unhex(c.aad));
    ASSERT_TRUE(sealed.ok()) << c.name << ": " << sealed.status();
    EXPECT_EQ(Hex(*sealed), std::string(c.iv) + c.ciphertext + c.tag) << c.name;
  }
}

TEST(AesGcmTest, KnownAnswerOpen) {
  for (const GcmCase& c : kGcmCases) {
    const std::string sealed = Unhex(std::string(c.iv) + c.ciphertext + c.tag);
    absl::StatusOr<std::string> opened = Open(Unhex(c.key), sealed, Unhex(c.aad));
    ASSERT_TRUE(opened.ok()) << c.name << ": " << opened.status();
    EXPECT_EQ(Hex(*opened), c.plaintext) << c.name;
  }
}

TEST(AesGcmTest, SealOpenRoundTrip) {
  const std::string key = Key32();
  for (std::string_view plaintext : {std::string_view(""), std::string_view("x"),
                                     std::string_view("Wohnungsgeberbestaetigung 4711")}) {
    absl::StatusOr<std::string> sealed = Seal(key, plaintext, "booking:4711");
    ASSERT_TRUE(sealed.ok()) << sealed.status();
    EXPECT_EQ(sealed->size(), 12 + plaintext.size() + 16);
    absl::StatusOr<std::string> opened = Open(key, *sealed, "booking:4711");
    ASSERT_TRUE(opened.ok()) << opened.status();
    EXPECT_EQ(*opened, plaintext);
  }
  const std::string large(1 << 20, 'z');
  absl::StatusOr<std::string> sealed = Seal(key, large);
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(Open(key, *sealed).value(), large);
}

TEST(AesGcmTest, EachSealUsesAFreshNonce) {
  const std::string key = Key32();
  const std::string a = Seal(key, "same").value();
  const std::string b = Seal(key, "same").value();
  EXPECT_NE(a.substr(0, 12), b.substr(0, 12));
  EXPECT_NE(a, b);
}

TEST(AesGcmTest, TamperingIsDataLoss) {
  const std::string key = Key32();
  const std::string sealed = Seal(key, "Aktenzeichen 32-1-4711", "aad").value();
  // Flip one bit in every position: the nonce, each ciphertext byte and each tag byte.
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string tampered = sealed;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    EXPECT_EQ(Open(key, tampered, "aad").status().code(), absl::StatusCode::kDataLoss) << i;
  }
  EXPECT_EQ(Open(key, sealed, "aaD").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(Open(key, sealed, "").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(Open(key, sealed + "x", "aad").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(Open(key, sealed.substr(0, sealed.size() - 1), "aad").status().code(),
            absl::StatusCode::kDataLoss);
  std::string other_key = key;
  other_key[0] = static_cast<char>(other_key[0] ^ 0x80);
  EXPECT_EQ(Open(other_key, sealed, "aad").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Open(key, sealed, "aad").ok());
}

TEST(AesGcmTest, WrongKeySizeIsInvalidArgument) {
  for (size_t size : {0, 16, 24, 31, 33, 64}) {
    const std::string key(size, 'k');
    EXPECT_EQ(Seal(key, "x").status().code(), absl::StatusCode::kInvalidArgument) << size;
    EXPECT_EQ(Open(key, std::string(40, '\0')).status().code(),
              absl::StatusCode::kInvalidArgument)
        << size;
  }
}

TEST(AesGcmTest, ShortInputIsInvalidArgument) {
  const std::string key = Key32();
  for (size_t size : {0, 1, 12, 27}) {
    EXPECT_EQ(Open(key, std::string(size, '\0')).status().code(),
              absl::StatusCode::kInvalidArgument)
        << size;
  }
  // Exactly nonce + tag is a well-formed empty message that fails only on the tag.
  EXPECT_EQ(Open(key, std::string(28, '\0')).status().code(), absl::StatusCode::kDataLoss);
}

TEST(AesGcmTest, SealWithNonceChecksNonceSize) {
  EXPECT_EQ(detail::SealWithNonce(Key32(), std::string(16, '\0'), "x", "").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace rathaus::platform::crypto
