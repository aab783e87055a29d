#include "shared/text/text.h"

#include <gtest/gtest.h>

#include <string>

namespace rathaus::platform::text {
namespace {

TEST(TextTest, NamesAreTrimmedAndCountedInCharacters) {
  EXPECT_EQ(*CheckPersonName("  Erika Mustermann ", "name"), "Erika Mustermann");
  EXPECT_EQ(*CheckPersonName("Jürgen Åström-Øberg", "name"), "Jürgen Åström-Øberg");
  EXPECT_EQ(*CheckPersonName("עִבְרִית شريف 李小龍", "name"), "עִבְרִית شريف 李小龍");
  EXPECT_TRUE(CheckPersonName(std::string(200, 'a'), "name").ok());
  EXPECT_FALSE(CheckPersonName(std::string(201, 'a'), "name").ok());
  std::string umlauts;
  for (int i = 0; i < 200; ++i) umlauts += "Ä";  // 400 bytes, 200 characters
  EXPECT_TRUE(CheckPersonName(umlauts, "name").ok());
  EXPECT_FALSE(CheckPersonName("   ", "name").ok());
}

TEST(TextTest, DirectionAndControlCharactersAreRefused) {
  for (const char* bad : {"Eve\u202Egnp.exe", "Eve\u202A", "Eve\u202B", "Eve\u202C", "Eve\u202D",
                          "Eve\u2066x", "Eve\u2067x", "Eve\u2068x", "Eve\u2069x", "Eve\u200Fx",
                          "Eve\u200Ex", "Eve\u061Cx", "Eve\xC2\x85x" /* U+0085 NEL */,
                          "Eve\xC2\x9Bx" /* U+009B CSI */, "Eve\x1B[31m", "Eve\tTab", "Eve\x7F"}) {
    auto r = CheckPersonName(bad, "proxy.name");
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_FALSE(CheckPersonName("Eve\xC0\xAF", "name").ok());  // overlong '/'
  EXPECT_FALSE(CheckPersonName("Eve\xED\xA0\x80", "name").ok());  // a surrogate
}

TEST(TextTest, Utf8) {
  EXPECT_TRUE(IsValidUtf8("Grüße 👋"));
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // beyond U+10FFFF
  EXPECT_EQ(CountCharacters("Grüße 👋"), 7u);
}

TEST(CheckMessageTest, LinesYesControlAndDirectionCharactersNo) {
  EXPECT_EQ(*CheckMessage("  Bitte den Mietvertrag.\nDanke!  ", "message"),
            "Bitte den Mietvertrag.\nDanke!");
  EXPECT_FALSE(CheckMessage("   ", "message").ok());
  EXPECT_FALSE(CheckMessage("a\tb", "message").ok());
  EXPECT_FALSE(CheckMessage("pay \u202Eexe.pdf", "message").ok());
  EXPECT_FALSE(CheckMessage("\xC3", "message").ok());
  EXPECT_FALSE(CheckMessage(std::string(2001, 'x'), "message").ok());
  EXPECT_TRUE(CheckMessage(std::string(2000, 'x'), "message").ok());
}

TEST(ParseDateTest, ExactlyIsoDatesInRange) {
  EXPECT_EQ(*ParseDate("2024-02-29", "d"), absl::CivilDay(2024, 2, 29));
  EXPECT_FALSE(ParseDate("2023-02-29", "d").ok());
  EXPECT_FALSE(ParseDate("2024-2-29", "d").ok());
  EXPECT_FALSE(ParseDate("1899-12-31", "d").ok());
  EXPECT_FALSE(ParseDate("2024-02-29T00", "d").ok());
  EXPECT_TRUE(IsUuid("0b5c2a9e-5f7e-4d4a-9b1e-2f0c8d7a6e51"));
  EXPECT_FALSE(IsUuid("0b5c2a9e5f7e-4d4a-9b1e-2f0c8d7a6e51-"));
  EXPECT_FALSE(IsUuid("zb5c2a9e-5f7e-4d4a-9b1e-2f0c8d7a6e51"));
}

}  // namespace
}  // namespace rathaus::platform::text
