// The invoice office's rules: routing by Leitweg-ID, the workflow with four eyes, who sees
// what, the duplicate key and the clerks' HTML view.
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "domain/routing.h"
#include "domain/validator.h"
#include "domain/view.h"
#include "domain/workflow.h"
#include "shared/status/problem.h"

namespace rathaus::einvoice {
namespace {

TEST(RoutingTableTest, ExactBeatsLongestPrefixBeatsShorter) {
  auto table = RoutingTable::Parse(
      "# comment\n"
      "01002-6600-95   tiefbauamt   # trailing comment\n"
      "01002-66*       bauverwaltung\n"
      "01002-*         rechnungseingang\n"
      "\n");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->size(), 3u);
  EXPECT_EQ(table->Route("01002-6600-95"), "tiefbauamt");
  EXPECT_EQ(table->Route(" 01002-6600-95 "), "tiefbauamt");
  EXPECT_EQ(table->Route("01002-6611-03"), "bauverwaltung");
  EXPECT_EQ(table->Route("01002-1000-17"), "rechnungseingang");
  EXPECT_EQ(table->Route("04011000-12345-03"), std::nullopt);
  EXPECT_EQ(table->Route(""), std::nullopt);
  EXPECT_EQ(table->Route("01002-<script>"), std::nullopt);
  EXPECT_EQ(table->Departments(),
            (std::vector<std::string>{"bauverwaltung", "rechnungseingang", "tiefbauamt"}));
}

TEST(RoutingTableTest, LeitwegIdsCompareWithoutCase) {
  auto table = RoutingTable::Parse("991-ab12cd-45 amt\n");
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->Route("991-AB12CD-45"), "amt");
}

TEST(RoutingTableTest, MalformedLinesNameTheirLine) {
  for (const auto& [text, line] : std::vector<std::pair<std::string, std::string>>{
           {"01002-1 amt\n01002-1 other\n", "line 2"},
           {"01002-1\n", "line 1"},
           {"# x\n01002-1 Amt_Gross\n", "line 2"},
           {"01002-1 amt extra\n", "line 1"},
           {"01002/1 amt\n", "line 1"},
           {"01002-* a\n01002-* b\n", "line 2"}}) {
    auto table = RoutingTable::Parse(text);
    ASSERT_FALSE(table.ok()) << text;
    EXPECT_TRUE(absl::StartsWith(table.status().message(), line)) << table.status();
  }
}

