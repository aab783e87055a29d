#include "shared/calendar/holidays.h"

#include <gtest/gtest.h>

namespace rathaus::platform::calendar {
namespace {

using absl::CivilDay;

TEST(HolidaysTest, EasterSundayOfKnownYears) {
  EXPECT_EQ(EasterSunday(2024), CivilDay(2024, 3, 31));
  EXPECT_EQ(EasterSunday(2025), CivilDay(2025, 4, 20));
  EXPECT_EQ(EasterSunday(2026), CivilDay(2026, 4, 5));
  EXPECT_EQ(EasterSunday(2027), CivilDay(2027, 3, 28));
  EXPECT_EQ(EasterSunday(2038), CivilDay(2038, 4, 25));  // the latest possible date
  EXPECT_EQ(EasterSunday(2285), CivilDay(2285, 3, 22));  // the earliest possible date
}

TEST(HolidaysTest, SchleswigHolsteinIn2026) {
  const State sh = State::kSchleswigHolstein;
  for (CivilDay d : {CivilDay(2026, 1, 1), CivilDay(2026, 4, 3), CivilDay(2026, 4, 6),
                     CivilDay(2026, 5, 1), CivilDay(2026, 5, 14), CivilDay(2026, 5, 25),
                     CivilDay(2026, 10, 3), CivilDay(2026, 10, 31), CivilDay(2026, 12, 25),
                     CivilDay(2026, 12, 26)}) {
    EXPECT_TRUE(IsPublicHoliday(d, sh)) << d;
  }
  EXPECT_FALSE(IsPublicHoliday(CivilDay(2026, 10, 31), State::kNationwide)) << "not nationwide";
  EXPECT_FALSE(IsPublicHoliday(CivilDay(2017, 10, 30), sh));
  EXPECT_FALSE(IsPublicHoliday(CivilDay(2026, 6, 4), sh)) << "Fronleichnam is not one in SH";
  EXPECT_FALSE(IsPublicHoliday(CivilDay(2026, 12, 24), sh)) << "Heiligabend is no public holiday";
}

TEST(HolidaysTest, WorkingDaysSkipWeekendsAndHolidays) {
  const State sh = State::kSchleswigHolstein;
  // Wed 23 Dec 2026 + 3: Thu 24 (1), Fri 25 holiday, Sat, Sun, Mon 28 (2), Tue 29 (3).
  EXPECT_EQ(AddWorkingDays(CivilDay(2026, 12, 23), 3, sh), CivilDay(2026, 12, 29));
  // Thu 2 Apr 2026 + 1: Fri 3 Karfreitag, Sat, Sun, Mon 6 Ostermontag -> Tue 7.
  EXPECT_EQ(AddWorkingDays(CivilDay(2026, 4, 2), 1, sh), CivilDay(2026, 4, 7));
  // Fri 30 Oct 2026 + 1: Sat 31 (also Reformationstag), Sun, Mon 2 Nov.
  EXPECT_EQ(AddWorkingDays(CivilDay(2026, 10, 30), 1, sh), CivilDay(2026, 11, 2));
  EXPECT_EQ(AddWorkingDays(CivilDay(2026, 12, 1), 0, sh), CivilDay(2026, 12, 1));
  EXPECT_FALSE(IsWorkingDay(CivilDay(2026, 12, 5), sh));  // Saturday
  EXPECT_TRUE(IsWorkingDay(CivilDay(2026, 12, 4), sh));
}

TEST(CalendarTest, WeekdayIndexCountsFromMonday) {
  EXPECT_EQ(WeekdayIndex(absl::CivilDay(2026, 12, 7)), 0);   // Monday
  EXPECT_EQ(WeekdayIndex(absl::CivilDay(2026, 12, 10)), 3);  // Thursday
  EXPECT_EQ(WeekdayIndex(absl::CivilDay(2026, 12, 13)), 6);  // Sunday
}

}  // namespace
}  // namespace rathaus::platform::calendar
