#include "domain/view.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "domain/model.h"
#include "domain/xml.h"

namespace rathaus::einvoice {
namespace {

// Table rows of label and value; empty values are left out.
class Rows {
 public:
  void Add(std::string_view label, std::string_view value) {
    if (value.empty()) return;
    absl::StrAppend(&html_, "<tr><th scope=\"row\">", HtmlEscape(label), "</th><td>",
                    HtmlEscape(value), "</td></tr>\n");
  }
  std::string Table(std::string_view caption) const {
    if (html_.empty()) return "";
    return absl::StrCat("<table><caption>", HtmlEscape(caption), "</caption>\n", html_,
                        "</table>\n");
  }

 private:
  std::string html_;
};

std::string Cells(const std::vector<std::string>& values, bool header) {
  std::string out = "<tr>";
  for (const std::string& v : values) {
    absl::StrAppend(&out, header ? "<th scope=\"col\">" : "<td>", HtmlEscape(v),
                    header ? "</th>" : "</td>");
  }
  return out + "</tr>\n";
}

std::string PartyTable(std::string_view caption, const Party& p) {
  Rows rows;
  rows.Add("Name", p.name.Normalized());
  for (const std::string& vat : p.vat_ids) rows.Add("USt-IdNr.", NormalizeSpace(vat));
  rows.Add("PLZ", p.post_code.Normalized());
  rows.Add("Ort", p.city.Normalized());
  rows.Add("Land", p.country.Normalized());
  rows.Add("Kontakt", p.contact_name.Normalized());
  rows.Add("Telefon", p.phone.Normalized());
  rows.Add("E-Mail", p.email.Normalized());
  return rows.Table(caption);
}

std::string VatText(const VatCategory& vat) {
  std::string code = vat.Code();
  std::string rate = vat.rate.Normalized();
  if (code.empty()) return "";
  return rate.empty() ? code : absl::StrCat(code, " ", rate, " %");
}

std::string FindingsTable(std::string_view caption, const std::vector<Finding>& findings) {
  if (findings.empty()) return "";
  std::string out = absl::StrCat("<table><caption>", HtmlEscape(caption), "</caption>\n",
                                 Cells({"Regel", "Meldung", "Stelle"}, true));
  for (const Finding& f : findings) out += Cells({f.rule, f.message, f.location}, false);
  return out + "</table>\n";
}

constexpr char kStyle[] =
    "body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1b1b1b;max-width:70rem}"
    "table{border-collapse:collapse;margin:0 0 1.5rem;width:100%}"
    "caption{text-align:left;font-weight:700;font-size:1.1rem;padding:.4rem 0}"
    "th,td{border:1px solid #8a8a8a;padding:.3rem .5rem;text-align:left;vertical-align:top}"
    "th{background:#eef0f3}.verdict-reject{color:#a00000}.verdict-accept{color:#005a1e}"
    ".num{text-align:right}";

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string RenderInvoiceHtml(std::string_view original, const Report& report,
                              const ViewHeader& header) {
  absl::StatusOr<XmlDocument> doc = ParseXml(original, XmlLimits{});
  absl::StatusOr<Invoice> inv = doc.ok() ? ReadInvoice(*doc)
                                         : absl::StatusOr<Invoice>(doc.status());
  const std::string number = inv.ok() ? inv->number.Normalized() : "";
  std::string html = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"de\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>Rechnung ", HtmlEscape(number.empty() ? header.id : number), "</title><style>",
      kStyle, "</style></head>\n<body><main>\n<h1>Rechnung ", HtmlEscape(number), "</h1>\n");
  const bool accepted = report.accepted();
  absl::StrAppend(&html, "<p class=\"verdict-", accepted ? "accept" : "reject", "\">Prüfergebnis: ",
                  accepted ? "angenommen" : "abgelehnt", " (", report.errors.size(), " Fehler, ",
                  report.warnings.size(), " Warnungen)</p>\n");
  Rows meta;
  meta.Add("Vorgang", header.id);
  meta.Add("Status", header.status);
  meta.Add("Fachamt", header.department);
  meta.Add("Eingang", header.received_at);
  meta.Add("Datei", header.filename);
  meta.Add("Syntax", SyntaxName(report.syntax));
  if (inv.ok()) {
    meta.Add("Rechnungsnummer (BT-1)", inv->number.Normalized());
    meta.Add("Rechnungsdatum (BT-2)", inv->issue_date.Normalized());
    meta.Add("Rechnungsart (BT-3)", inv->type_code.Normalized());
    meta.Add("Währung (BT-5)", inv->currency.Normalized());
    meta.Add("Leitweg-ID (BT-10)", inv->buyer_reference.Normalized());
    meta.Add("Spezifikation (BT-24)", inv->specification_id.Normalized());
  }
  html += meta.Table("Übersicht");
  if (inv.ok()) {
    html += PartyTable("Verkäufer", inv->seller);
    html += PartyTable("Käufer", inv->buyer);
    if (!inv->lines.empty()) {
      absl::StrAppend(&html, "<table><caption>Positionen (", inv->lines.size(), ")</caption>\n",
                      Cells({"Pos.", "Bezeichnung", "Menge", "Einheit", "Preis netto",
                             "Betrag netto", "USt"},
                            true));
      for (const Line& line : inv->lines) {
        const std::string_view* unit = line.unit_code_owner.Attr("unitCode");
        html += Cells({line.id.Normalized(), line.item_name.Normalized(),
                       line.quantity.Normalized(), unit ? std::string(*unit) : "", line.net_price.Normalized(),
                       line.net_amount.Normalized(), VatText(line.vat)},
                      false);
      }
      html += "</table>\n";
    }
    Rows totals;
    totals.Add("Summe Positionen (BT-106)", inv->line_total.Normalized());
    totals.Add("Nachlässe (BT-107)", inv->allowance_total.Normalized());
    totals.Add("Zuschläge (BT-108)", inv->charge_total.Normalized());
    totals.Add("Gesamt netto (BT-109)", inv->tax_exclusive.Normalized());
    for (const XmlNode* tax : inv->tax_totals) totals.Add("Umsatzsteuer (BT-110)", NormalizeSpace(tax->text()));
    totals.Add("Gesamt brutto (BT-112)", inv->tax_inclusive.Normalized());
    totals.Add("Vorauszahlung (BT-113)", inv->prepaid.Normalized());
    totals.Add("Rundung (BT-114)", inv->rounding.Normalized());
    totals.Add("Zahlbetrag (BT-115)", inv->payable.Normalized());
    html += totals.Table("Summen");
    if (!inv->breakdowns.empty()) {
      html += absl::StrCat("<table><caption>Umsatzsteuer-Aufschlüsselung</caption>\n",
                           Cells({"Kategorie", "Satz", "Bemessungsgrundlage", "Steuer",
                                  "Befreiungsgrund"},
                                 true));
      for (const VatBreakdown& b : inv->breakdowns) {
        html += Cells({b.vat.Code(), b.vat.rate.Normalized(), b.taxable.Normalized(),
                       b.tax.Normalized(), b.vat.exemption_reason.Normalized()},
                      false);
      }
      html += "</table>\n";
    }
  } else {
    html += "<p>Die Datei lässt sich nicht als Rechnung lesen; siehe die Fehler unten.</p>\n";
  }
  html += FindingsTable("Fehler", report.errors);
  html += FindingsTable("Warnungen", report.warnings);
  html += "</main></body></html>\n";
  return html;
}

}  // namespace rathaus::einvoice
