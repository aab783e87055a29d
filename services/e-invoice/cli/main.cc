// rathaus-e-invoice validate [--json] FILE...
//
// The command-line part of rathaus-e-invoice (main.cc starts the service when no command is
// given, or with `serve`). Validates XRechnung / EN 16931 invoices (UBL 2.1, CII D16B). Exit code 0 when every file is
// accepted, 1 when any is rejected (or cannot be read), 2 on a usage error.
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "domain/validator.h"

namespace {

constexpr char kUsage[] =
    "usage: rathaus-e-invoice validate [--json] FILE...\n"
    "       rathaus-e-invoice [serve]       (the gRPC service; configured by RATHAUS_* variables)\n";

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

}  // namespace

namespace rathaus::einvoice {

int RunCli(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] != "validate") {
    std::cerr << kUsage;
    return 2;
  }
  bool json = false;
  std::vector<std::string> files;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--json") {
      json = true;
    } else if (args[i] == "--help" || args[i] == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (args[i].size() > 1 && args[i][0] == '-' && args[i] != "-") {
      std::cerr << "unknown option " << args[i] << "\n" << kUsage;
      return 2;
    } else {
      files.push_back(args[i]);
    }
  }
  if (files.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  bool all_accepted = true;
  for (const std::string& file : files) {
    std::string bytes;
    rathaus::einvoice::Report report;
    if (!ReadFile(file, &bytes)) {
      report.file = file;
      report.errors.push_back({"IO", rathaus::einvoice::Severity::kFatal, "cannot read file", ""});
    } else {
      report = rathaus::einvoice::Validate(bytes, file);
    }
    all_accepted = all_accepted && report.accepted();
    if (json) {
      std::cout << rathaus::einvoice::ReportToJson(report) << "\n";
    } else {
      std::cout << rathaus::einvoice::ReportToText(report);
    }
  }
  return all_accepted ? 0 : 1;
}

}  // namespace rathaus::einvoice
