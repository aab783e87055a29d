#include "domain/model.h"

#include <algorithm>

#include <functional>
#include <initializer_list>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"

#include "domain/strings.h"

namespace rathaus::einvoice {
namespace {

constexpr std::string_view kXRechnung30 =
    "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0";
constexpr std::string_view kXRechnung30Extension =
    "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0#conformant#urn:"
    "xeinkauf.de:kosit:extension:xrechnung_3.0";
// XR-CVD-ID of XRechnung's common.sch (official/xrechnung): XR-CIUS-ID followed by
// '#compliant#urn:xeinkauf.de:kosit:xrechnung:cvd_' and the CVD version 0.9.
constexpr std::string_view kXRechnung30Cvd =
    "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0#compliant#urn:"
    "xeinkauf.de:kosit:xrechnung:cvd_0.9";

Term TermOf(const XmlNode* parent, Ns ns, std::string_view local) {
  Term t;
  if (parent == nullptr) return t;
  for (const XmlNode* c : parent->children()) {
    if (c->ns() == ns && c->local() == local) {
      if (t.node == nullptr) t.node = c;
      ++t.count;
    }
  }
  return t;
}

// Follows a path of single children; nullptr when any step is missing.
const XmlNode* Walk(const XmlNode* n, std::initializer_list<std::pair<Ns, std::string_view>> path) {
  for (const auto& [ns, local] : path) {
    if (n == nullptr) return nullptr;
    n = n->Child(ns, local);
  }
  return n;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

bool IsXsDate(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t' ||
                        s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\n' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  auto digits = [&](size_t n, int* out) {
    if (i + n > s.size()) return false;
    int v = 0;
    for (size_t k = 0; k < n; ++k) {
      char c = s[i + k];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    i += n;
    *out = v;
    return true;
  };
  size_t year_start = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  size_t year_len = i - year_start;
  if (year_len < 4) return false;
  int year = 0;
  for (size_t k = year_start; k < i && k < year_start + 9; ++k) year = year * 10 + (s[k] - '0');
  if (year_len > 4 && s[year_start] == '0') return false;
  int month = 0, day = 0;
  if (i >= s.size() || s[i] != '-') return false;
  ++i;
  if (!digits(2, &month)) return false;
  if (i >= s.size() || s[i] != '-') return false;
  ++i;
  if (!digits(2, &day)) return false;
  if (month < 1 || month > 12 || day < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int max_day = kDays[month - 1] + (month == 2 && IsLeap(year) ? 1 : 0);
  if (day > max_day) return false;
  if (i == s.size()) return true;
  if (s[i] == 'Z') return i + 1 == s.size();
  if (s[i] != '+' && s[i] != '-') return false;
  ++i;
  int hh = 0, mm = 0;
  if (!digits(2, &hh)) return false;
  if (i >= s.size() || s[i] != ':') return false;
  ++i;
  if (!digits(2, &mm)) return false;
  if (i != s.size() || mm > 59 || hh > 14 || (hh == 14 && mm != 0)) return false;
  return true;
}


absl::Status SchemaError(const XmlNode* n, std::string_view what) {
  return absl::FailedPreconditionError(Cat(n->Path(), "\t", what));
}

// Datatype checks for the values the rules read as numbers or dates.
absl::Status CheckDatatypes(const XmlNode* n, Syntax syntax) {
  bool leaf = n->children().empty();
  if (leaf) {
    bool numeric = false, date = false;
    if (syntax == Syntax::kCii) {
      numeric = n->ns() == Ns::kRam && (EndsWith(n->local(), "Amount") ||
                                      EndsWith(n->local(), "Quantity") ||
                                      EndsWith(n->local(), "Percent"));
    } else {
      numeric = n->ns() == Ns::kCbc &&
                (EndsWith(n->local(), "Amount") || EndsWith(n->local(), "Quantity") ||
                 n->local() == "Percent" || EndsWith(n->local(), "Numeric"));
      date = n->ns() == Ns::kCbc && EndsWith(n->local(), "Date");
    }
    if (numeric && !Decimal::Parse(n->text())) {
      return SchemaError(n, Cat("'", n->text(), "' is not an xs:decimal"));
    }
    if (date && !IsXsDate(n->text())) {
      return SchemaError(n, Cat("'", n->text(), "' is not an xs:date"));
    }
  }
  for (const XmlNode* c : n->children()) {
    absl::Status s = CheckDatatypes(c, syntax);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status AtMostOnce(const XmlNode* parent, Ns ns, std::initializer_list<std::string_view> names) {
  if (parent == nullptr) return absl::OkStatus();
  // One walk over the children for all the names (the invoice root has one child per line);
  // the error names the first name in the list that occurs twice, at its second occurrence.
  absl::InlinedVector<const XmlNode*, 8> first(names.size()), second(names.size());
  for (const XmlNode* c : parent->children()) {
    if (c->ns() != ns) continue;
    for (size_t i = 0; i < names.size(); ++i) {
      if (c->local() != names.begin()[i]) continue;
      if (first[i] == nullptr) {
        first[i] = c;
      } else if (second[i] == nullptr) {
        second[i] = c;
      }
      break;
    }
  }
  for (size_t i = 0; i < names.size(); ++i) {
    if (second[i] != nullptr) {
      return SchemaError(second[i], Cat("element ", NsPrefix(ns), ":", names.begin()[i],
                                        " may occur at most once"));
    }
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// UBL

VatCategory UblTaxCategory(const XmlNode* cat) {
  VatCategory v;
  v.node = cat;
  if (cat == nullptr) return v;
  v.code = TermOf(cat, Ns::kCbc, "ID");
  v.rate = TermOf(cat, Ns::kCbc, "Percent");
  v.exemption_reason = TermOf(cat, Ns::kCbc, "TaxExemptionReason");
  v.exemption_reason_code = TermOf(cat, Ns::kCbc, "TaxExemptionReasonCode");
  const XmlNode* scheme = Walk(cat, {{Ns::kCac, "TaxScheme"}, {Ns::kCbc, "ID"}});
  v.is_vat = scheme != nullptr && NormalizeSpace(scheme->text()) == "VAT";
  return v;
}

AllowanceCharge UblAllowanceCharge(const XmlNode* n) {
  AllowanceCharge ac;
  ac.node = n;
  ac.indicator = TermOf(n, Ns::kCbc, "ChargeIndicator");
  std::string ind = ac.indicator.Normalized();
  ac.indicator_known = ind == "true" || ind == "false" || ind == "1" || ind == "0";
  ac.is_charge = ind == "true" || ind == "1";
  ac.amount = TermOf(n, Ns::kCbc, "Amount");
  ac.base_amount = TermOf(n, Ns::kCbc, "BaseAmount");
  ac.percent = TermOf(n, Ns::kCbc, "MultiplierFactorNumeric");
  ac.reason = TermOf(n, Ns::kCbc, "AllowanceChargeReason");
  ac.reason_code = TermOf(n, Ns::kCbc, "AllowanceChargeReasonCode");
  ac.vat = UblTaxCategory(n->Child(Ns::kCac, "TaxCategory"));
  return ac;
}

Party UblParty(const XmlNode* role) {
  Party p;
  const XmlNode* party = Walk(role, {{Ns::kCac, "Party"}});
  p.node = party;
  if (party == nullptr) return p;
  const XmlNode* legal = party->Child(Ns::kCac, "PartyLegalEntity");
  p.name = TermOf(legal, Ns::kCbc, "RegistrationName");
  p.has_legal_id = legal != nullptr && legal->Child(Ns::kCbc, "CompanyID") != nullptr;
  p.address = party->Child(Ns::kCac, "PostalAddress");
  p.city = TermOf(p.address, Ns::kCbc, "CityName");
  p.post_code = TermOf(p.address, Ns::kCbc, "PostalZone");
  p.country = TermOf(Walk(p.address, {{Ns::kCac, "Country"}}), Ns::kCbc, "IdentificationCode");
  p.contact = party->Child(Ns::kCac, "Contact");
  p.contact_name = TermOf(p.contact, Ns::kCbc, "Name");
  p.phone = TermOf(p.contact, Ns::kCbc, "Telephone");
  p.email = TermOf(p.contact, Ns::kCbc, "ElectronicMail");
  for (const XmlNode* pts : party->Children(Ns::kCac, "PartyTaxScheme")) {
    const XmlNode* cid = pts->Child(Ns::kCbc, "CompanyID");
    if (cid == nullptr) continue;
    p.has_any_tax_scheme_company_id = true;
    const XmlNode* scheme = Walk(pts, {{Ns::kCac, "TaxScheme"}, {Ns::kCbc, "ID"}});
    std::string scheme_id = scheme ? NormalizeSpace(scheme->text()) : "";
    if (scheme_id == "VAT") {
      p.vat_ids.emplace_back(cid->text());
    } else {
      p.tax_reg_ids.emplace_back(cid->text());
    }
  }
  return p;
}

absl::StatusOr<Invoice> ReadUbl(const XmlNode* root, Syntax syntax) {
  Invoice inv;
  inv.syntax = syntax;
  inv.root = root;
  const bool credit = syntax == Syntax::kUblCreditNote;
  absl::Status s = AtMostOnce(
      root, Ns::kCbc,
      {"UBLVersionID", "CustomizationID", "ProfileID", "ID", "IssueDate", "DueDate",
       "InvoiceTypeCode", "CreditNoteTypeCode", "DocumentCurrencyCode", "TaxCurrencyCode",
       "BuyerReference", "AccountingCost", "TaxPointDate"});
  if (!s.ok()) return s;
  s = AtMostOnce(root, Ns::kCac,
                 {"AccountingSupplierParty", "AccountingCustomerParty", "LegalMonetaryTotal",
                  "PayeeParty", "TaxRepresentativeParty", "OrderReference"});
  if (!s.ok()) return s;

  inv.specification_id = TermOf(root, Ns::kCbc, "CustomizationID");
  inv.number = TermOf(root, Ns::kCbc, "ID");
  inv.issue_date = TermOf(root, Ns::kCbc, "IssueDate");
  inv.type_code = TermOf(root, Ns::kCbc, credit ? "CreditNoteTypeCode" : "InvoiceTypeCode");
  inv.currency = TermOf(root, Ns::kCbc, "DocumentCurrencyCode");
  inv.tax_currency = TermOf(root, Ns::kCbc, "TaxCurrencyCode");
  inv.buyer_reference = TermOf(root, Ns::kCbc, "BuyerReference");
  inv.has_preceding_invoice =
      Walk(root, {{Ns::kCac, "BillingReference"}, {Ns::kCac, "InvoiceDocumentReference"}}) !=
      nullptr;

  inv.seller = UblParty(root->Child(Ns::kCac, "AccountingSupplierParty"));
  inv.buyer = UblParty(root->Child(Ns::kCac, "AccountingCustomerParty"));
  const XmlNode* rep = root->Child(Ns::kCac, "TaxRepresentativeParty");
  inv.has_tax_representative = rep != nullptr;
  if (rep != nullptr) {
    for (const XmlNode* pts : rep->Children(Ns::kCac, "PartyTaxScheme")) {
      if (pts->Child(Ns::kCbc, "CompanyID") != nullptr) inv.tax_representative_has_vat = true;
    }
  }
  for (const XmlNode* d : root->Children(Ns::kCac, "Delivery")) {
    const XmlNode* addr = Walk(d, {{Ns::kCac, "DeliveryLocation"}, {Ns::kCac, "Address"}});
    if (addr != nullptr && inv.deliver_to_address == nullptr) {
      inv.deliver_to_address = addr;
      inv.deliver_city = TermOf(addr, Ns::kCbc, "CityName");
      inv.deliver_post_code = TermOf(addr, Ns::kCbc, "PostalZone");
      inv.deliver_country =
          TermOf(Walk(addr, {{Ns::kCac, "Country"}}), Ns::kCbc, "IdentificationCode");
    }
  }

  const XmlNode* lmt = root->Child(Ns::kCac, "LegalMonetaryTotal");
  s = AtMostOnce(lmt, Ns::kCbc,
                 {"LineExtensionAmount", "TaxExclusiveAmount", "TaxInclusiveAmount",
                  "AllowanceTotalAmount", "ChargeTotalAmount", "PrepaidAmount",
                  "PayableRoundingAmount", "PayableAmount"});
  if (!s.ok()) return s;
  inv.totals = lmt;
  inv.line_total = TermOf(lmt, Ns::kCbc, "LineExtensionAmount");
  inv.tax_exclusive = TermOf(lmt, Ns::kCbc, "TaxExclusiveAmount");
  inv.tax_inclusive = TermOf(lmt, Ns::kCbc, "TaxInclusiveAmount");
  inv.allowance_total = TermOf(lmt, Ns::kCbc, "AllowanceTotalAmount");
  inv.charge_total = TermOf(lmt, Ns::kCbc, "ChargeTotalAmount");
  inv.prepaid = TermOf(lmt, Ns::kCbc, "PrepaidAmount");
  inv.rounding = TermOf(lmt, Ns::kCbc, "PayableRoundingAmount");
  inv.payable = TermOf(lmt, Ns::kCbc, "PayableAmount");

  for (const XmlNode* tt : root->Children(Ns::kCac, "TaxTotal")) {
    s = AtMostOnce(tt, Ns::kCbc, {"TaxAmount"});
    if (!s.ok()) return s;
    inv.ubl_tax_total_groups.push_back(tt);
    if (const XmlNode* amt = tt->Child(Ns::kCbc, "TaxAmount")) inv.tax_totals.push_back(amt);
    for (const XmlNode* st : tt->Children(Ns::kCac, "TaxSubtotal")) {
      s = AtMostOnce(st, Ns::kCbc, {"TaxableAmount", "TaxAmount"});
      if (!s.ok()) return s;
      VatBreakdown b;
      b.node = st;
      b.taxable = TermOf(st, Ns::kCbc, "TaxableAmount");
      b.tax = TermOf(st, Ns::kCbc, "TaxAmount");
      const XmlNode* cat = st->Child(Ns::kCac, "TaxCategory");
      s = AtMostOnce(cat, Ns::kCbc, {"ID", "Percent"});
      if (!s.ok()) return s;
      b.vat = UblTaxCategory(cat);
      inv.breakdowns.push_back(std::move(b));
    }
  }

  for (const XmlNode* ac : root->Children(Ns::kCac, "AllowanceCharge")) {
    inv.allowances_charges.push_back(UblAllowanceCharge(ac));
  }

  for (const XmlNode* ln : root->Children(Ns::kCac, credit ? "CreditNoteLine" : "InvoiceLine")) {
    s = AtMostOnce(ln, Ns::kCbc, {"ID", "InvoicedQuantity", "CreditedQuantity",
                                  "LineExtensionAmount"});
    if (!s.ok()) return s;
    s = AtMostOnce(ln, Ns::kCac, {"Item", "Price"});
    if (!s.ok()) return s;
    Line line;
    line.node = ln;
    line.id = TermOf(ln, Ns::kCbc, "ID");
    line.quantity = TermOf(ln, Ns::kCbc, credit ? "CreditedQuantity" : "InvoicedQuantity");
    line.unit_code_owner = line.quantity;
    line.net_amount = TermOf(ln, Ns::kCbc, "LineExtensionAmount");
    const XmlNode* item = ln->Child(Ns::kCac, "Item");
    s = AtMostOnce(item, Ns::kCbc, {"Name"});
    if (!s.ok()) return s;
    line.item_name = TermOf(item, Ns::kCbc, "Name");
    const XmlNode* price = ln->Child(Ns::kCac, "Price");
    s = AtMostOnce(price, Ns::kCbc, {"PriceAmount", "BaseQuantity"});
    if (!s.ok()) return s;
    line.net_price = TermOf(price, Ns::kCbc, "PriceAmount");
    line.gross_price = TermOf(Walk(price, {{Ns::kCac, "AllowanceCharge"}}), Ns::kCbc, "BaseAmount");
    const XmlNode* ctc = item ? item->Child(Ns::kCac, "ClassifiedTaxCategory") : nullptr;
    line.has_vat = ctc != nullptr;
    line.vat = UblTaxCategory(ctc);
    for (const XmlNode* ac : ln->Children(Ns::kCac, "AllowanceCharge")) {
      line.allowances_charges.push_back(UblAllowanceCharge(ac));
    }
    line.has_sub_lines = ln->Child(Ns::kCac, "SubInvoiceLine") != nullptr;
    inv.lines.push_back(std::move(line));
  }

  for (const XmlNode* pm : root->Children(Ns::kCac, "PaymentMeans")) {
    PaymentMeans p;
    p.node = pm;
    p.code = TermOf(pm, Ns::kCbc, "PaymentMeansCode");
    const XmlNode* acct = pm->Child(Ns::kCac, "PayeeFinancialAccount");
    p.credit_transfer = acct != nullptr;
    p.account_id = TermOf(acct, Ns::kCbc, "ID");
    p.card = pm->Child(Ns::kCac, "CardAccount") != nullptr;
    const XmlNode* mandate = pm->Child(Ns::kCac, "PaymentMandate");
    p.mandate = mandate != nullptr;
    p.debited_account =
        TermOf(Walk(mandate, {{Ns::kCac, "PayerFinancialAccount"}}), Ns::kCbc, "ID");
    inv.payment_means.push_back(std::move(p));
  }
  inv.has_due_date_or_terms =
      root->Child(Ns::kCbc, "DueDate") != nullptr ||
      Walk(root, {{Ns::kCac, "PaymentTerms"}, {Ns::kCbc, "Note"}}) != nullptr;
  return inv;
}

// ---------------------------------------------------------------------------------------------
// CII

VatCategory CiiTax(const XmlNode* tax) {
  VatCategory v;
  v.node = tax;
  if (tax == nullptr) return v;
  v.code = TermOf(tax, Ns::kRam, "CategoryCode");
  v.rate = TermOf(tax, Ns::kRam, "RateApplicablePercent");
  v.exemption_reason = TermOf(tax, Ns::kRam, "ExemptionReason");
  v.exemption_reason_code = TermOf(tax, Ns::kRam, "ExemptionReasonCode");
  const XmlNode* type = tax->Child(Ns::kRam, "TypeCode");
  std::string t = type ? NormalizeSpace(type->text()) : "";
  for (char& c : t) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  v.is_vat = t == "VAT";
  return v;
}

AllowanceCharge CiiAllowanceCharge(const XmlNode* n) {
  AllowanceCharge ac;
  ac.node = n;
  ac.indicator = TermOf(n->Child(Ns::kRam, "ChargeIndicator"), Ns::kUdt, "Indicator");
  std::string ind = ac.indicator.Normalized();
  ac.indicator_known = ind == "true" || ind == "false" || ind == "1" || ind == "0";
  ac.is_charge = ind == "true" || ind == "1";
  ac.amount = TermOf(n, Ns::kRam, "ActualAmount");
  ac.base_amount = TermOf(n, Ns::kRam, "BasisAmount");
  ac.percent = TermOf(n, Ns::kRam, "CalculationPercent");
  ac.reason = TermOf(n, Ns::kRam, "Reason");
  ac.reason_code = TermOf(n, Ns::kRam, "ReasonCode");
  ac.vat = CiiTax(n->Child(Ns::kRam, "CategoryTradeTax"));
  return ac;
}

Party CiiParty(const XmlNode* party) {
  Party p;
  p.node = party;
  if (party == nullptr) return p;
  p.name = TermOf(party, Ns::kRam, "Name");
  p.has_legal_id = Walk(party, {{Ns::kRam, "SpecifiedLegalOrganization"}, {Ns::kRam, "ID"}});
  p.address = party->Child(Ns::kRam, "PostalTradeAddress");
  p.city = TermOf(p.address, Ns::kRam, "CityName");
  p.post_code = TermOf(p.address, Ns::kRam, "PostcodeCode");
  p.country = TermOf(p.address, Ns::kRam, "CountryID");
  p.contact = party->Child(Ns::kRam, "DefinedTradeContact");
  p.contact_name = TermOf(p.contact, Ns::kRam, "PersonName");
  if (!p.contact_name.Present()) p.contact_name = TermOf(p.contact, Ns::kRam, "DepartmentName");
  p.phone = TermOf(Walk(p.contact, {{Ns::kRam, "TelephoneUniversalCommunication"}}), Ns::kRam,
                   "CompleteNumber");
  p.email = TermOf(Walk(p.contact, {{Ns::kRam, "EmailURIUniversalCommunication"}}), Ns::kRam,
                   "URIID");
  for (const XmlNode* reg : party->Children(Ns::kRam, "SpecifiedTaxRegistration")) {
    for (const XmlNode* id : reg->Children(Ns::kRam, "ID")) {
      const std::string_view* scheme = id->Attribute("schemeID");
      if (scheme != nullptr && *scheme == "VA") p.vat_ids.emplace_back(id->text());
      if (scheme != nullptr && *scheme == "FC") p.tax_reg_ids.emplace_back(id->text());
    }
  }
  return p;
}

absl::StatusOr<Invoice> ReadCii(const XmlNode* root) {
  Invoice inv;
  inv.syntax = Syntax::kCii;
  inv.root = root;
  absl::Status s = AtMostOnce(root, Ns::kRsm, {"ExchangedDocumentContext", "ExchangedDocument",
                                               "SupplyChainTradeTransaction"});
  if (!s.ok()) return s;
  const XmlNode* ctx = root->Child(Ns::kRsm, "ExchangedDocumentContext");
  const XmlNode* guideline = Walk(ctx, {{Ns::kRam, "GuidelineSpecifiedDocumentContextParameter"}});
  s = AtMostOnce(guideline, Ns::kRam, {"ID"});
  if (!s.ok()) return s;
  inv.specification_id = TermOf(guideline, Ns::kRam, "ID");
  if (ctx != nullptr) {
    for (const XmlNode* g : ctx->Children(Ns::kRam, "GuidelineSpecifiedDocumentContextParameter")) {
      inv.cii_guideline_ids += g->Count(Ns::kRam, "ID");
    }
  }
  const XmlNode* doc = root->Child(Ns::kRsm, "ExchangedDocument");
  s = AtMostOnce(doc, Ns::kRam, {"ID", "TypeCode", "IssueDateTime"});
  if (!s.ok()) return s;
  inv.number = TermOf(doc, Ns::kRam, "ID");
  inv.type_code = TermOf(doc, Ns::kRam, "TypeCode");
  inv.cii_type_codes = inv.type_code.count;
  const XmlNode* issue = Walk(doc, {{Ns::kRam, "IssueDateTime"}});
  s = AtMostOnce(issue, Ns::kUdt, {"DateTimeString"});
  if (!s.ok()) return s;
  inv.issue_date = TermOf(issue, Ns::kUdt, "DateTimeString");
  if (inv.issue_date.node != nullptr) {
    const std::string_view* fmt = inv.issue_date.node->Attribute("format");
    if (fmt == nullptr || *fmt != "102") inv.issue_date = Term{};
  }

  const XmlNode* tx = root->Child(Ns::kRsm, "SupplyChainTradeTransaction");
  const XmlNode* agreement = Walk(tx, {{Ns::kRam, "ApplicableHeaderTradeAgreement"}});
  const XmlNode* delivery = Walk(tx, {{Ns::kRam, "ApplicableHeaderTradeDelivery"}});
  const XmlNode* settlement = Walk(tx, {{Ns::kRam, "ApplicableHeaderTradeSettlement"}});
  s = AtMostOnce(agreement, Ns::kRam, {"BuyerReference", "SellerTradeParty", "BuyerTradeParty",
                                       "SellerTaxRepresentativeTradeParty"});
  if (!s.ok()) return s;
  s = AtMostOnce(settlement, Ns::kRam,
                 {"InvoiceCurrencyCode", "TaxCurrencyCode",
                  "SpecifiedTradeSettlementHeaderMonetarySummation"});
  if (!s.ok()) return s;

  inv.buyer_reference = TermOf(agreement, Ns::kRam, "BuyerReference");
  inv.seller = CiiParty(agreement ? agreement->Child(Ns::kRam, "SellerTradeParty") : nullptr);
  inv.buyer = CiiParty(agreement ? agreement->Child(Ns::kRam, "BuyerTradeParty") : nullptr);
  for (const Party* p : {&inv.seller, &inv.buyer}) {
    s = AtMostOnce(p->node, Ns::kRam, {"Name", "PostalTradeAddress"});
    if (!s.ok()) return s;
    s = AtMostOnce(p->address, Ns::kRam, {"CityName", "PostcodeCode", "CountryID"});
    if (!s.ok()) return s;
  }
  const XmlNode* rep =
      agreement ? agreement->Child(Ns::kRam, "SellerTaxRepresentativeTradeParty") : nullptr;
  inv.has_tax_representative = rep != nullptr;
  if (rep != nullptr) {
    Party rp = CiiParty(rep);
    inv.tax_representative_has_vat = !rp.vat_ids.empty();
  }
  if (agreement != nullptr) {
    for (const XmlNode* d : agreement->Children(Ns::kRam, "AdditionalReferencedDocument")) {
      const XmlNode* tc = d->Child(Ns::kRam, "TypeCode");
      if (tc != nullptr && NormalizeSpace(tc->text()) == "916") {
        inv.cii_916_names += d->Count(Ns::kRam, "Name");
        inv.cii_916_attachments += d->Count(Ns::kRam, "AttachmentBinaryObject");
      }
    }
  }
  const XmlNode* ship_addr =
      Walk(delivery, {{Ns::kRam, "ShipToTradeParty"}, {Ns::kRam, "PostalTradeAddress"}});
  if (ship_addr != nullptr) {
    inv.deliver_to_address = ship_addr;
    inv.deliver_city = TermOf(ship_addr, Ns::kRam, "CityName");
    inv.deliver_post_code = TermOf(ship_addr, Ns::kRam, "PostcodeCode");
    inv.deliver_country = TermOf(ship_addr, Ns::kRam, "CountryID");
  }

  inv.currency = TermOf(settlement, Ns::kRam, "InvoiceCurrencyCode");
  inv.tax_currency = TermOf(settlement, Ns::kRam, "TaxCurrencyCode");
  inv.has_preceding_invoice =
      settlement != nullptr && settlement->Child(Ns::kRam, "InvoiceReferencedDocument") != nullptr;
  const XmlNode* sum =
      settlement ? settlement->Child(Ns::kRam, "SpecifiedTradeSettlementHeaderMonetarySummation")
                 : nullptr;
  // A second total cannot be read as the one the rules need, so it ends the reading: under the
  // official id of its cardinality rule (the official XSLT stops with an XPath error there).
  if (sum != nullptr) {
    for (const auto& [name, rule] : std::initializer_list<std::pair<std::string_view, std::string_view>>{
             {"LineTotalAmount", "CII-SR-477"}, {"ChargeTotalAmount", "CII-SR-478"},
             {"AllowanceTotalAmount", "CII-SR-479"}, {"TaxBasisTotalAmount", "CII-SR-480"},
             {"RoundingAmount", "CII-SR-481"}, {"GrandTotalAmount", "CII-SR-482"},
             {"TotalPrepaidAmount", "CII-SR-484"}, {"DuePayableAmount", "CII-SR-487"}}) {
      std::vector<const XmlNode*> found = sum->Children(Ns::kRam, name);
      if (found.size() > 1) {
        return absl::FailedPreconditionError(
            Cat(found[1]->Path(), "\t", name, " shall occur at most once in "
                "SpecifiedTradeSettlementHeaderMonetarySummation.\t", rule));
      }
    }
  }
  if (!s.ok()) return s;
  inv.totals = sum;
  inv.line_total = TermOf(sum, Ns::kRam, "LineTotalAmount");
  inv.charge_total = TermOf(sum, Ns::kRam, "ChargeTotalAmount");
  inv.allowance_total = TermOf(sum, Ns::kRam, "AllowanceTotalAmount");
  inv.tax_exclusive = TermOf(sum, Ns::kRam, "TaxBasisTotalAmount");
  inv.rounding = TermOf(sum, Ns::kRam, "RoundingAmount");
  inv.tax_inclusive = TermOf(sum, Ns::kRam, "GrandTotalAmount");
  inv.prepaid = TermOf(sum, Ns::kRam, "TotalPrepaidAmount");
  inv.payable = TermOf(sum, Ns::kRam, "DuePayableAmount");
  if (sum != nullptr) inv.tax_totals = sum->Children(Ns::kRam, "TaxTotalAmount");

  if (settlement != nullptr) {
    for (const XmlNode* t : settlement->Children(Ns::kRam, "ApplicableTradeTax")) {
      s = AtMostOnce(t, Ns::kRam, {"CalculatedAmount", "BasisAmount", "CategoryCode",
                                   "RateApplicablePercent", "TypeCode"});
      if (!s.ok()) return s;
      VatBreakdown b;
      b.node = t;
      b.taxable = TermOf(t, Ns::kRam, "BasisAmount");
      b.tax = TermOf(t, Ns::kRam, "CalculatedAmount");
      b.vat = CiiTax(t);
      inv.breakdowns.push_back(std::move(b));
    }
    for (const XmlNode* ac : settlement->Children(Ns::kRam, "SpecifiedTradeAllowanceCharge")) {
      inv.allowances_charges.push_back(CiiAllowanceCharge(ac));
    }
    bool header_direct_debit = settlement->Child(Ns::kRam, "CreditorReferenceID") != nullptr;
    for (const XmlNode* terms : settlement->Children(Ns::kRam, "SpecifiedTradePaymentTerms")) {
      header_direct_debit |= terms->Child(Ns::kRam, "DirectDebitMandateID") != nullptr;
    }
    for (const XmlNode* pm : settlement->Children(Ns::kRam,
                                                  "SpecifiedTradeSettlementPaymentMeans")) {
      PaymentMeans p;
      p.node = pm;
      p.code = TermOf(pm, Ns::kRam, "TypeCode");
      const XmlNode* acct = pm->Child(Ns::kRam, "PayeePartyCreditorFinancialAccount");
      p.credit_transfer = acct != nullptr;
      p.account_id = TermOf(acct, Ns::kRam, "IBANID");
      if (!p.account_id.Present()) p.account_id = TermOf(acct, Ns::kRam, "ProprietaryID");
      p.card = pm->Child(Ns::kRam, "ApplicableTradeSettlementFinancialCard") != nullptr;
      const XmlNode* debtor = pm->Child(Ns::kRam, "PayerPartyDebtorFinancialAccount");
      p.debited_account = TermOf(debtor, Ns::kRam, "IBANID");
      // XRechnung reads BG-19 in CII as a mandate reference (BT-89), a creditor identifier
      // (BT-90) or this payment's debited account (BT-91).
      p.mandate = header_direct_debit || p.debited_account.Present();
      p.payee_institution = pm->Child(Ns::kRam, "PayeeSpecifiedCreditorFinancialInstitution") != nullptr ||
                            pm->Child(Ns::kRam, "PayerSpecifiedDebtorFinancialInstitution") != nullptr;
      inv.payment_means.push_back(std::move(p));
    }
    for (const XmlNode* terms : settlement->Children(Ns::kRam, "SpecifiedTradePaymentTerms")) {
      if (terms->Child(Ns::kRam, "DueDateDateTime") || terms->Child(Ns::kRam, "Description")) {
        inv.has_due_date_or_terms = true;
      }
    }
  }

  if (tx != nullptr) {
    for (const XmlNode* li : tx->Children(Ns::kRam, "IncludedSupplyChainTradeLineItem")) {
      Line line;
      line.node = li;
      const XmlNode* assoc = li->Child(Ns::kRam, "AssociatedDocumentLineDocument");
      s = AtMostOnce(assoc, Ns::kRam, {"LineID"});
      if (!s.ok()) return s;
      line.id = TermOf(assoc, Ns::kRam, "LineID");
      const XmlNode* product = li->Child(Ns::kRam, "SpecifiedTradeProduct");
      s = AtMostOnce(product, Ns::kRam, {"Name"});
      if (!s.ok()) return s;
      line.item_name = TermOf(product, Ns::kRam, "Name");
      const XmlNode* lagr = li->Child(Ns::kRam, "SpecifiedLineTradeAgreement");
      const XmlNode* net = Walk(lagr, {{Ns::kRam, "NetPriceProductTradePrice"}});
      line.net_price = TermOf(net, Ns::kRam, "ChargeAmount");
      line.gross_price =
          TermOf(Walk(lagr, {{Ns::kRam, "GrossPriceProductTradePrice"}}), Ns::kRam, "ChargeAmount");
      const XmlNode* ldel = li->Child(Ns::kRam, "SpecifiedLineTradeDelivery");
      s = AtMostOnce(ldel, Ns::kRam, {"BilledQuantity"});
      if (!s.ok()) return s;
      line.quantity = TermOf(ldel, Ns::kRam, "BilledQuantity");
      line.unit_code_owner = line.quantity;
      const XmlNode* lset = li->Child(Ns::kRam, "SpecifiedLineTradeSettlement");
      const XmlNode* lsum =
          Walk(lset, {{Ns::kRam, "SpecifiedTradeSettlementLineMonetarySummation"}});
      s = AtMostOnce(lsum, Ns::kRam, {"LineTotalAmount"});
      if (!s.ok()) return s;
      line.net_amount = TermOf(lsum, Ns::kRam, "LineTotalAmount");
      const XmlNode* ltax = lset ? lset->Child(Ns::kRam, "ApplicableTradeTax") : nullptr;
      line.has_vat = ltax != nullptr;
      line.vat = CiiTax(ltax);
      if (lset != nullptr) {
        for (const XmlNode* ac : lset->Children(Ns::kRam, "SpecifiedTradeAllowanceCharge")) {
          line.allowances_charges.push_back(CiiAllowanceCharge(ac));
        }
      }
      inv.lines.push_back(std::move(line));
    }
  }
  return inv;
}

void Collect(const XmlNode* n, std::vector<const XmlNode*>* out) {
  out->push_back(n);
  for (const XmlNode* c : n->children()) Collect(c, out);
}

}  // namespace

std::string_view SyntaxName(Syntax s) {
  switch (s) {
    case Syntax::kUblInvoice: return "UBL-Invoice";
    case Syntax::kUblCreditNote: return "UBL-CreditNote";
    case Syntax::kCii: return "CII";
    case Syntax::kUnknown: return "unknown";
  }
  return "unknown";
}

Profile ProfileFor(std::string_view id) {
  std::string n = NormalizeSpace(id);
  if (n == kXRechnung30) return Profile::kXRechnung;
  if (n == kXRechnung30Extension) return Profile::kXRechnungExtension;
  if (n == kXRechnung30Cvd) return Profile::kXRechnungCvd;
  if (n == "urn:cen.eu:en16931:2017") return Profile::kEn16931;
  return Profile::kOther;
}

bool IsXRechnung(Profile p) {
  return p == Profile::kXRechnung || p == Profile::kXRechnungExtension ||
         p == Profile::kXRechnungCvd;
}

std::optional<Decimal> Term::Dec() const {
  if (node == nullptr) return std::nullopt;
  return Decimal::Parse(node->text());
}

Syntax DetectSyntax(const XmlNode& root) {
  if (root.Is(Ns::kUblInvoice, "Invoice")) return Syntax::kUblInvoice;
  if (root.Is(Ns::kUblCreditNote, "CreditNote")) return Syntax::kUblCreditNote;
  if (root.Is(Ns::kRsm, "CrossIndustryInvoice")) return Syntax::kCii;
  return Syntax::kUnknown;
}

absl::StatusOr<Invoice> ReadInvoice(const XmlDocument& doc) {
  const XmlNode* root = doc.root();
  Syntax syntax = DetectSyntax(*root);
  if (syntax == Syntax::kUnknown) {
    return absl::InvalidArgumentError(Cat(
        "unsupported root element {", NsPrefix(root->ns()), "}", root->local()));
  }
  absl::Status s = CheckDatatypes(root, syntax);
  if (!s.ok()) return s;
  absl::StatusOr<Invoice> inv = syntax == Syntax::kCii ? ReadCii(root) : ReadUbl(root, syntax);
  if (!inv.ok()) return inv;
  inv->doc = &doc;
  inv->profile = ProfileFor(inv->specification_id.Text());
  inv->all_elements.reserve(doc.element_count());
  Collect(root, &inv->all_elements);
  return inv;
}

}  // namespace rathaus::einvoice
