// Rule coverage against the official rule catalogue (domain/rules-catalogue.tsv, generated from
// the CEN and XRechnung Schematron by official/generate.py). Validates every .xml file under the
// given folders with a rule observer set and counts, per syntax, the official fatal rules that
//   - were evaluated on at least one invoice ("implemented": a check exists and a test invoice
//     reaches it; a check no test invoice reaches does not count), and
//   - fired on at least one invoice ("tested"; a rule that cannot fire, marked never-fires or
//     shadowed in the catalogue, counts as tested once evaluated).
// It prints `einvoice rules: UBL a/n fatal implemented, b/n tested` for each syntax, and compares
// the fatal rules never evaluated with the gaps file: one missing that the file does not list (a
// regression, or a new official rule) or one listed that is evaluated now (a stale list) fails.
//
//   rathaus-e-invoice-coverage CATALOGUE GAPS DIR...           # check
//   rathaus-e-invoice-coverage --write-gaps CATALOGUE GAPS DIR...
//   rathaus-e-invoice-coverage --list-untested CATALOGUE GAPS DIR...  # also names the rules
//                                                                    # no test invoice fires
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "domain/rules.h"
#include "domain/validator.h"

namespace {

using rathaus::einvoice::Syntax;

std::set<std::string> g_evaluated, g_fired;

void Observe(std::string_view rule, bool failed) {
  g_evaluated.emplace(rule);
  if (failed) g_fired.emplace(rule);
}

std::string Read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const bool list_untested = !args.empty() && args[0] == "--list-untested";
  if (list_untested) args.erase(args.begin());
  const bool write = !args.empty() && args[0] == "--write-gaps";
  if (write) args.erase(args.begin());
  if (args.size() < 3) {
    std::cerr << "usage: rathaus-e-invoice-coverage [--list-untested] [--write-gaps] CATALOGUE GAPS DIR...\n";
    return 2;
  }
  // syntax ("ubl"/"cii") -> official fatal rules
  std::map<std::string, std::set<std::string>> fatal;
  // Rules that can never fire (official test true(), or shadowed by an earlier rule of their
  // pattern): evaluating them is their test.
  std::map<std::string, std::set<std::string>> inert;
  std::ifstream catalogue(args[0]);
  if (!catalogue) {
    std::cerr << "cannot read " << args[0] << "\n";
    return 2;
  }
  for (std::string line; std::getline(catalogue, line);) {
    if (line.empty() || line[0] == '#' || line.rfind("syntax\t", 0) == 0) continue;
    std::vector<std::string> cols = absl::StrSplit(line, '\t');
    if (cols.size() >= 3 && cols[2] == "fatal") fatal[cols[0]].insert(cols[1]);
    if (cols.size() >= 5 && (cols[4] == "never-fires" || cols[4] == "shadowed")) {
      inert[cols[0]].insert(cols[1]);
    }
  }

  // Evaluated / fired, per syntax of the invoice.
  std::map<std::string, std::set<std::string>> evaluated, fired;
  int files = 0;
  rathaus::einvoice::SetRuleObserver(&Observe);
  for (size_t i = 2; i < args.size(); ++i) {
    if (!std::filesystem::is_directory(args[i])) {
      std::cerr << "not a folder: " << args[i] << "\n";
      return 2;
    }
    for (const auto& entry : std::filesystem::recursive_directory_iterator(args[i])) {
      if (entry.path().extension() != ".xml") continue;
      g_evaluated.clear();
      g_fired.clear();
      rathaus::einvoice::Report r =
          rathaus::einvoice::Validate(Read(entry.path()), entry.path().filename().string());
      const std::string syntax = r.syntax == Syntax::kCii ? "cii" : "ubl";
      if (r.syntax == Syntax::kUnknown) continue;
      evaluated[syntax].insert(g_evaluated.begin(), g_evaluated.end());
      fired[syntax].insert(g_fired.begin(), g_fired.end());
      ++files;
    }
  }
  rathaus::einvoice::SetRuleObserver(nullptr);

  std::vector<std::string> gaps;
  for (const std::string syntax : {"ubl", "cii"}) {
    int implemented = 0, tested = 0;
    for (const std::string& rule : fatal[syntax]) {
      const bool e = evaluated[syntax].contains(rule), f = fired[syntax].contains(rule);
      implemented += e || f;
      const bool t = f || (e && inert[syntax].contains(rule));
      tested += t;
      if (list_untested && !t) std::cout << "untested " << syntax << " " << rule << "\n";
      if (!e && !f) gaps.push_back(syntax + " " + rule);
    }
    std::string upper = syntax == "ubl" ? "UBL" : "CII";
    std::cout << "einvoice rules: " << upper << " " << implemented << "/" << fatal[syntax].size()
              << " fatal implemented, " << tested << "/" << fatal[syntax].size() << " tested ("
              << files << " test invoices)\n";
  }

  if (write) {
    std::ofstream out(args[1]);
    out << "# Official fatal rules that no test invoice evaluates: not implemented, or implemented\n"
           "# but reached by no test invoice (rathaus-e-invoice-coverage --write-gaps).\n";
    for (const std::string& g : gaps) out << g << "\n";
    return 0;
  }
  std::set<std::string> listed;
  std::ifstream in(args[1]);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != '#') listed.insert(line);
  }
  std::vector<std::string> missing, stale;
  for (const std::string& g : gaps) {
    if (!listed.contains(g)) missing.push_back(g);
  }
  const std::set<std::string> now(gaps.begin(), gaps.end());
  for (const std::string& l : listed) {
    if (!now.contains(l)) stale.push_back(l);
  }
  if (!missing.empty()) {
    std::cout << "not evaluated and not in the gaps file: " << absl::StrJoin(missing, ", ") << "\n";
  }
  if (!stale.empty()) {
    std::cout << "evaluated now, remove from the gaps file: " << absl::StrJoin(stale, ", ") << "\n";
  }
  std::cout << "gaps: " << gaps.size() << " (listed in " << args[1] << ")\n";
  return missing.empty() && stale.empty() ? 0 : 1;
}
