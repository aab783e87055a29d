// E-invoice validation throughput (Google Benchmark): parse + EN 16931/XRechnung rules + verdict,
// one core, on the official test-suite invoices in ../shared/testdata/einvoice/valid (the file
// of median size and the largest) and on a generated invoice with 10,000 lines. With
// --peak-memory FILE|lines:N it instead validates once and prints the process's peak resident
// memory against the file size (scripts/bench.sh runs that in a fresh process per case).
//
//   rathaus-bench-einvoice CORPUS_DIR [--benchmark_* flags]
//   rathaus-bench-einvoice CORPUS_DIR --peak-memory median|largest|lines:10000
//   rathaus-bench-einvoice CORPUS_DIR --write-generated 13900 invoice.xml   (about 20 MiB)
//   rathaus-bench-einvoice CORPUS_DIR --time-files N FILE...   (per file: mean microseconds of
//       N validations after one warm-up, in this process; scripts/bench-einvoice-saxon.sh)
#include <sys/resource.h>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "domain/validator.h"

namespace {

namespace fs = std::filesystem;
using rathaus::einvoice::Report;
using rathaus::einvoice::Validate;

std::string corpus_dir;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Valid corpus files by size, smallest first.
std::vector<fs::path> BySize() {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(corpus_dir) / "valid")) {
    if (e.path().extension() == ".xml") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) { return fs::file_size(a) < fs::file_size(b); });
  return files;
}

// The official 01.01a invoice (UBL, or CII with `cii`) with one of its lines repeated `lines` times
// (ids 1..N). The totals are left as they are, so the rules that add the lines up fire: every
// rule still runs.
std::string GeneratedInvoice(int lines, bool cii = false) {
  const std::string base =
      ReadFile(fs::path(corpus_dir) / (cii ? "valid/01.01a-INVOICE_uncefact.xml" : "valid/01.01a-INVOICE_ubl.xml"));
  const std::string open = cii ? "<ram:IncludedSupplyChainTradeLineItem>" : "<cac:InvoiceLine>";
  const std::string close = cii ? "</ram:IncludedSupplyChainTradeLineItem>" : "</cac:InvoiceLine>";
  const std::string id_open = cii ? "<ram:LineID>" : "<cbc:ID>";
  const std::string id_close = cii ? "</ram:LineID>" : "</cbc:ID>";
  const size_t begin = base.find(open);
  const size_t end = base.rfind(close) + close.size();
  // UBL: the first line; CII: the last (its first carries a long note: 10,000 of them would pass
  // the 20 MiB limit).
  const size_t from = cii ? base.rfind(open) : begin;
  const size_t to = base.find(close, from) + close.size();
  const std::string line = base.substr(from, to - from);
  const size_t id_at = line.find(id_open);
  const size_t id_end = line.find(id_close, id_at);
  std::string out = base.substr(0, begin);
  out.reserve(base.size() + lines * line.size());
  for (int i = 1; i <= lines; ++i) {
    out.append(line, 0, id_at + id_open.size());
    absl::StrAppend(&out, i);
    out.append(line, id_end, std::string::npos);
    out += "\n";
  }
  out += base.substr(end);
  return out;
}

void Run(benchmark::State& state, const std::string& bytes, const std::string& name) {
  Report report;
  for (auto _ : state) {
    report = Validate(bytes, name);
    benchmark::DoNotOptimize(report);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * bytes.size());
  state.SetItemsProcessed(state.iterations());
  state.counters["file_KiB"] = bytes.size() / 1024.0;
  state.counters["fatal_findings"] = report.errors.size();
  state.SetLabel(name);
}

