// Findings, verdicts and their JSON / text rendering.
//
//   Report r = Validate(bytes, "invoice.xml");
//   std::cout << ReportToJson(r) << "\n";     // one line: {"file":...,"verdict":"reject",...}
//   if (!r.accepted()) return 1;
#pragma once

#include <string>
#include <vector>

#include "domain/model.h"

namespace rathaus::einvoice {

enum class Severity { kFatal, kWarning, kInformation };

struct Finding {
  std::string rule;      // e.g. "BR-CO-15", "XML-PARSE"
  Severity severity = Severity::kFatal;
  std::string message;
  std::string location;  // XPath of the offending element
};

struct Report {
  std::string file;
  Syntax syntax = Syntax::kUnknown;
  std::vector<Finding> errors;
  std::vector<Finding> warnings;
  bool accepted() const { return errors.empty(); }
};

std::string ReportToJson(const Report& report);
std::string ReportToText(const Report& report);

}  // namespace rathaus::einvoice
