#include "services/appointments/domain/visit.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/appointments/domain/slots.h"
#include "shared/status/problem.h"

namespace rathaus::appointments {

absl::StatusOr<Visit> PlanVisit(const Catalog& catalog, const Office& office,
                                std::vector<VisitItem> items) {
  if (items.empty()) return platform::InvalidField("services", "at least one service is required");
  if (items.size() > kMaxServicesPerVisit) {
    return platform::InvalidField("services",
                        absl::StrCat("at most ", kMaxServicesPerVisit, " services per visit"));
  }
  Visit visit;
  for (size_t i = 0; i < items.size(); ++i) {
    VisitItem& item = items[i];
    const Service* service =
        IsValidId(item.service_id) ? catalog.FindService(item.service_id) : nullptr;
    const int duration = service ? office.DurationOf(item.service_id) : 0;
    if (duration == 0) {
      return platform::InvalidField("services", absl::StrCat("service ", i + 1,
                                                   " is not offered at this office"));
    }
    if (item.quantity < 1 || item.quantity > service->max_quantity) {
      return platform::InvalidField("services", absl::StrCat("quantity of ", service->id, " must be 1..",
                                                   service->max_quantity));
    }
    for (size_t j = 0; j < i; ++j) {
      if (items[j].service_id == item.service_id) {
        return platform::InvalidField("services", absl::StrCat(service->id, " is listed twice"));
      }
      if (!service->combinable_with.contains(items[j].service_id)) {
        return platform::InvalidField("services", absl::StrCat(items[j].service_id, " and ", service->id,
                                                     " cannot be booked in one visit"));
      }
    }
    visit.minutes += duration * item.quantity;
  }
  const int longest = office.LongestOpeningMinutes();
  if (BucketsFor(visit.minutes, office.slot_minutes) * office.slot_minutes > longest) {
    return platform::InvalidField(
        "services", absl::StrCat("this visit takes ", visit.minutes,
                                 " minutes; the office is open at most ", longest,
                                 " minutes at a stretch: book the services as separate appointments"));
  }
  visit.items = std::move(items);
  return visit;
}

std::string EncodeItems(const std::vector<VisitItem>& items) {
  std::string out;
  for (const VisitItem& item : items) {
    if (!out.empty()) out += ',';
    absl::StrAppend(&out, item.service_id, "*", item.quantity);
  }
  return out;
}

std::vector<VisitItem> DecodeItems(std::string_view text) {
  std::vector<VisitItem> items;
  for (absl::string_view part : absl::StrSplit(absl::string_view(text.data(), text.size()), ',',
                                               absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(part, '*');
    VisitItem item{std::string(kv.first), 1};
    if (!absl::SimpleAtoi(kv.second, &item.quantity)) item.quantity = 1;
    items.push_back(std::move(item));
  }
  return items;
}

}  // namespace rathaus::appointments
