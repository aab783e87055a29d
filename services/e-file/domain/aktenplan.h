// The Aktenplan and the Aktenzeichen of the e-file (issue 17):
//
//   auto plan = ParseAktenplan(json);          // INVALID_ARGUMENT naming the item and field
//   const AktenplanItem* item = plan->Find("32.10");
//   Aktenzeichen az{.item = "32.10", .akte = 7, .vorgang = 1, .dokument = 3};
//   az.ToString() == "32.10-7.1-3"; ParseAktenzeichen("32.10-7.1") -> {32.10, 7, 1, 0}
//   DisposalDate(*item, closed) -> 1 January of (year closed + 1 + retention years)
//
// An Aktenzeichen is {item}-{Akte}.{Vorgang} for a Vorgang and {item}-{Akte}.{Vorgang}-{Dokument}
// for a document; Akte, Vorgang and Dokument are counted from 1 and never reused. A retention
// period starts at the end of the calendar year in which the Vorgang was closed, as German filing
// rules count it (compare §147(4) AO for tax records).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"

namespace rathaus::efile {

enum class Disposal { kArchive, kAppraise, kDestroy };  // A, B, V

struct AktenplanItem {
  std::string number;  // "32.10"
  std::string title;
  int retention_years = 0;
  Disposal disposal = Disposal::kDestroy;
  std::vector<std::string> event_types;
  std::vector<std::string> closing_event_types;
  bool day_statistics = false;  // record "day-statistics"
  std::string akte_by;
  std::string department_field;
  std::string access_class = "intern";
  std::string subject = "{source}";
  bool Closes(std::string_view type) const;
};

struct Aktenplan {
  std::string name;
  std::vector<AktenplanItem> items;
  const AktenplanItem* Find(std::string_view number) const;
  // The item that files events of `type`; nullptr when none does.
  const AktenplanItem* ForEvent(std::string_view type) const;
};

// JSON as aktenplan.proto describes it.
absl::StatusOr<Aktenplan> ParseAktenplan(std::string_view json);

struct Aktenzeichen {
  std::string item;
  int64_t akte = 0;
  int64_t vorgang = 0;
  int64_t dokument = 0;  // 0: the Aktenzeichen of the Vorgang
  std::string ToString() const;
};
// INVALID_ARGUMENT for anything but {item}-{Akte}.{Vorgang}[-{Dokument}] with counts from 1.
absl::StatusOr<Aktenzeichen> ParseAktenzeichen(std::string_view text);

// The first day on which a Vorgang closed on `closed` may be disposed of.
absl::CivilDay DisposalDate(const AktenplanItem& item, absl::CivilDay closed);

}  // namespace rathaus::efile
