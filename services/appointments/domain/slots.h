// Slot generation: the capacity model of an office day.
//
// An office day is cut into buckets of the office's slot grid (e.g. 15 minutes), counted in
// ABSOLUTE time from the day's local midnight. On the last Sunday of March (Europe/Berlin) the
// day has 23 hours and 02:00-03:00 does not exist; on the last Sunday of October it has 25 and
// 02:00-03:00 happens twice. Counting absolute time makes both right without special cases:
// bucket 8 on the October day is the first 02:00 (+02:00), bucket 12 the second 02:00 (+01:00).
//
// A visit of n buckets starting at bucket b occupies b..b+n-1. The store keeps a used counter
// per bucket; with interchangeable counters, "every bucket's count <= counters" is exactly
// "some counter can take every visit" (interval graphs are perfect), so no counter ids exist.
//
//   DayPlan plan = PlanDay(office, absl::CivilDay(2026, 12, 1), absl::Now());
//   for (const FreeStart& s : FreeStarts(plan, used, office.counters, /*length=*/3)) {
//     absl::Time start = plan.StartOf(s.bucket);   // free: s.free
//   }
#pragma once

#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/appointments/domain/catalog.h"

namespace rathaus::appointments {

struct DayPlan {
  absl::CivilDay day;
  absl::Time midnight;   // the day's first instant in the office's zone
  absl::Duration grid;
  int bucket_count = 0;  // buckets in the (23, 24 or 25 hour) day
  // Merged open bucket ranges [first, last); empty when the office is closed or the day is not
  // bookable (outside the window, a public holiday, a closure).
  std::vector<std::pair<int, int>> open;

  absl::Time StartOf(int bucket) const { return midnight + grid * bucket; }
  // True when buckets first..first+length-1 all lie in one open range.
  bool Fits(int first, int length) const;
};

// The office's civil date at `now`.
absl::CivilDay TodayAt(const Office& office, absl::Time now);

// Bookable days run from tomorrow to today + booking_window_days (office time).
bool InBookingWindow(const Office& office, absl::CivilDay day, absl::Time now);

// The plan of `day`, with its opening hours unless the day is closed or outside the window.
DayPlan PlanDay(const Office& office, absl::CivilDay day, absl::Time now);
// The plan by opening hours alone (no window, holidays or closures): for reading a stored day.
DayPlan PlanOpeningHours(const Office& office, absl::CivilDay day);

struct FreeStart {
  int bucket = 0;
  int free = 0;  // counters minus the busiest bucket's use; 0 = full
};

// Every start where `length` buckets fit the opening hours, with its free capacity.
// `used[b]` is the use of bucket b (missing entries are 0).
std::vector<FreeStart> FreeStarts(const DayPlan& plan, const std::vector<int>& used, int counters,
                                  int length);

// The bucket that `start` begins, or INVALID_ARGUMENT (field "start") when it is not a slot
// start of the plan's grid where `length` buckets fit.
absl::StatusOr<int> BucketOf(const DayPlan& plan, absl::Time start, int length);

// Visit length in buckets: minutes rounded up to the grid.
int BucketsFor(int minutes, int slot_minutes);

// RFC 3339 with the office's offset, "2026-12-01T09:00:00+01:00".
std::string FormatLocal(absl::Time t, const absl::TimeZone& tz);
// Parses RFC 3339 ("...+01:00" or "...Z"); INVALID_ARGUMENT naming `field` otherwise.
absl::StatusOr<absl::Time> ParseTimestamp(std::string_view text, std::string_view field);
// "YYYY-MM-DD"; INVALID_ARGUMENT naming `field` otherwise.
absl::StatusOr<absl::CivilDay> ParseDate(std::string_view text, std::string_view field);

}  // namespace rathaus::appointments
