#include "domain/routing.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace rathaus::einvoice {
namespace {

bool IsLeitwegText(std::string_view s) {
  if (s.empty() || s.size() > 46) return false;
  for (char c : s) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-')) return false;
  }
  return true;
}

}  // namespace

bool IsValidDepartment(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

absl::StatusOr<RoutingTable> RoutingTable::Parse(std::string_view text) {
  RoutingTable table;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
    ++line_number;
    line = line.substr(0, line.find('#'));
    std::vector<absl::string_view> words =
        absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
    if (words.empty()) continue;
    auto error = [&](const std::string& why) {
      return absl::InvalidArgumentError(absl::StrCat("line ", line_number, ": ", why));
    };
    if (words.size() != 2) return error("expected a Leitweg-ID (or prefix*) and a department");
    std::string key = absl::AsciiStrToUpper(words[0]);
    const std::string department(words[1]);
    if (!IsValidDepartment(department)) {
      return error(absl::StrCat("department \"", department, "\" is not 1-64 of a-z, 0-9 and -"));
    }
    const bool prefix = key.back() == '*';
    if (prefix) key.pop_back();
    if (!IsLeitwegText(key)) {
      return error(absl::StrCat("\"", words[0], "\" is not a Leitweg-ID or a prefix ending in *"));
    }
    if (prefix) {
      for (const auto& [p, d] : table.prefixes_) {
        if (p == key) return error(absl::StrCat("prefix ", words[0], " is given twice"));
      }
      table.prefixes_.emplace_back(key, department);
    } else if (!table.exact_.emplace(key, department).second) {
      return error(absl::StrCat("Leitweg-ID ", words[0], " is given twice"));
    }
  }
  std::stable_sort(table.prefixes_.begin(), table.prefixes_.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  return table;
}

std::optional<std::string> RoutingTable::Route(std::string_view leitweg_id) const {
  std::string key = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(absl::string_view(leitweg_id.data(), leitweg_id.size())));
  if (!IsLeitwegText(key)) return std::nullopt;
  if (auto it = exact_.find(key); it != exact_.end()) return it->second;
  for (const auto& [prefix, department] : prefixes_) {
    if (key.starts_with(prefix)) return department;
  }
  return std::nullopt;
}

std::vector<std::string> RoutingTable::Departments() const {
  std::vector<std::string> out;
  for (const auto& [k, d] : exact_) out.push_back(d);
  for (const auto& [k, d] : prefixes_) out.push_back(d);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace rathaus::einvoice
