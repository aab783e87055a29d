// The clerks' HTML view of one invoice: what it is, who sent it to whom, its lines, totals and
// VAT breakdown, and the validation findings, rendered from the stored original (re-read with
// the same safe parser) so the view always shows what the supplier sent. Every text from the
// invoice is HTML-escaped; the page has no script (the gateway serves it under a CSP that
// allows none).
//
//   ViewHeader header{.id = id, .status = "ROUTED", .department = "tiefbauamt"};
//   std::string html = RenderInvoiceHtml(original_bytes, report, header);
#pragma once

#include <string>
#include <string_view>

#include "domain/report.h"

namespace rathaus::einvoice {

struct ViewHeader {
  std::string id;
  std::string status;
  std::string department;
  std::string received_at;
  std::string filename;
};

std::string RenderInvoiceHtml(std::string_view original, const Report& report,
                              const ViewHeader& header);

// & < > " ' escaped, for text and attribute values.
std::string HtmlEscape(std::string_view text);

}  // namespace rathaus::einvoice
