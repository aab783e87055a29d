// The code lists of the BR-CL rules, per syntax, exactly as the official CEN EN 16931 code-list
// Schematron writes them (validation artefacts 1.3.16). domain/codelists/generate.py extracts
// them into en16931-ubl.txt / en16931-cii.txt, which are embedded at build time; a test checks
// that the files match the official sources kept in domain/codelists/official/.
//
//   const CodeLists& cl = CodeLists::For(Syntax::kCii);
//   if (!InList(cl.Of("BR-CL-04"), currency)) { ... }
//   cl.Of("BR-CL-01", 2)   // UBL: the CreditNoteTypeCode list (list 1 is InvoiceTypeCode's)
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "domain/model.h"

namespace rathaus::einvoice {

class CodeLists {
 public:
  using List = absl::flat_hash_set<std::string>;

  static const CodeLists& For(Syntax syntax);  // UBL Invoice and CreditNote share one
  // The XRechnung lists (xrechnung/common.sch) by their variable name, e.g.
  // XRechnung().Of("CVA-CODES").
  static const CodeLists& XRechnung();

  // The `list`-th list (from 1) in the rule's assertion; an empty list for one that does not
  // exist (so every value fails, loudly, rather than passing).
  const List& Of(std::string_view rule, int list = 1) const;
  // The list as the rule's test writes it, codes in their order: " c1 c2 ... cn " (UBL BR-CL-08
  // tests a substring of it).
  const std::string& Written(std::string_view rule, int list = 1) const;
  // Every (rule, list number) present, for tests.
  std::vector<std::pair<std::string, int>> Keys() const;

  // Parses the generated file format ("BR-CL-01 1 71 80 ..." lines, '#' comments).
  static CodeLists Parse(std::string_view text);

 private:
  // Looked up once per element and rule, so by a view of the rule's name (no string built).
  struct Key {
    std::string rule;
    int list;
  };
  struct KeyView {
    std::string_view rule;
    int list;
  };
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(const KeyView& k) const {
      return std::hash<std::string_view>()(k.rule) * 31 + static_cast<size_t>(k.list);
    }
    size_t operator()(const Key& k) const { return (*this)(KeyView{k.rule, k.list}); }
  };
  struct KeyEq {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return a.list == b.list && std::string_view(a.rule) == std::string_view(b.rule);
    }
  };
  absl::flat_hash_map<Key, List, KeyHash, KeyEq> lists_;
  absl::flat_hash_map<Key, std::string, KeyHash, KeyEq> written_;
};

// The official test: the normalized value contains no space and is one of the codes.
bool InList(const CodeLists::List& list, std::string_view value);

}  // namespace rathaus::einvoice
