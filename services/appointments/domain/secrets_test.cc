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

TEST(AppointmentsSecretsTest, ReservationIds) {
  const std::string id = NewReservationId();
  EXPECT_TRUE(IsReservationId(id));
  EXPECT_NE(id, NewReservationId());
  EXPECT_FALSE(IsReservationId("short"));
  EXPECT_FALSE(IsReservationId("aaaaaaaaaaaaaaaaaaaa/."));
}

}  // namespace
}  // namespace rathaus::appointments
