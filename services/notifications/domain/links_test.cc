#include "domain/links.h"

#include <gtest/gtest.h>

namespace rathaus::notifications {
namespace {

TEST(LinksTest, AnOptOutLinkNamesItsBookingUntilItExpires) {
  const std::string key(32, 'k');
  const std::string link = OptOutLink(key, "K7M3Q9XP", 1'800'000'000);
  EXPECT_EQ(link.rfind("K7M3Q9XP.1800000000.", 0), 0u) << link;
  auto code = VerifyOptOutLink(key, link, 1'799'999'999);
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, "K7M3Q9XP");
  EXPECT_EQ(VerifyOptOutLink(key, link, 1'800'000'000).status().code(),
            absl::StatusCode::kNotFound)
      << "expired";
  EXPECT_FALSE(VerifyOptOutLink(std::string(32, 'x'), link, 0).ok()) << "another key";
  // Another code or a later expiry with the same MAC: forged.
  std::string other = link;
  other[0] = 'A';
  EXPECT_FALSE(VerifyOptOutLink(key, other, 0).ok());
  std::string later = link;
  later.replace(9, 10, "1900000000");
  EXPECT_FALSE(VerifyOptOutLink(key, later, 0).ok());
  for (const char* bad : {"", "K7M3Q9XP", "K7M3Q9XP.1.", "..", "k7m3q9xp.1800000000.x",
                          "K7M3Q9XP.-5.abc", "K7M3Q9XP.1800000000.abc.def"}) {
    EXPECT_FALSE(VerifyOptOutLink(key, bad, 0).ok()) << bad;
  }
}

TEST(LinksTest, TheOneClickFormOfRfc8058) {
  EXPECT_TRUE(IsOneClickForm("application/x-www-form-urlencoded", "List-Unsubscribe=One-Click"));
  EXPECT_TRUE(IsOneClickForm("application/x-www-form-urlencoded", "a=b&List-Unsubscribe=One-Click"));
  EXPECT_FALSE(IsOneClickForm("application/x-www-form-urlencoded", "List-Unsubscribe=Other"));
  EXPECT_FALSE(IsOneClickForm("application/x-www-form-urlencoded", ""));
  EXPECT_TRUE(IsOneClickForm("multipart/form-data",
                             "--b\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n"
                             "\r\nOne-Click\r\n--b--\r\n"));
  EXPECT_FALSE(IsOneClickForm("multipart/form-data", "--b\r\n\r\nOne-Click\r\n--b--\r\n"));
  EXPECT_FALSE(IsOneClickForm("text/plain", "List-Unsubscribe=One-Click"));
}

}  // namespace
}  // namespace rathaus::notifications
