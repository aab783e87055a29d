// A visit: the services a citizen books for one appointment, with quantities (a passport for
// each of three children is one visit of quantity 3). Its length is the sum of the office's
// durations times quantities, rounded up to the slot grid; every pair of services in it must
// be combinable.
//
//   absl::StatusOr<Visit> visit = PlanVisit(catalog, office, {{"reisepass-beantragen", 2},
//                                                             {"meldebescheinigung", 1}});
//   visit->minutes;            // 2 * 20 + 10 = 50
//   BucketsFor(visit->minutes, office.slot_minutes);   // 4 with a 15-minute grid
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/appointments/domain/catalog.h"

namespace rathaus::appointments {

struct VisitItem {
  std::string service_id;
  int quantity = 1;
  bool operator==(const VisitItem&) const = default;
};

struct Visit {
  std::vector<VisitItem> items;  // in request order
  int minutes = 0;
};

inline constexpr int kMaxServicesPerVisit = 5;

// Checks the request against the catalog (field "services" in every error). A quantity of 0
// means 1 (proto3's default for an absent value).
absl::StatusOr<Visit> PlanVisit(const Catalog& catalog, const Office& office,
                                std::vector<VisitItem> items);

// Compact storage form "id*2,id*1" and back.
std::string EncodeItems(const std::vector<VisitItem>& items);
std::vector<VisitItem> DecodeItems(std::string_view text);

}  // namespace rathaus::appointments
