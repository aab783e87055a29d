// The per-rule invoices of testdata/rules (see the README there): for each file, the fatal
// rules we raise equal the official ones written in its `expect-fatal` comment, and the rule the
// file is named after is among them.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "domain/validator.h"

namespace rathaus::einvoice {
namespace {

std::string Read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(RuleInvoicesTest, EachFileRaisesExactlyItsOfficialRules) {
  int files = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(RATHAUS_RULE_INVOICES_DIR)) {
    if (entry.path().extension() != ".xml") continue;
    ++files;
    const std::string name = entry.path().stem().string();
    const std::string rule = name.substr(0, name.find('~'));
    const std::string text = Read(entry.path());
    // expect-fatal: the whole official verdict. expect-fatal-syntax: the verdict of the
    // syntax-binding pattern alone (reference.sh ... syntax), for invoices on which the whole
    // official XSLT stops with an XPath error in another pattern; only our syntax-binding
    // findings (UBL-SR/DT/CR, CII-SR/DT) are compared then.
    const std::string whole = "<!-- expect-fatal:", syntax_only = "<!-- expect-fatal-syntax:";
    size_t at = text.find(whole);
    size_t skip = whole.size();
    const bool only_syntax = at == std::string::npos;
    if (only_syntax) {
      at = text.find(syntax_only);
      skip = syntax_only.size();
    }
    ASSERT_NE(at, std::string::npos) << entry.path() << ": no expect-fatal comment";
    const size_t end = text.find("-->", at);
    std::set<std::string> expected;
    for (absl::string_view id : absl::StrSplit(text.substr(at + skip, end - at - skip), ' ',
                                               absl::SkipWhitespace())) {
      expected.insert(std::string(id));
    }
    EXPECT_TRUE(expected.contains(rule)) << entry.path() << ": named after a rule it does not expect";
    Report r = Validate(text, entry.path().filename().string());
    std::set<std::string> fatal;
    for (const Finding& f : r.errors) {
      const bool syntax_rule = f.rule.starts_with("UBL-SR") || f.rule.starts_with("UBL-DT") ||
                               f.rule.starts_with("UBL-CR") || f.rule.starts_with("CII-SR") ||
                               f.rule.starts_with("CII-DT");
      if (!only_syntax || syntax_rule) fatal.insert(f.rule);
    }
    EXPECT_EQ(fatal, expected) << entry.path() << "\n" << ReportToText(r);
  }
  std::cout << files << " rule invoices\n";
}

}  // namespace
}  // namespace rathaus::einvoice