int PeakMemory(const std::string& which) {
  std::string bytes, name = which;
  const auto files = BySize();
  int lines = 0;
  if (which == "median") {
    bytes = ReadFile(files[files.size() / 2]);
    name = files[files.size() / 2].filename();
  } else if (which == "largest") {
    bytes = ReadFile(files.back());
    name = files.back().filename();
  } else if (which.rfind("lines:", 0) == 0 && absl::SimpleAtoi(which.substr(6), &lines)) {
    bytes = GeneratedInvoice(lines);
  } else if (which.rfind("cii-lines:", 0) == 0 && absl::SimpleAtoi(which.substr(10), &lines)) {
    bytes = GeneratedInvoice(lines, /*cii=*/true);
  } else {
    std::fprintf(stderr, "--peak-memory median|largest|lines:N|cii-lines:N\n");
    return 2;
  }
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  Report r = Validate(bytes, name);
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  const double file_mib = bytes.size() / 1048576.0;
  const double peak_mib = after.ru_maxrss / 1024.0;
  const double growth_mib = (after.ru_maxrss - before.ru_maxrss) / 1024.0;
  std::printf("peak memory %-40s file %8.2f MiB  process peak %7.1f MiB  growth while validating "
              "%7.1f MiB = %.1fx the file  (verdict %s)\n",
              name.c_str(), file_mib, peak_mib, growth_mib, growth_mib / file_mib,
              r.accepted() ? "accept" : "reject");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: rathaus-bench-einvoice CORPUS_DIR [--peak-memory WHICH]\n");
    return 2;
  }
  corpus_dir = argv[1];
  if (argc == 4 && std::string(argv[2]) == "--peak-memory") return PeakMemory(argv[3]);
  int runs = 0;
  if (argc >= 5 && std::string(argv[2]) == "--time-files" && absl::SimpleAtoi(argv[3], &runs) &&
      runs > 0) {
    for (int i = 4; i < argc; ++i) {
      const std::string text = ReadFile(argv[i]);
      Report warm = Validate(text, argv[i]);
      benchmark::DoNotOptimize(warm);
      const auto start = std::chrono::steady_clock::now();
      for (int r = 0; r < runs; ++r) {
        Report report = Validate(text, argv[i]);
        benchmark::DoNotOptimize(report);
      }
      const std::chrono::duration<double, std::micro> took = std::chrono::steady_clock::now() - start;
      std::printf("%s %.1f\n", fs::path(argv[i]).filename().c_str(), took.count() / runs);
    }
    return 0;
  }
  int lines = 0;
  if ((argc == 5 || argc == 6) && std::string(argv[2]) == "--write-generated" &&
      absl::SimpleAtoi(argv[3], &lines)) {
    // The generated invoice of N lines into a file (scripts/bench-einvoice-memory.sh uploads it;
    // scripts/bench-einvoice.sh times the command on it). A sixth argument `cii` makes it CII.
    std::ofstream(argv[4], std::ios::binary)
        << GeneratedInvoice(lines, argc == 6 && std::string(argv[5]) == "cii");
    return 0;
  }
  const auto files = BySize();
  if (files.empty()) {
    std::fprintf(stderr, "no valid/*.xml in %s\n", corpus_dir.c_str());
    return 2;
  }
  static const std::string median = ReadFile(files[files.size() / 2]);
  static const std::string largest = ReadFile(files.back());
  static const std::string generated = GeneratedInvoice(10000);
  static const std::string generated_cii = GeneratedInvoice(10000, /*cii=*/true);
  static const std::string median_name = files[files.size() / 2].filename();
  static const std::string largest_name = files.back().filename();
  benchmark::RegisterBenchmark("validate/median", [](benchmark::State& s) { Run(s, median, median_name); });
  benchmark::RegisterBenchmark("validate/largest", [](benchmark::State& s) { Run(s, largest, largest_name); });
  benchmark::RegisterBenchmark("validate/10000-lines", [](benchmark::State& s) {
    Run(s, generated, "generated 10,000-line UBL invoice");
  })->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("validate/10000-lines-cii", [](benchmark::State& s) {
    Run(s, generated_cii, "generated 10,000-line CII invoice");
  })->Unit(benchmark::kMillisecond);
  // The whole corpus, one file after another: the average invoice of the test suite.
  static std::vector<std::string> all;
  for (const auto& f : files) all.push_back(ReadFile(f));
  benchmark::RegisterBenchmark("validate/corpus-round-robin", [](benchmark::State& s) {
    size_t i = 0, bytes = 0;
    for (auto _ : s) {
      const std::string& doc = all[i++ % all.size()];
      bytes += doc.size();
      benchmark::DoNotOptimize(Validate(doc, "corpus"));
    }
    s.SetBytesProcessed(static_cast<int64_t>(bytes));
    s.SetItemsProcessed(s.iterations());
  });
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
