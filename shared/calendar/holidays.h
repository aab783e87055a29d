// Public holidays and working days for deadlines that count working days, e.g. the Rückmeldung
// of the Bundesmeldegesetz (§33: within 3 working days) or an estimate "3–6 working days".
//
//   IsPublicHoliday(absl::CivilDay(2026, 10, 31), State::kSchleswigHolstein)   // Reformationstag
//   AddWorkingDays(absl::CivilDay(2026, 12, 23), 3, State::kSchleswigHolstein) // 2026-12-30
//
// Nationwide holidays (Neujahr, Karfreitag, Ostermontag, Tag der Arbeit, Christi Himmelfahrt,
// Pfingstmontag, Tag der Deutschen Einheit, 1. und 2. Weihnachtstag) plus those of the state;
// Schleswig-Holstein adds the Reformationstag (31 October, since 2018, Gesetz über Sonn- und
// Feiertage SH §2; nationwide once in 2017). Easter Sunday by the Gregorian computus
// (Meeus/Jones/Butcher, valid 1583–4099). The appointments catalog uses the same calendar.
#pragma once

#include <string_view>

#include "absl/time/civil_time.h"

namespace rathaus::platform::calendar {

enum class State { kNationwide, kSchleswigHolstein };

absl::CivilDay EasterSunday(int year);
// The holiday's German name, or "" when `day` is none.
std::string_view PublicHolidayName(absl::CivilDay day, State state);
bool IsPublicHoliday(absl::CivilDay day, State state);
// Monday to Friday and no public holiday.
bool IsWorkingDay(absl::CivilDay day, State state);
// The day `days` working days after `from` (from itself does not count); days >= 0.
absl::CivilDay AddWorkingDays(absl::CivilDay from, int days, State state);
// Monday 0 … Sunday 6 (an index into a week's opening hours or weekday names).
int WeekdayIndex(absl::CivilDay day);

}  // namespace rathaus::platform::calendar