TEST(WorkflowTest, StepsFollowTheOrder) {
  using S = InvoiceStatus;
  EXPECT_TRUE(CheckAction(Action::kApproveFactually, S::kRouted, "anna", "").ok());
  EXPECT_TRUE(CheckAction(Action::kApproveArithmetically, S::kFactuallyApproved, "bernd", "anna").ok());
  EXPECT_TRUE(CheckAction(Action::kRelease, S::kArithmeticallyApproved, "bernd", "anna").ok());
  EXPECT_TRUE(CheckAction(Action::kAssign, S::kUnroutable, "office", "").ok());
  for (S s : {S::kReceived, S::kRouted, S::kUnroutable, S::kFactuallyApproved,
              S::kArithmeticallyApproved}) {
    EXPECT_TRUE(CheckAction(Action::kReject, s, "anna", "").ok()) << StatusName(s);
    EXPECT_TRUE(IsOpen(s));
  }
  for (S s : {S::kRejected, S::kReleasedForPayment}) {
    EXPECT_FALSE(IsOpen(s));
    for (Action a : {Action::kAssign, Action::kApproveFactually, Action::kApproveArithmetically,
                     Action::kRelease, Action::kReject}) {
      absl::Status st = CheckAction(a, s, "anna", "");
      EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition) << StatusName(s);
    }
  }
  EXPECT_EQ(CheckAction(Action::kRelease, S::kFactuallyApproved, "bernd", "anna").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckAction(Action::kApproveArithmetically, S::kRouted, "bernd", "").code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(WorkflowTest, FourEyes) {
  using S = InvoiceStatus;
  absl::Status same = CheckAction(Action::kApproveArithmetically, S::kFactuallyApproved, "anna", "anna");
  EXPECT_EQ(same.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(platform::ProblemOf(same), "four-eyes");
  EXPECT_EQ(CheckAction(Action::kRelease, S::kArithmeticallyApproved, "anna", "anna").code(),
            absl::StatusCode::kPermissionDenied);
  // Rejecting is always possible for the one who looked at it.
  EXPECT_TRUE(CheckAction(Action::kReject, S::kFactuallyApproved, "anna", "anna").ok());
}

TEST(WorkflowTest, StatusNamesRoundTrip) {
  for (InvoiceStatus s : AllStatuses()) EXPECT_EQ(ParseStatus(StatusName(s)), s);
  EXPECT_EQ(ParseStatus("routed"), std::nullopt);
  EXPECT_EQ(ParseStatus(""), std::nullopt);
}

TEST(WorkflowTest, WhoSeesWhat) {
  EXPECT_TRUE(MayAccess({"tiefbauamt"}, "tiefbauamt"));
  EXPECT_TRUE(MayAccess({"schulamt", "tiefbauamt"}, "tiefbauamt"));
  EXPECT_FALSE(MayAccess({"schulamt"}, "tiefbauamt"));
  EXPECT_FALSE(MayAccess({"schulamt"}, ""));  // unroutable: the invoice office only
  EXPECT_TRUE(MayAccess({"*"}, ""));
  EXPECT_TRUE(MayAccess({"*"}, "tiefbauamt"));
  EXPECT_FALSE(MayAccess({}, "tiefbauamt"));
  EXPECT_TRUE(IsValidDepartment("tiefbauamt-2"));
  EXPECT_FALSE(IsValidDepartment("Tiefbauamt"));
  EXPECT_FALSE(IsValidDepartment("a,b"));
  EXPECT_FALSE(IsValidDepartment(""));
  EXPECT_FALSE(IsValidDepartment(std::string(65, 'a')));
}

TEST(DuplicateKeyTest, SellerByVatIdElseNameThenNumberAndDate) {
  InvoiceDigest a{.number = "R-1", .issue_date = "2026-01-02", .seller_name = "Muster GmbH",
                  .seller_vat_id = "de123456789"};
  InvoiceDigest b = a;
  b.seller_name = "Muster GmbH & Co. KG";  // the VAT id decides
  b.seller_vat_id = "DE123456789";
  EXPECT_EQ(a.DuplicateKey(), b.DuplicateKey());
  b.number = "R-2";
  EXPECT_NE(a.DuplicateKey(), b.DuplicateKey());
  InvoiceDigest c{.number = "R-1", .issue_date = "2026-01-02", .seller_name = "Muster GmbH"};
  InvoiceDigest d = c;
  d.seller_name = "MUSTER GMBH";
  EXPECT_EQ(c.DuplicateKey(), d.DuplicateKey());
  EXPECT_NE(a.DuplicateKey(), c.DuplicateKey());
  c.issue_date = "";
  EXPECT_EQ(c.DuplicateKey(), "");
}

constexpr char kUbl[] = R"(<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0</cbc:CustomizationID>
 <cbc:ID>R-&lt;b&gt;1</cbc:ID>
 <cbc:IssueDate>2026-11-30</cbc:IssueDate>
 <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
 <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
 <cbc:BuyerReference>01002-6600-95</cbc:BuyerReference>
 <cac:AccountingSupplierParty><cac:Party><cac:PartyLegalEntity>
  <cbc:RegistrationName>Bau &amp; Söhne &lt;script&gt;alert(1)&lt;/script&gt;</cbc:RegistrationName>
 </cac:PartyLegalEntity></cac:Party></cac:AccountingSupplierParty>
 <cac:InvoiceLine><cbc:ID>1</cbc:ID><cbc:InvoicedQuantity unitCode="H87">2</cbc:InvoicedQuantity>
  <cbc:LineExtensionAmount currencyID="EUR">20.00</cbc:LineExtensionAmount>
  <cac:Item><cbc:Name>Pflastersteine "Kiel"</cbc:Name></cac:Item>
  <cac:Price><cbc:PriceAmount currencyID="EUR">10.00</cbc:PriceAmount></cac:Price>
 </cac:InvoiceLine>
</Invoice>)";

TEST(ViewTest, RendersTheInvoiceWithEverythingEscaped) {
  Examination exam = Examine(kUbl, "x.xml");
  ASSERT_TRUE(exam.digest.has_value());
  EXPECT_EQ(exam.digest->number, "R-<b>1");
  EXPECT_EQ(exam.digest->buyer_reference, "01002-6600-95");
  const std::string html = RenderInvoiceHtml(
      kUbl, exam.report, ViewHeader{.id = "inv-1", .status = "ROUTED", .department = "tiefbauamt"});
  EXPECT_TRUE(absl::StartsWith(html, "<!DOCTYPE html>"));
  EXPECT_TRUE(absl::StrContains(html, "R-&lt;b&gt;1"));
  EXPECT_TRUE(absl::StrContains(html, "Bau &amp; Söhne &lt;script&gt;"));
  EXPECT_FALSE(absl::StrContains(html, "<script"));
  EXPECT_FALSE(absl::StrContains(html, "<b>"));
  EXPECT_TRUE(absl::StrContains(html, "Pflastersteine &quot;Kiel&quot;"));
  EXPECT_TRUE(absl::StrContains(html, "H87"));
  EXPECT_TRUE(absl::StrContains(html, "tiefbauamt"));
  // The minimal invoice breaks rules: the findings are listed.
  EXPECT_FALSE(exam.report.accepted());
  EXPECT_TRUE(absl::StrContains(html, "Fehler"));
  EXPECT_TRUE(absl::StrContains(html, exam.report.errors.front().rule));
}

TEST(ViewTest, UnreadableOriginalStillRendersTheFindings) {
  Report report = Validate("<<<", "bad.xml");
  const std::string html = RenderInvoiceHtml("<<<", report, ViewHeader{.id = "inv-2"});
  EXPECT_TRUE(absl::StrContains(html, "XML-PARSE"));
  EXPECT_TRUE(absl::StrContains(html, "nicht als Rechnung lesen"));
}

TEST(ViewTest, HtmlEscape) {
  EXPECT_EQ(HtmlEscape(R"(<a href="x">'&'</a>)"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

}  // namespace
}  // namespace rathaus::einvoice
