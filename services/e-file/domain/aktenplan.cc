#include "domain/aktenplan.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "aktenplan.pb.h"

namespace rathaus::efile {
namespace {

// "32.10": groups of two digits separated by dots, 1 to 4 groups.
absl::string_view A(std::string_view s) { return absl::string_view(s.data(), s.size()); }

bool IsItemNumber(std::string_view n) {
  const std::vector<absl::string_view> groups = absl::StrSplit(A(n), '.');
  if (groups.empty() || groups.size() > 4) return false;
  for (absl::string_view g : groups) {
    if (g.size() != 2 || !absl::ascii_isdigit(static_cast<unsigned char>(g[0])) ||
        !absl::ascii_isdigit(static_cast<unsigned char>(g[1]))) {
      return false;
    }
  }
  return true;
}

bool PositiveCount(absl::string_view text, int64_t* out) {
  if (text.empty() || text.size() > 12 || text[0] == '0') return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return absl::SimpleAtoi(text, out) && *out > 0;
}

}  // namespace

const AktenplanItem* Aktenplan::Find(std::string_view number) const {
  for (const AktenplanItem& i : items) {
    if (i.number == number) return &i;
  }
  return nullptr;
}

bool AktenplanItem::Closes(std::string_view type) const {
  return std::find(closing_event_types.begin(), closing_event_types.end(), type) !=
         closing_event_types.end();
}

const AktenplanItem* Aktenplan::ForEvent(std::string_view type) const {
  for (const AktenplanItem& i : items) {
    for (const std::string& t : i.event_types) {
      if (t == type) return &i;
    }
  }
  return nullptr;
}

absl::StatusOr<Aktenplan> ParseAktenplan(std::string_view json) {
  config::Aktenplan proto;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto parsed = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &proto, options);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("aktenplan: ", parsed.message().as_string()));
  }
  Aktenplan plan;
  plan.name = proto.name();
  if (proto.items().empty()) return absl::InvalidArgumentError("aktenplan: items: none");
  std::set<std::string> numbers, types;
  for (int k = 0; k < proto.items_size(); ++k) {
    const config::AktenplanItem& p = proto.items(k);
    const std::string at = absl::StrCat("aktenplan: items[", k, "]");
    if (!IsItemNumber(p.number())) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".number: expected groups of two digits "
                                                         "separated by dots, e.g. 32.10"));
    }
    if (!numbers.insert(p.number()).second) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".number: ", p.number(), " appears twice"));
    }
    if (absl::StripAsciiWhitespace(p.title()).empty()) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".title: missing"));
    }
    if (p.retention_years() < 0 || p.retention_years() > 100) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".retentionYears: 0 to 100"));
    }
    AktenplanItem item;
    item.number = p.number();
    item.title = p.title();
    item.retention_years = p.retention_years();
    if (p.disposal() == "A") {
      item.disposal = Disposal::kArchive;
    } else if (p.disposal() == "B") {
      item.disposal = Disposal::kAppraise;
    } else if (p.disposal() == "V") {
      item.disposal = Disposal::kDestroy;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(at, ".disposal: A (archive), B (appraise) "
                                                         "or V (destroy)"));
    }
    for (const std::string& t : p.event_types()) {
      if (!types.insert(t).second) {
        return absl::InvalidArgumentError(
            absl::StrCat(at, ".eventTypes: ", t, " is filed by two items"));
      }
      item.event_types.push_back(t);
    }
    for (const std::string& t : p.closing_event_types()) {
      if (std::find(item.event_types.begin(), item.event_types.end(), t) ==
          item.event_types.end()) {
        return absl::InvalidArgumentError(
            absl::StrCat(at, ".closingEventTypes: ", t, " is not among the item's eventTypes"));
      }
      item.closing_event_types.push_back(t);
    }
    if (p.record().empty() || p.record() == "case") {
      item.day_statistics = false;
    } else if (p.record() == "day-statistics") {
      item.day_statistics = true;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(at, ".record: \"case\" or \"day-statistics\""));
    }
    item.akte_by = p.akte_by();
    item.department_field = p.department_field();
    if (!p.access_class().empty()) {
      if (p.access_class() != "intern" && p.access_class() != "personenbezogen") {
        return absl::InvalidArgumentError(
            absl::StrCat(at, ".accessClass: \"intern\" or \"personenbezogen\""));
      }
      item.access_class = p.access_class();
    }
    if (!p.subject().empty()) item.subject = p.subject();
    plan.items.push_back(std::move(item));
  }
  return plan;
}

std::string Aktenzeichen::ToString() const {
  std::string out = absl::StrCat(item, "-", akte, ".", vorgang);
  if (dokument > 0) absl::StrAppend(&out, "-", dokument);
  return out;
}

absl::StatusOr<Aktenzeichen> ParseAktenzeichen(std::string_view text) {
  const std::vector<absl::string_view> parts = absl::StrSplit(A(text), '-');
  auto bad = [&] {
    return absl::InvalidArgumentError(
        "an Aktenzeichen is {item}-{Akte}.{Vorgang} or {item}-{Akte}.{Vorgang}-{Dokument}");
  };
  if (parts.size() != 2 && parts.size() != 3) return bad();
  Aktenzeichen az;
  if (!IsItemNumber(std::string_view(parts[0].data(), parts[0].size()))) return bad();
  az.item = std::string(parts[0]);
  const std::vector<absl::string_view> av = absl::StrSplit(parts[1], '.');
  if (av.size() != 2 || !PositiveCount(av[0], &az.akte) || !PositiveCount(av[1], &az.vorgang)) {
    return bad();
  }
  if (parts.size() == 3 && !PositiveCount(parts[2], &az.dokument)) return bad();
  return az;
}

absl::CivilDay DisposalDate(const AktenplanItem& item, absl::CivilDay closed) {
  return absl::CivilDay(closed.year() + 1 + item.retention_years, 1, 1);
}

}  // namespace rathaus::efile
