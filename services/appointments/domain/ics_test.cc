#include "services/appointments/domain/ics.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace rathaus::appointments {
namespace {

CalendarEntry Entry() {
  return {.code = "K7M3Q9XP",
          .start = absl::FromUnixSeconds(1796115600),  // 2026-12-01T09:00:00Z
          .end = absl::FromUnixSeconds(1796116800),
          .sequence = 2,
          .summary = "Bürgerbüro Mitte: Reisepass beantragen, Meldebescheinigung",
          .location = "Bürgerbüro Mitte, Fabrikstraße 8-10, 24103 Kiel",
          .description = "Buchungscode: K7M3Q9XP\nBitte mitbringen: Foto; Ausweis",
          .stamp = absl::FromUnixSeconds(1796000000)};
}

TEST(AppointmentsIcsTest, RendersOneEventWithStableUidAndSequence) {
  const std::string ics = RenderIcs(Entry());
  EXPECT_TRUE(absl::StartsWith(ics, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
  EXPECT_TRUE(absl::EndsWith(ics, "END:VEVENT\r\nEND:VCALENDAR\r\n"));
  EXPECT_TRUE(absl::StrContains(ics, "\r\nDTSTART:20261201T090000Z\r\n"));
  EXPECT_TRUE(absl::StrContains(ics, "\r\nDTEND:20261201T092000Z\r\n"));
  EXPECT_TRUE(absl::StrContains(ics, "\r\nSEQUENCE:2\r\n"));
  EXPECT_TRUE(absl::StrContains(ics, "\r\nSTATUS:CONFIRMED\r\n"));
  EXPECT_TRUE(absl::StrContains(ics, "Buchungscode: K7M3Q9XP\\nBitte mitbringen: Foto\\; Ausweis"));
  EXPECT_FALSE(absl::StrContains(ics, "UID:K7M3Q9XP"));  // the code stays out of the UID

  CalendarEntry moved = Entry();
  moved.start += absl::Hours(24);
  moved.sequence = 3;
  moved.stamp += absl::Hours(1);
  auto uid = [](const std::string& text) {
    for (absl::string_view line : absl::StrSplit(text, "\r\n")) {
      if (absl::StartsWith(line, "UID:")) return std::string(line);
    }
    return std::string();
  };
  EXPECT_FALSE(uid(ics).empty());
  EXPECT_EQ(uid(ics), uid(RenderIcs(moved)));
  CalendarEntry other = Entry();
  other.code = "K7M3Q9XQ";
  EXPECT_NE(uid(ics), uid(RenderIcs(other)));
}

// RFC 5545 section 3.8.7.4: a change of the event (a cancellation) increases SEQUENCE, or
// calendar clients keep the event they had.
TEST(AppointmentsIcsTest, ACancellationIncreasesTheSequence) {
  CalendarEntry cancelled = Entry();
  cancelled.cancelled = true;
  const std::string ics = RenderIcs(cancelled);
  EXPECT_TRUE(absl::StrContains(ics, "\r\nSTATUS:CANCELLED\r\n"));
  EXPECT_TRUE(absl::StrContains(ics, "\r\nSEQUENCE:3\r\n")) << ics;
}

TEST(AppointmentsIcsTest, FoldsAt75OctetsWithoutSplittingCharacters) {
  std::string text = "SUMMARY:";
  for (int i = 0; i < 60; ++i) text += "ü";  // 2 octets each
  const std::string folded = FoldIcsLine(text);
  for (absl::string_view physical : absl::StrSplit(folded, "\r\n", absl::SkipEmpty())) {
    EXPECT_LE(physical.size(), 75u);
    const unsigned char last = static_cast<unsigned char>(physical.back());
    EXPECT_NE(last, 0xC3) << "split inside a character";
  }
  std::string unfolded = folded;
  absl::StrReplaceAll({{"\r\n ", ""}}, &unfolded);
  EXPECT_EQ(unfolded, text + "\r\n");
}

TEST(AppointmentsIcsTest, EscapesText) {
  EXPECT_EQ(EscapeIcsText("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
}

}  // namespace
}  // namespace rathaus::appointments
