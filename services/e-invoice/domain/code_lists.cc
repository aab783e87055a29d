#include "domain/code_lists.h"

#include "absl/strings/str_split.h"
#include "domain/xml.h"
#include "rathaus_einvoice_domain_embedded.h"

namespace rathaus::einvoice {
namespace {

absl::flat_hash_set<std::string> Load(std::string_view text) {
  absl::flat_hash_set<std::string> out;
  for (absl::string_view code : absl::StrSplit(absl::string_view(text.data(), text.size()), absl::ByAnyChar(" \n\t\r"), absl::SkipEmpty())) {
    out.insert(std::string(code));
  }
  return out;
}

}  // namespace

const CodeLists& CodeLists::Get() {
  static const CodeLists* lists = [] {
    auto* l = new CodeLists;
    l->document_types = Load(codelists::kUntdid1001);
    l->currencies = Load(codelists::kIso4217);
    l->countries = Load(codelists::kIso3166);
    l->payment_means = Load(codelists::kUntdid4461);
    l->vat_categories = Load(codelists::kUntdid5305);
    l->units = Load(codelists::kRec20Rec21);
    return l;
  }();
  return *lists;
}

bool InList(const absl::flat_hash_set<std::string>& list, std::string_view value) {
  std::string n = NormalizeSpace(value);
  if (n.find(' ') != std::string::npos) return false;
  return list.contains(n);
}

}  // namespace rathaus::einvoice
