#include "services/appointments/domain/holidays.h"

#include "shared/calendar/holidays.h"

namespace rathaus::appointments {

absl::CivilDay EasterSunday(int year) { return platform::calendar::EasterSunday(year); }

std::string_view PublicHolidayName(absl::CivilDay day) {
  return platform::calendar::PublicHolidayName(day, platform::calendar::State::kSchleswigHolstein);
}

}  // namespace rathaus::appointments
