// Validation of one e-invoice: parse safely, detect the syntax, read the EN 16931 model, run the
// rules, and judge.
//
//   Report report = Validate(bytes, "RE-2024-17.xml");
//   report.accepted();   // false iff there is a fatal finding (XML-PARSE and XML-SCHEMA included)
#pragma once

#include <string_view>

#include "domain/report.h"
#include "domain/xml.h"

namespace rathaus::einvoice {

Report Validate(std::string_view bytes, std::string_view file_name,
                const XmlLimits& limits = XmlLimits{});

}  // namespace rathaus::einvoice
