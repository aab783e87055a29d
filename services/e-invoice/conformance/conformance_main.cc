// Conformance run over the reference corpus: for every file listed in expected.tsv, compare the
// verdict and the sets of fatal and warning rule ids with the reference. Prints each disagreement
// and a summary; fails when any file disagrees.
//
// Rule ids starting with "RATHAUS-" are our own checks beyond the official rules (e.g. the
// Leitweg-ID warning RATHAUS-LEITWEG-ID). The reference corpus was made with the official rules
// only, so these ids are left out of the comparison; they never change a verdict.
//
//   rathaus-e-invoice-conformance ../shared/testdata/einvoice
#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "domain/validator.h"

namespace {

std::set<std::string> Ids(const std::string& csv) {
  std::set<std::string> out;
  for (absl::string_view s : absl::StrSplit(csv, ',', absl::SkipEmpty())) out.insert(std::string(s));
  return out;
}

// Our own checks, not part of the reference (see the file comment).
bool IsOwnRule(const std::string& rule) { return rule.rfind("RATHAUS-", 0) == 0; }

}  // namespace

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : "";
  if (dir.empty()) {
    if (const char* env = std::getenv("RATHAUS_EINVOICE_CORPUS")) dir = env;
  }
  if (dir.empty()) {
    std::cerr << "usage: rathaus-e-invoice-conformance CORPUS_DIR\n";
    return 2;
  }
  std::ifstream tsv(dir + "/expected.tsv");
  if (!tsv) {
    std::cerr << "cannot read " << dir << "/expected.tsv\n";
    return 2;
  }
  std::string line;
  std::getline(tsv, line);  // header
  int files = 0, verdict_ok = 0, fatal_ok = 0, all_ok = 0;
  double seconds = 0;
  while (std::getline(tsv, line)) {
    if (line.empty()) continue;
    std::vector<std::string> cols = absl::StrSplit(line, '\t');
    if (cols.size() < 5) continue;
    ++files;
    std::ifstream in(dir + "/" + cols[0], std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string bytes = ss.str();
    auto start = std::chrono::steady_clock::now();
    rathaus::einvoice::Report r = rathaus::einvoice::Validate(bytes, cols[0]);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::set<std::string> fatal, warn;
    for (const auto& f : r.errors) {
      if (!IsOwnRule(f.rule)) fatal.insert(f.rule);
    }
    for (const auto& f : r.warnings) {
      if (!IsOwnRule(f.rule)) warn.insert(f.rule);
    }
    std::string verdict = r.accepted() ? "accept" : "reject";
    std::set<std::string> want_fatal = Ids(cols[3]), want_warn = Ids(cols[4]);
    bool v = verdict == cols[2];
    bool f = v && fatal == want_fatal;
    bool w = f && warn == want_warn;
    verdict_ok += v;
    fatal_ok += f;
    all_ok += w;
    if (!w) {
      std::cout << "MISMATCH " << cols[0] << "\n  expected: " << cols[2] << " fatal={"
                << absl::StrJoin(want_fatal, ",") << "} warnings={" << absl::StrJoin(want_warn, ",")
                << "}\n  got:      " << verdict << " fatal={" << absl::StrJoin(fatal, ",")
                << "} warnings={" << absl::StrJoin(warn, ",") << "}\n";
    }
  }
  std::cout << "files=" << files << " verdict=" << verdict_ok << " verdict+fatal=" << fatal_ok
            << " verdict+fatal+warnings=" << all_ok << " validation_seconds=" << seconds
            << " files_per_second=" << (seconds > 0 ? files / seconds : 0) << "\n";
  return all_ok == files ? 0 : 1;
}
