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

bool IsPublicHoliday(absl::CivilDay day, State state) {
  const int month = day.month();
  const int dom = day.day();
  if ((month == 1 && dom == 1) || (month == 5 && dom == 1) || (month == 10 && dom == 3) ||
      (month == 12 && (dom == 25 || dom == 26))) {
    return true;
  }
  if (state == State::kSchleswigHolstein && month == 10 && dom == 31 && day.year() >= 2018) {
    return true;
  }
  const absl::CivilDay easter = EasterSunday(static_cast<int>(day.year()));
  const absl::civil_diff_t offset = day - easter;
  return offset == -2 || offset == 1 || offset == 39 || offset == 50;  // Karfreitag ... Pfingstmontag
}

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

}  // namespace rathaus::platform::calendar
