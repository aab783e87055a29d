// Validation of one e-invoice: parse safely, detect the syntax, read the EN 16931 model, run the
// rules, and judge.
//
//   Report report = Validate(bytes, "RE-2024-17.xml");
//   report.accepted();   // false iff there is a fatal finding (XML-PARSE and XML-SCHEMA included)
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "domain/report.h"
#include "domain/xml.h"

namespace rathaus::einvoice {

Report Validate(std::string_view bytes, std::string_view file_name,
                const XmlLimits& limits = XmlLimits{});

// The business terms the service keeps beside the report: what duplicates are judged by
// (seller, number, issue date), what routes the invoice (BT-10) and what a clerk's list shows.
struct InvoiceDigest {
  std::string number;          // BT-1
  std::string issue_date;      // BT-2
  std::string type_code;       // BT-3
  std::string currency;        // BT-5
  std::string payable_amount;  // BT-115
  std::string seller_name;     // BT-27
  std::string seller_vat_id;   // BT-31
  std::string buyer_name;      // BT-44
  std::string buyer_reference; // BT-10, the Leitweg-ID of an XRechnung
  // "vat:<BT-31>" or "name:<BT-27>" (normalised) + number + issue date; empty when the
  // invoice lacks the number or the date (it is rejected then anyway).
  std::string DuplicateKey() const;
};

struct Examination {
  Report report;
  std::optional<InvoiceDigest> digest;  // when the EN 16931 model could be read
};

// Validate() plus the digest, from one parse.
Examination Examine(std::string_view bytes, std::string_view file_name,
                    const XmlLimits& limits = XmlLimits{});

}  // namespace rathaus::einvoice
