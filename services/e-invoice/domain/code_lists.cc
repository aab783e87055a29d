#include "domain/code_lists.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "domain/xml.h"
#include "rathaus_einvoice_domain_embedded.h"

namespace rathaus::einvoice {

CodeLists CodeLists::Parse(std::string_view text) {
  CodeLists out;
  for (absl::string_view line : absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<absl::string_view> words = absl::StrSplit(line, ' ', absl::SkipEmpty());
    int number = 0;
    if (words.size() < 2 || !absl::SimpleAtoi(words[1], &number)) continue;
    List& list = out.lists_[Key{std::string(words[0]), number}];
    for (size_t i = 2; i < words.size(); ++i) list.insert(std::string(words[i]));
    std::vector<absl::string_view> codes(words.begin() + 2, words.end());
    out.written_.insert_or_assign(Key{std::string(words[0]), number},
                                  absl::StrCat(" ", absl::StrJoin(codes, " "), " "));
  }
  return out;
}

const CodeLists& CodeLists::For(Syntax syntax) {
  static const CodeLists* ubl = new CodeLists(Parse(codelists::kEn16931Ubl));
  static const CodeLists* cii = new CodeLists(Parse(codelists::kEn16931Cii));
  return syntax == Syntax::kCii ? *cii : *ubl;
}

const CodeLists& CodeLists::XRechnung() {
  static const CodeLists* xr = new CodeLists(Parse(codelists::kXrechnung));
  return *xr;
}

const CodeLists::List& CodeLists::Of(std::string_view rule, int list) const {
  static const List* empty = new List;
  auto it = lists_.find(KeyView{rule, list});
  return it == lists_.end() ? *empty : it->second;
}

const std::string& CodeLists::Written(std::string_view rule, int list) const {
  static const std::string* empty = new std::string;
  auto it = written_.find(KeyView{rule, list});
  return it == written_.end() ? *empty : it->second;
}

std::vector<std::pair<std::string, int>> CodeLists::Keys() const {
  std::vector<std::pair<std::string, int>> out;
  for (const auto& [key, unused] : lists_) out.emplace_back(key.rule, key.list);
  std::sort(out.begin(), out.end());
  return out;
}

bool InList(const CodeLists::List& list, std::string_view value) {
  std::string n = NormalizeSpace(value);
  if (n.find(' ') != std::string::npos) return false;
  return list.contains(n);
}

}  // namespace rathaus::einvoice
