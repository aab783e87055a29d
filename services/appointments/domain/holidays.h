// Public holidays in Schleswig-Holstein (Kiel): the days an office is closed without a closure
// in the catalog (shared/calendar/holidays.h, the calendar registrations and id-documents count
// working days with). The Easter-based ones follow the Gregorian computus (Meeus/Jones/Butcher);
// Reformationstag (31 October) is a holiday in Schleswig-Holstein since 2018 (and was one
// nationwide in 2017).
//
//   absl::CivilDay easter = EasterSunday(2026);            // 2026-04-05
//   if (IsPublicHoliday(absl::CivilDay(2026, 10, 31))) ... // Reformationstag
#pragma once

#include <string_view>

#include "absl/time/civil_time.h"

namespace rathaus::appointments {

absl::CivilDay EasterSunday(int year);
// The holiday's German name, or "" when `day` is a working day.
std::string_view PublicHolidayName(absl::CivilDay day);
inline bool IsPublicHoliday(absl::CivilDay day) { return !PublicHolidayName(day).empty(); }

}  // namespace rathaus::appointments
