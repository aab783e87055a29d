// The routing table of the invoice office: which department (Fachamt) handles an invoice, by
// the Leitweg-ID the supplier put into the buyer reference (BT-10). A Leitweg-ID is the
// address of a public buyer in the German e-invoicing networks: Grobadressierung (2-12 digits),
// optional Feinadressierung (up to 30 letters/digits) and two mod-97 check digits, joined by '-'.
//
// The table is a text file, one entry a line; `#` starts a comment:
//
//   # Leitweg-ID, or a prefix ending in *      department
//   01002-1100-45                              tiefbauamt
//   01002-52*                                  schulamt
//
// An exact entry wins over prefixes, a longer prefix over a shorter one; Leitweg-IDs compare
// without regard to case. No entry: the invoice is UNROUTABLE, for the invoice office to assign.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace rathaus::einvoice {

// Department ids: 1..64 of [a-z0-9-] (they appear in URLs, keys and clerk tokens).
bool IsValidDepartment(std::string_view id);

class RoutingTable {
 public:
  // INVALID_ARGUMENT "line N: reason" for a malformed line, a bad department id or an entry
  // given twice.
  static absl::StatusOr<RoutingTable> Parse(std::string_view text);

  // The department for BT-10, if any.
  std::optional<std::string> Route(std::string_view leitweg_id) const;

  // Every department the table names (sorted, without repeats).
  std::vector<std::string> Departments() const;

  size_t size() const { return exact_.size() + prefixes_.size(); }

 private:
  absl::flat_hash_map<std::string, std::string> exact_;
  std::vector<std::pair<std::string, std::string>> prefixes_;  // longest first
};

}  // namespace rathaus::einvoice
