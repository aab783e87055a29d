// The catalog: offices, services, opening hours, counters and closures, read once at start from
// a JSON file (catalog.proto describes it) and checked completely before the service serves:
// a malformed catalog is an operator's error, reported with the JSON path and the reason.
//
//   absl::StatusOr<Catalog> catalog = ParseCatalog(json);
//   // on error: "offices[2].openingHours[0].end: expected HH:MM (00:00..24:00), got \"25:00\""
//   const Office* office = catalog->FindOffice("kiel-rathaus");
//   int minutes = office->DurationOf("reisepass-beantragen");
#pragma once

#include <array>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace rathaus::appointments {

// Civil minutes of a day, [start, end), end <= 1440 (24:00).
struct OpeningInterval {
  int start_minute = 0;
  int end_minute = 0;
};

struct Closure {
  absl::CivilDay from;
  absl::CivilDay to;  // inclusive
};

struct Service {
  std::string id;
  std::string name;
  int default_duration_minutes = 0;
  int max_quantity = 1;
  std::set<std::string> combinable_with;  // symmetric closure of the file's lists
  std::vector<std::string> what_to_bring;
  bool requires_pickup_code = false;  // ausweis-abholen: a code from id-documents
};

struct Office {
  std::string id;
  std::string name;
  std::string street;
  std::string postal_code;
  std::string city;
  std::string time_zone_name;
  absl::TimeZone time_zone;
  std::string hints;
  int counters = 1;
  int slot_minutes = 15;
  int booking_window_days = 60;
  // Index: 0 = Monday .. 6 = Sunday; sorted, non-overlapping.
  std::array<std::vector<OpeningInterval>, 7> hours;
  std::vector<Closure> closures;
  // Every year: month * 100 + day -> the intervals open that day (empty: closed). The catalog's
  // annual days merged with the office's own, which win for the same date.
  std::map<int, std::vector<OpeningInterval>> annual;
  // Offered services in catalog order, with the duration at this office.
  std::vector<std::pair<std::string, int>> services;

  // 0 when the office does not offer the service.
  int DurationOf(std::string_view service_id) const;
  bool ClosedOn(absl::CivilDay day) const;
  // The longest stretch the office is open on any weekday (adjacent intervals joined), minutes.
  int LongestOpeningMinutes() const;
  // The annual day's open intervals for `day`, or nullptr when no annual rule names it.
  const std::vector<OpeningInterval>* AnnualOn(absl::CivilDay day) const;
  absl::Duration grid() const { return absl::Minutes(slot_minutes); }
};

class Catalog {
 public:
  std::vector<Office> offices;
  std::vector<Service> services;
  // The catalog-wide annual days (already merged into every office's `annual`).
  std::map<int, std::vector<OpeningInterval>> annual;

  const Office* FindOffice(std::string_view id) const;
  const Service* FindService(std::string_view id) const;
};

// Parses and checks a catalog. Errors are INVALID_ARGUMENT "<json path>: <reason>".
absl::StatusOr<Catalog> ParseCatalog(std::string_view json);

// Ids in the catalog and in requests: 1..64 of [a-z0-9-], starting with a letter or digit.
bool IsValidId(std::string_view id);

}  // namespace rathaus::appointments
