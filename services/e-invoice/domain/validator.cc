#include "domain/validator.h"

#include "absl/status/status.h"
#include "domain/model.h"
#include "domain/rules.h"

namespace rathaus::einvoice {

Report Validate(std::string_view bytes, std::string_view file_name, const XmlLimits& limits) {
  Report report;
  report.file = std::string(file_name);
  absl::StatusOr<XmlDocument> doc = ParseXml(bytes, limits);
  if (!doc.ok()) {
    report.errors.push_back(
        Finding{"XML-PARSE", Severity::kFatal, std::string(doc.status().message()), "/"});
    return report;
  }
  Syntax syntax = DetectSyntax(*doc->root());
  if (syntax == Syntax::kUnknown) {
    report.errors.push_back(Finding{"XML-PARSE", Severity::kFatal,
                                    "unsupported document: the root element is not a UBL 2.1 "
                                    "Invoice or CreditNote nor a CII D16B CrossIndustryInvoice",
                                    doc->root()->Path()});
    return report;
  }
  report.syntax = syntax;
  absl::StatusOr<Invoice> invoice = ReadInvoice(*doc);
  if (!invoice.ok()) {
    // Schema violations come as "<location>\t<message>".
    std::string full(invoice.status().message());
    std::string_view msg = full;
    size_t tab = msg.find('\t');
    std::string location = tab == std::string_view::npos ? "/" : std::string(msg.substr(0, tab));
    std::string text = std::string(tab == std::string_view::npos ? msg : msg.substr(tab + 1));
    report.errors.push_back(Finding{"XML-SCHEMA", Severity::kFatal, text, location});
    return report;
  }
  std::vector<Finding> findings = RunRules(*invoice);
  ApplyScenario(invoice->profile, invoice->syntax, &findings);
  for (Finding& f : findings) {
    (f.severity == Severity::kFatal ? report.errors : report.warnings).push_back(std::move(f));
  }
  return report;
}

}  // namespace rathaus::einvoice
