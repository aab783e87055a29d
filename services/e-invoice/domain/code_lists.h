// The code lists the BR-CL rules check against (ISO 4217, ISO 3166-1, UNTDID 1001/4461/5305,
// UN/ECE Rec 20 with Rec 21), embedded at build time from domain/codelists/*.txt.
//
//   if (!CodeLists::Get().currencies.contains("EUR")) { ... }
#pragma once

#include <string>

#include "absl/container/flat_hash_set.h"

namespace rathaus::einvoice {

struct CodeLists {
  absl::flat_hash_set<std::string> document_types;  // UNTDID 1001 subset (BR-CL-01)
  absl::flat_hash_set<std::string> currencies;      // ISO 4217 (BR-CL-03/04/05)
  absl::flat_hash_set<std::string> countries;       // ISO 3166-1 alpha-2 (BR-CL-14/15)
  absl::flat_hash_set<std::string> payment_means;   // UNTDID 4461 (BR-CL-16)
  absl::flat_hash_set<std::string> vat_categories;  // UNTDID 5305 subset (BR-CL-17/18)
  absl::flat_hash_set<std::string> units;           // Rec 20 + Rec 21 (BR-CL-23)

  static const CodeLists& Get();
};

// The official test: the normalized value contains no space and is one of the codes.
bool InList(const absl::flat_hash_set<std::string>& list, std::string_view value);

}  // namespace rathaus::einvoice
