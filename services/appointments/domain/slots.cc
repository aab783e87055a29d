#include "services/appointments/domain/slots.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "shared/calendar/holidays.h"
#include "absl/strings/str_format.h"
#include "services/appointments/domain/holidays.h"
#include "shared/status/problem.h"

namespace rathaus::appointments {
namespace {

using platform::calendar::WeekdayIndex;

// The first instant whose civil time is >= `civil` (a skipped time starts at the transition).
absl::Time EarliestAt(const absl::TimeZone& tz, absl::CivilSecond civil) {
  const absl::TimeZone::TimeInfo info = tz.At(civil);
  return info.kind == absl::TimeZone::TimeInfo::SKIPPED ? info.trans : info.pre;
}

// The last instant whose civil time is <= `civil`: for a repeated time, its second occurrence.
absl::Time LatestAt(const absl::TimeZone& tz, absl::CivilSecond civil) {
  const absl::TimeZone::TimeInfo info = tz.At(civil);
  switch (info.kind) {
    case absl::TimeZone::TimeInfo::SKIPPED: return info.trans;
    case absl::TimeZone::TimeInfo::REPEATED: return info.post;
    default: return info.pre;
  }
}

// The years a date may name (holidays are computed for them).
constexpr int kFirstYear = 2000;
constexpr int kLastYear = 2200;

int64_t FloorDiv(absl::Duration d, absl::Duration grid) {
  return absl::IDivDuration(d, grid, &d) - (d < absl::ZeroDuration() ? 1 : 0);
}

// The buckets [first, last) of `day` inside a civil interval, rounded inwards: a slot must start
// and end inside it.
std::pair<int, int> BucketsOf(const Office& office, const DayPlan& plan,
                              const OpeningInterval& interval) {
  const absl::Time open = EarliestAt(office.time_zone,
                                     absl::CivilSecond(plan.day) + interval.start_minute * 60);
  const absl::Time close = LatestAt(office.time_zone,
                                    absl::CivilSecond(plan.day) + interval.end_minute * 60);
  return {static_cast<int>(-FloorDiv(plan.midnight - open, plan.grid)),
          static_cast<int>(FloorDiv(close - plan.midnight, plan.grid))};
}

// Keeps of `plan.open` only what lies inside the annual day's intervals (none: closed).
void ClipToAnnualDay(const Office& office, const std::vector<OpeningInterval>& annual,
                     DayPlan* plan) {
  std::vector<std::pair<int, int>> clipped;
  for (const OpeningInterval& interval : annual) {
    const auto [from, to] = BucketsOf(office, *plan, interval);
    for (const auto& [first, last] : plan->open) {
      const int a = std::max(first, from), b = std::min(last, to);
      if (a < b) clipped.emplace_back(a, b);
    }
  }
  std::sort(clipped.begin(), clipped.end());
  plan->open.clear();
  for (const auto& range : clipped) {  // adjacent annual intervals form one range
    if (!plan->open.empty() && plan->open.back().second >= range.first) {
      plan->open.back().second = std::max(plan->open.back().second, range.second);
    } else {
      plan->open.push_back(range);
    }
  }
}

}  // namespace

bool DayPlan::Fits(int first, int length) const {
  for (const auto& [from, to] : open) {
    if (first >= from && first + length <= to) return true;
  }
  return false;
}

absl::CivilDay TodayAt(const Office& office, absl::Time now) {
  return absl::ToCivilDay(now, office.time_zone);
}

bool InBookingWindow(const Office& office, absl::CivilDay day, absl::Time now) {
  const absl::CivilDay today = TodayAt(office, now);
  return day > today && day <= today + office.booking_window_days;
}

DayPlan PlanOpeningHours(const Office& office, absl::CivilDay day) {
  DayPlan plan;
  plan.day = day;
  plan.grid = office.grid();
  plan.midnight = EarliestAt(office.time_zone, absl::CivilSecond(day));
  const absl::Time next = EarliestAt(office.time_zone, absl::CivilSecond(day + 1));
  plan.bucket_count = static_cast<int>(FloorDiv(next - plan.midnight, plan.grid));
  for (const OpeningInterval& interval : office.hours[WeekdayIndex(day)]) {
    const auto [first, last] = BucketsOf(office, plan, interval);
    if (last <= first) continue;
    if (!plan.open.empty() && plan.open.back().second >= first) {
      plan.open.back().second = std::max(plan.open.back().second, last);
    } else {
      plan.open.emplace_back(first, last);
    }
  }
  return plan;
}

DayPlan PlanDay(const Office& office, absl::CivilDay day, absl::Time now) {
  DayPlan plan = PlanOpeningHours(office, day);
  if (!InBookingWindow(office, day, now) || IsPublicHoliday(day) || office.ClosedOn(day)) {
    plan.open.clear();
  } else if (const std::vector<OpeningInterval>* annual = office.AnnualOn(day)) {
    ClipToAnnualDay(office, *annual, &plan);
  }
  return plan;
}

std::vector<FreeStart> FreeStarts(const DayPlan& plan, const std::vector<int>& used, int counters,
                                  int length) {
  std::vector<FreeStart> starts;
  auto use = [&](int b) { return b < static_cast<int>(used.size()) ? used[b] : 0; };
  for (const auto& [from, to] : plan.open) {
    for (int b = from; b + length <= to; ++b) {
      int busiest = 0;
      for (int i = b; i < b + length; ++i) busiest = std::max(busiest, use(i));
      starts.push_back({b, std::max(0, counters - busiest)});
    }
  }
  return starts;
}

absl::StatusOr<int> BucketOf(const DayPlan& plan, absl::Time start, int length) {
  const absl::Duration offset = start - plan.midnight;
  absl::Duration rest;
  const int64_t bucket = absl::IDivDuration(offset, plan.grid, &rest);
  if (offset < absl::ZeroDuration() || rest != absl::ZeroDuration() ||
      !plan.Fits(static_cast<int>(bucket), length)) {
    return platform::InvalidField("start", "not a bookable start time for these services at this office");
  }
  return static_cast<int>(bucket);
}

int BucketsFor(int minutes, int slot_minutes) {
  return (minutes + slot_minutes - 1) / slot_minutes;
}

std::string FormatLocal(absl::Time t, const absl::TimeZone& tz) {
  // The same text as absl::FormatTime("%Y-%m-%d%ET%H:%M:%S%Ez", t, tz), written by hand: the
  // availability answer formats two of these per slot, and FormatTime's general parser of the
  // format string cost more than the rest of the slot (slots_test compares both).
  const absl::TimeZone::CivilInfo ci = tz.At(t);
  const absl::CivilSecond cs = ci.cs;
  if (cs.year() < 1000 || cs.year() > 9999) return absl::FormatTime("%Y-%m-%d%ET%H:%M:%S%Ez", t, tz);
  int offset = ci.offset;  // seconds east of UTC
  char sign = '+';
  if (offset < 0) {
    sign = '-';
    offset = -offset;
  }
  const int off_h = offset / 3600, off_m = offset / 60 % 60;
  char buf[25];
  auto two = [](char* p, int v) {
    p[0] = static_cast<char>('0' + v / 10);
    p[1] = static_cast<char>('0' + v % 10);
  };
  const int y = static_cast<int>(cs.year());
  two(buf, y / 100);
  two(buf + 2, y % 100);
  buf[4] = '-';
  two(buf + 5, cs.month());
  buf[7] = '-';
  two(buf + 8, cs.day());
  buf[10] = 'T';
  two(buf + 11, cs.hour());
  buf[13] = ':';
  two(buf + 14, cs.minute());
  buf[16] = ':';
  two(buf + 17, cs.second());
  buf[19] = sign;
  two(buf + 20, off_h);
  buf[22] = ':';
  two(buf + 23, off_m);
  return std::string(buf, 25);
}

absl::StatusOr<absl::Time> ParseTimestamp(std::string_view text, std::string_view field) {
  absl::Time t;
  std::string error;
  if (text.size() < 20 || text.size() > 40 ||
      !absl::ParseTime("%Y-%m-%d%ET%H:%M:%E*S%Ez", absl::string_view(text.data(), text.size()),
                       &t, &error)) {
    return platform::InvalidField(field, "expected an RFC 3339 time such as 2026-12-01T09:00:00+01:00");
  }
  return t;
}

absl::StatusOr<absl::CivilDay> ParseDate(std::string_view text, std::string_view field) {
  absl::CivilDay day;
  const absl::string_view view(text.data(), text.size());
  if (text.size() != 10 || !absl::ParseCivilTime(view, &day)) {
    return platform::InvalidField(field, "expected a date YYYY-MM-DD");
  }
  if (day.year() < kFirstYear || day.year() > kLastYear) {
    return platform::InvalidField(field, absl::StrFormat("the date %s is out of range: expected "
                                                         "%d-01-01..%d-12-31",
                                                         view, kFirstYear, kLastYear));
  }
  return day;
}

}  // namespace rathaus::appointments
