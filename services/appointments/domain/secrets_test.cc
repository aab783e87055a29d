#include "services/appointments/domain/secrets.h"

#include <gtest/gtest.h>

#include <set>

#include "shared/crypto/crypto.h"

namespace rathaus::appointments {
namespace {

TEST(AppointmentsSecretsTest, AlphabetHasNoLookAlikes) {
  for (char c : std::string("0O1IL")) {
    EXPECT_EQ(kCodeAlphabet.find(c), std::string_view::npos) << c;
  }
  EXPECT_EQ(std::set<char>(kCodeAlphabet.begin(), kCodeAlphabet.end()).size(),
            kCodeAlphabet.size());
}

TEST(AppointmentsSecretsTest, CodesUseTheAlphabetAndDiffer) {
  std::set<std::string> codes;
  std::set<char> seen;
  for (int i = 0; i < 2000; ++i) {
    std::string code = NewBookingCode();
    ASSERT_EQ(code.size(), kCodeLength);
    for (char c : code) {
      ASSERT_NE(kCodeAlphabet.find(c), std::string_view::npos) << code;
      seen.insert(c);
    }
    codes.insert(code);
  }
  EXPECT_EQ(codes.size(), 2000u);
  EXPECT_EQ(seen.size(), kCodeAlphabet.size());  // every character occurs
}

TEST(AppointmentsSecretsTest, NormalizesCodes) {
  std::string code;
  EXPECT_TRUE(NormalizeBookingCode("k7m3q9xp", &code));
  EXPECT_EQ(code, "K7M3Q9XP");
  EXPECT_FALSE(NormalizeBookingCode("K7M3Q9X0", &code));   // 0
  EXPECT_FALSE(NormalizeBookingCode("K7M3Q9X", &code));    // short
  EXPECT_FALSE(NormalizeBookingCode("../../etc", &code));
}

TEST(AppointmentsSecretsTest, TokenIsHmacOfTheCode) {
  const std::string key(32, 'k');
  const std::string token = BookingToken(key, "K7M3Q9XP");
  EXPECT_EQ(token, platform::crypto::Base64Url(platform::crypto::HmacSha256(key, "K7M3Q9XP")));
  EXPECT_EQ(token.size(), 43u);  // 256 bits
  EXPECT_TRUE(TokenMatches(key, "K7M3Q9XP", token));
  EXPECT_FALSE(TokenMatches(key, "K7M3Q9XQ", token));
  EXPECT_FALSE(TokenMatches(std::string(32, 'x'), "K7M3Q9XP", token));
  EXPECT_FALSE(TokenMatches(key, "K7M3Q9XP", token.substr(0, 42)));
  EXPECT_FALSE(TokenMatches(key, "K7M3Q9XP", ""));
}

// The e-mail's cancel link: its code only, until it expires, and never a booking token.
TEST(AppointmentsSecretsTest, CancelTokensCancelOneBookingUntilTheyExpire) {
  const std::string key(32, 'k');
  const std::string token = CancelToken(key, "K7M3Q9XP", 1'800'000'000);
  EXPECT_EQ(token.rfind("c1800000000.", 0), 0u) << token;
  EXPECT_TRUE(CancelTokenMatches(key, "K7M3Q9XP", token, 1'799'999'999));
  EXPECT_FALSE(CancelTokenMatches(key, "K7M3Q9XP", token, 1'800'000'000)) << "expired";
  EXPECT_FALSE(CancelTokenMatches(key, "K7M3Q9XQ", token, 1'700'000'000)) << "another code";
  EXPECT_FALSE(CancelTokenMatches(std::string(32, 'x'), "K7M3Q9XP", token, 1'700'000'000));
  // A later expiry with the same MAC is refused: the expiry is signed.
  std::string later = token;
  later.replace(1, 10, "1900000000");
  EXPECT_FALSE(CancelTokenMatches(key, "K7M3Q9XP", later, 1'700'000'000));
  EXPECT_FALSE(CancelTokenMatches(key, "K7M3Q9XP", "c.", 0));
  EXPECT_FALSE(CancelTokenMatches(key, "K7M3Q9XP", "c-5." + token.substr(12), 0));
  // Neither kind of token passes for the other.
  EXPECT_FALSE(TokenMatches(key, "K7M3Q9XP", token));
  EXPECT_FALSE(CancelTokenMatches(key, "K7M3Q9XP", BookingToken(key, "K7M3Q9XP"), 0));
}

TEST(AppointmentsSecretsTest, ReservationIds) {
  const std::string id = NewReservationId();
  EXPECT_TRUE(IsReservationId(id));
  EXPECT_NE(id, NewReservationId());
  EXPECT_FALSE(IsReservationId("short"));
  EXPECT_FALSE(IsReservationId("aaaaaaaaaaaaaaaaaaaa/."));
}

}  // namespace
}  // namespace rathaus::appointments
