#include "shared/calendar/holidays.h"

namespace rathaus::platform::calendar {

absl::CivilDay EasterSunday(int year) {
  // The anonymous Gregorian algorithm (Meeus/Jones/Butcher).
  const int a = year % 19;
  const int b = year / 100;
  const int c = year % 100;
  const int d = b / 4;
  const int e = b % 4;
  const int f = (b + 8) / 25;
  const int g = (b - f + 1) / 3;
  const int h = (19 * a + b - d - g + 15) % 30;
  const int i = c / 4;
  const int k = c % 4;
  const int l = (32 + 2 * e + 2 * i - h - k) % 7;
  const int m = (a + 11 * h + 22 * l) / 451;
  const int month = (h + l - 7 * m + 114) / 31;
  const int day = ((h + l - 7 * m + 114) % 31) + 1;
  return absl::CivilDay(year, month, day);
}

std::string_view PublicHolidayName(absl::CivilDay day, State state) {
  const int y = static_cast<int>(day.year());
  const int m = day.month();
  const int d = day.day();
  if (m == 1 && d == 1) return "Neujahr";
  if (m == 5 && d == 1) return "Tag der Arbeit";
  if (m == 10 && d == 3) return "Tag der Deutschen Einheit";
  // Nationwide once in 2017 (the 500th year); in Schleswig-Holstein every year since 2018.
  if (m == 10 && d == 31 && (y == 2017 || (state == State::kSchleswigHolstein && y >= 2018))) {
    return "Reformationstag";
  }
  if (m == 12 && d == 25) return "1. Weihnachtstag";
  if (m == 12 && d == 26) return "2. Weihnachtstag";
  switch (day - EasterSunday(y)) {
    case -2: return "Karfreitag";
    case 1: return "Ostermontag";
    case 39: return "Christi Himmelfahrt";
    case 50: return "Pfingstmontag";
    default: return "";
  }
}

bool IsPublicHoliday(absl::CivilDay day, State state) { return !PublicHolidayName(day, state).empty(); }

bool IsWorkingDay(absl::CivilDay day, State state) {
  const absl::Weekday w = absl::GetWeekday(day);
  return w != absl::Weekday::saturday && w != absl::Weekday::sunday && !IsPublicHoliday(day, state);
}

absl::CivilDay AddWorkingDays(absl::CivilDay from, int days, State state) {
  absl::CivilDay day = from;
  while (days > 0) {
    day += 1;
    if (IsWorkingDay(day, state)) --days;
  }
  return day;
}

int WeekdayIndex(absl::CivilDay day) {
  switch (absl::GetWeekday(day)) {
    case absl::Weekday::monday: return 0;
    case absl::Weekday::tuesday: return 1;
    case absl::Weekday::wednesday: return 2;
    case absl::Weekday::thursday: return 3;
    case absl::Weekday::friday: return 4;
    case absl::Weekday::saturday: return 5;
    case absl::Weekday::sunday: return 6;
  }
  return 0;
}

}  // namespace rathaus::platform::calendar
