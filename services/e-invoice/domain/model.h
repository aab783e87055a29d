// The EN 16931 semantic model, filled from either syntax.
//
// Rules are written once against this model. Each business term keeps the element it was read
// from, so a finding can point at it, and how often it occurred, because several official rules
// look at the raw text (decimal places) or at presence rather than value. Where the official UBL
// and CII Schematron bindings differ in a way that changes a verdict, the rule asks `syntax`.
//
//   absl::StatusOr<Invoice> inv = ReadInvoice(*doc);
//   for (const Line& line : inv->lines) Use(line.net_amount.Dec());
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "domain/decimal.h"
#include "domain/xml.h"

namespace rathaus::einvoice {

enum class Syntax { kUnknown, kUblInvoice, kUblCreditNote, kCii };
std::string_view SyntaxName(Syntax s);  // "UBL-Invoice", "UBL-CreditNote", "CII", "unknown"

// Which rule set applies, from the specification identifier (BT-24).
enum class Profile { kXRechnung, kXRechnungExtension, kXRechnungCvd, kEn16931, kOther };
Profile ProfileFor(std::string_view specification_identifier);
bool IsXRechnung(Profile p);

// One business term as it occurs in the document: the first element found and the count.
struct Term {
  const XmlNode* node = nullptr;
  int count = 0;

  bool Present() const { return node != nullptr; }
  std::string_view Text() const { return node ? std::string_view(node->text()) : std::string_view(); }
  std::string Normalized() const { return NormalizeSpace(Text()); }
  bool NonBlank() const { return node != nullptr && !Normalized().empty(); }
  std::optional<Decimal> Dec() const;
  const std::string_view* Attr(std::string_view name) const {
    return node ? node->Attribute(name) : nullptr;
  }
};

struct VatCategory {
  const XmlNode* node = nullptr;  // cac:TaxCategory / ram:ApplicableTradeTax / ...
  Term code;                      // BT-95/102/118/151
  Term rate;                      // BT-96/103/119/152
  Term exemption_reason;          // BT-120
  Term exemption_reason_code;     // BT-121
  bool is_vat = true;             // tax scheme (UBL) or type code (CII) is VAT
  std::string Code() const { return code.Normalized(); }
};

struct AllowanceCharge {  // BG-20 / BG-21 (document level) and BG-27 / BG-28 (line level)
  const XmlNode* node = nullptr;
  Term indicator;
  bool is_charge = false;
  bool indicator_known = false;  // indicator is a valid boolean
  Term amount, base_amount, percent, reason, reason_code;
  VatCategory vat;
};

struct Line {  // BG-25
  const XmlNode* node = nullptr;
  Term id;               // BT-126
  Term quantity;         // BT-129
  Term unit_code_owner;  // element carrying @unitCode (BT-130)
  Term net_amount;       // BT-131
  Term item_name;        // BT-153
  Term net_price;        // BT-146
  Term gross_price;      // BT-148
  VatCategory vat;       // BG-30
  bool has_vat = false;
  std::vector<AllowanceCharge> allowances_charges;
  bool has_sub_lines = false;
};

struct VatBreakdown {  // BG-23
  const XmlNode* node = nullptr;
  Term taxable;  // BT-116
  Term tax;      // BT-117
  VatCategory vat;
};

struct Party {
  const XmlNode* node = nullptr;
  Term name;     // BT-27 / BT-44 (legal registration name)
  const XmlNode* address = nullptr;
  Term city, post_code, country;
  const XmlNode* contact = nullptr;
  Term contact_name, phone, email;
  std::vector<std::string> vat_ids;     // BT-31 / BT-48 values
  std::vector<std::string> tax_reg_ids; // BT-32
  bool has_legal_id = false;
  bool has_any_tax_scheme_company_id = false;  // UBL PartyTaxScheme/CompanyID (any scheme)
};

struct PaymentMeans {  // BG-16
  const XmlNode* node = nullptr;
  Term code;  // BT-81
  // mandate: BG-19 as XRechnung reads it (UBL PaymentMandate; CII BT-89, BT-90 or BT-91).
  bool credit_transfer = false, card = false, mandate = false;
  bool payee_institution = false;  // CII: a creditor's or debtor's financial institution
  Term account_id;        // BT-84
  Term debited_account;   // BT-91
};

struct Invoice {
  Syntax syntax = Syntax::kUnknown;
  Profile profile = Profile::kOther;
  const XmlNode* root = nullptr;
  const XmlDocument* doc = nullptr;  // its names (XmlDocument::Find)

  Term specification_id;  // BT-24
  Term number;            // BT-1
  Term issue_date;        // BT-2
  Term type_code;         // BT-3
  Term currency;          // BT-5
  Term tax_currency;      // BT-6
  Term buyer_reference;   // BT-10
  bool has_due_date_or_terms = false;
  bool has_preceding_invoice = false;

  Party seller, buyer;
  bool has_tax_representative = false;
  bool tax_representative_has_vat = false;
  const XmlNode* deliver_to_address = nullptr;
  Term deliver_city, deliver_post_code, deliver_country;

  // BG-22
  const XmlNode* totals = nullptr;
  Term line_total, allowance_total, charge_total, tax_exclusive, tax_inclusive, prepaid, rounding,
      payable;
  std::vector<const XmlNode*> tax_totals;         // BT-110/111 amount elements
  std::vector<const XmlNode*> ubl_tax_total_groups;  // UBL cac:TaxTotal

  std::vector<VatBreakdown> breakdowns;
  std::vector<Line> lines;
  std::vector<AllowanceCharge> allowances_charges;  // document level
  std::vector<PaymentMeans> payment_means;

  // CII supporting documents with type code 916 (BG-24): counts of names and attachments.
  int cii_916_names = 0;
  int cii_916_attachments = 0;
  int cii_guideline_ids = 0;
  int cii_type_codes = 0;

  std::vector<const XmlNode*> all_elements;  // document order, for attribute-wide rules
};

// Builds the model. Fails (XML-SCHEMA) when a value the model reads is not of its datatype or an
// element that may occur once occurs more often.
absl::StatusOr<Invoice> ReadInvoice(const XmlDocument& doc);

// Detects the syntax from the root element; kUnknown for anything unsupported.
Syntax DetectSyntax(const XmlNode& root);

}  // namespace rathaus::einvoice
