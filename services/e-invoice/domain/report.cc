#include "domain/report.h"

#include "domain/strings.h"
#include "absl/strings/str_format.h"

namespace rathaus::einvoice {
namespace {

void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (c < 0x20) {
          absl::StrAppendFormat(out, "\\u%04x", c);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

void AppendFindings(std::string* out, const std::vector<Finding>& findings) {
  out->push_back('[');
  for (size_t i = 0; i < findings.size(); ++i) {
    const Finding& f = findings[i];
    if (i > 0) out->push_back(',');
    out->append("{\"rule\":");
    AppendJsonString(out, f.rule);
    out->append(",\"severity\":");
    AppendJsonString(out, f.severity == Severity::kFatal ? "fatal" : "warning");
    out->append(",\"message\":");
    AppendJsonString(out, f.message);
    out->append(",\"location\":");
    AppendJsonString(out, f.location);
    out->push_back('}');
  }
  out->push_back(']');
}

}  // namespace

std::string ReportToJson(const Report& r) {
  std::string out = "{\"file\":";
  AppendJsonString(&out, r.file);
  out.append(",\"syntax\":");
  AppendJsonString(&out, SyntaxName(r.syntax));
  out.append(",\"verdict\":");
  AppendJsonString(&out, r.accepted() ? "accept" : "reject");
  out.append(",\"errors\":");
  AppendFindings(&out, r.errors);
  out.append(",\"warnings\":");
  AppendFindings(&out, r.warnings);
  out.push_back('}');
  return out;
}

std::string ReportToText(const Report& r) {
  std::string out = Cat(r.file, ": ", r.accepted() ? "ACCEPT" : "REJECT", " (",
                                 SyntaxName(r.syntax), ", ", r.errors.size(), " errors, ",
                                 r.warnings.size(), " warnings)\n");
  for (const Finding& f : r.errors) {
    out += Cat("  error   ", f.rule, "  ", f.message, "\n          at ", f.location,
                    "\n");
  }
  for (const Finding& f : r.warnings) {
    out += Cat("  warning ", f.rule, "  ", f.message, "\n          at ", f.location,
                    "\n");
  }
  return out;
}

}  // namespace rathaus::einvoice
