#include "services/appointments/domain/holidays.h"

#include <gtest/gtest.h>

namespace rathaus::appointments {
namespace {

TEST(AppointmentsHolidaysTest, EasterSundays) {
  EXPECT_EQ(EasterSunday(2019), absl::CivilDay(2019, 4, 21));
  EXPECT_EQ(EasterSunday(2024), absl::CivilDay(2024, 3, 31));
  EXPECT_EQ(EasterSunday(2025), absl::CivilDay(2025, 4, 20));
  EXPECT_EQ(EasterSunday(2026), absl::CivilDay(2026, 4, 5));
  EXPECT_EQ(EasterSunday(2027), absl::CivilDay(2027, 3, 28));
  EXPECT_EQ(EasterSunday(2028), absl::CivilDay(2028, 4, 16));
  EXPECT_EQ(EasterSunday(2038), absl::CivilDay(2038, 4, 25));  // latest possible
  EXPECT_EQ(EasterSunday(2285), absl::CivilDay(2285, 3, 22));  // earliest possible
}

TEST(AppointmentsHolidaysTest, EasterBasedHolidays) {
  EXPECT_EQ(PublicHolidayName(absl::CivilDay(2026, 4, 3)), "Karfreitag");
  EXPECT_EQ(PublicHolidayName(absl::CivilDay(2026, 4, 6)), "Ostermontag");
  EXPECT_EQ(PublicHolidayName(absl::CivilDay(2026, 5, 14)), "Christi Himmelfahrt");
  EXPECT_EQ(PublicHolidayName(absl::CivilDay(2026, 5, 25)), "Pfingstmontag");
  EXPECT_EQ(PublicHolidayName(absl::CivilDay(2027, 3, 26)), "Karfreitag");
  EXPECT_EQ(PublicHolidayName(absl::CivilDay(2027, 5, 6)), "Christi Himmelfahrt");
  EXPECT_EQ(PublicHolidayName(absl::CivilDay(2025, 6, 9)), "Pfingstmontag");
  EXPECT_EQ(PublicHolidayName(absl::CivilDay(2024, 4, 1)), "Ostermontag");
  // Not in Schleswig-Holstein: Easter Sunday is a Sunday anyway, Fronleichnam, Heilige Drei Könige.
  EXPECT_FALSE(IsPublicHoliday(absl::CivilDay(2026, 6, 4)));
  EXPECT_FALSE(IsPublicHoliday(absl::CivilDay(2026, 1, 6)));
  EXPECT_FALSE(IsPublicHoliday(absl::CivilDay(2026, 11, 1)));
}

TEST(AppointmentsHolidaysTest, FixedHolidaysAndReformationstag) {
  EXPECT_EQ(PublicHolidayName(absl::CivilDay(2027, 1, 1)), "Neujahr");
  EXPECT_EQ(PublicHolidayName(absl::CivilDay(2026, 5, 1)), "Tag der Arbeit");
  EXPECT_EQ(PublicHolidayName(absl::CivilDay(2026, 10, 3)), "Tag der Deutschen Einheit");
  EXPECT_EQ(PublicHolidayName(absl::CivilDay(2026, 10, 31)), "Reformationstag");
  EXPECT_EQ(PublicHolidayName(absl::CivilDay(2017, 10, 31)), "Reformationstag");
  EXPECT_FALSE(IsPublicHoliday(absl::CivilDay(2016, 10, 31)));
  EXPECT_EQ(PublicHolidayName(absl::CivilDay(2026, 12, 25)), "1. Weihnachtstag");
  EXPECT_EQ(PublicHolidayName(absl::CivilDay(2026, 12, 26)), "2. Weihnachtstag");
  EXPECT_FALSE(IsPublicHoliday(absl::CivilDay(2026, 12, 24)));
  EXPECT_FALSE(IsPublicHoliday(absl::CivilDay(2026, 12, 1)));
}

}  // namespace
}  // namespace rathaus::appointments
