#include "domain/validator.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "domain/model.h"
#include "domain/rules.h"

namespace rathaus::einvoice {

Report Validate(std::string_view bytes, std::string_view file_name, const XmlLimits& limits) {
  return Examine(bytes, file_name, limits).report;
}

std::string InvoiceDigest::DuplicateKey() const {
  if (number.empty() || issue_date.empty()) return "";
  std::string seller = seller_vat_id.empty() ? absl::StrCat("name:", absl::AsciiStrToLower(seller_name))
                                             : absl::StrCat("vat:", absl::AsciiStrToUpper(seller_vat_id));
  // Unit separators keep "A|B" + "C" apart from "A" + "B|C".
  return absl::StrCat(seller, "\x1f", number, "\x1f", issue_date);
}

Examination Examine(std::string_view bytes, std::string_view file_name, const XmlLimits& limits) {
  Examination out;
  Report& report = out.report;
  report.file = std::string(file_name);
  absl::StatusOr<XmlDocument> doc = ParseXml(bytes, limits);
  if (!doc.ok()) {
    report.errors.push_back(
        Finding{"XML-PARSE", Severity::kFatal, std::string(doc.status().message()), "/"});
    return out;
  }
  Syntax syntax = DetectSyntax(*doc->root());
  if (syntax == Syntax::kUnknown) {
    report.errors.push_back(Finding{"XML-PARSE", Severity::kFatal,
                                    "unsupported document: the root element is not a UBL 2.1 "
                                    "Invoice or CreditNote nor a CII D16B CrossIndustryInvoice",
                                    doc->root()->Path()});
    return out;
  }
  report.syntax = syntax;
  absl::StatusOr<Invoice> invoice = ReadInvoice(*doc);
  if (!invoice.ok()) {
    // Schema violations come as "<location>\t<message>", or "<location>\t<message>\t<rule>"
    // when an official rule names the violation.
    std::string full(invoice.status().message());
    std::string_view msg = full;
    size_t tab = msg.find('\t');
    std::string location = tab == std::string_view::npos ? "/" : std::string(msg.substr(0, tab));
    std::string_view rest = tab == std::string_view::npos ? msg : msg.substr(tab + 1);
    std::string rule = "XML-SCHEMA";
    if (size_t second = rest.find('\t'); second != std::string_view::npos) {
      rule = std::string(rest.substr(second + 1));
      rest = rest.substr(0, second);
    }
    report.errors.push_back(Finding{rule, Severity::kFatal, std::string(rest), location});
    if (rule != "XML-SCHEMA") ObserveRule(rule, true);
    return out;
  }
  std::vector<Finding> findings = RunRules(*invoice);
  ApplyScenario(invoice->profile, invoice->syntax, &findings);
  for (Finding& f : findings) {
    (f.severity == Severity::kFatal ? report.errors : report.warnings).push_back(std::move(f));
  }
  const Invoice& inv = *invoice;
  InvoiceDigest& d = out.digest.emplace();
  d.number = inv.number.Normalized();
  d.issue_date = inv.issue_date.Normalized();
  d.type_code = inv.type_code.Normalized();
  d.currency = inv.currency.Normalized();
  d.payable_amount = inv.payable.Normalized();
  d.seller_name = inv.seller.name.Normalized();
  d.seller_vat_id = inv.seller.vat_ids.empty() ? "" : NormalizeSpace(inv.seller.vat_ids.front());
  d.buyer_name = inv.buyer.name.Normalized();
  d.buyer_reference = inv.buyer_reference.Normalized();
  return out;
}

}  // namespace rathaus::einvoice
