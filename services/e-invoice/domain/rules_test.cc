// Rule families on minimal invoices: the base invoices are accepted without findings, and each
// test changes one thing and expects exactly the rule(s) the official Schematron reports.
#include "domain/rules.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "domain/validator.h"

namespace rathaus::einvoice {
namespace {

constexpr char kUbl[] = R"(<?xml version="1.0" encoding="UTF-8"?>
<ubl:Invoice xmlns:ubl="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0</cbc:CustomizationID>
 <cbc:ID>RE-1</cbc:ID>
 <cbc:IssueDate>2024-02-29</cbc:IssueDate>
 <cbc:DueDate>2024-03-29</cbc:DueDate>
 <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
 <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
 <cbc:BuyerReference>04011000-12345-34</cbc:BuyerReference>
 <cac:AccountingSupplierParty><cac:Party>
  <cac:PostalAddress><cbc:CityName>Bonn</cbc:CityName><cbc:PostalZone>53111</cbc:PostalZone>
   <cac:Country><cbc:IdentificationCode>DE</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
  <cac:PartyTaxScheme><cbc:CompanyID>DE123456789</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
  <cac:PartyLegalEntity><cbc:RegistrationName>Lieferant GmbH</cbc:RegistrationName></cac:PartyLegalEntity>
  <cac:Contact><cbc:Name>Frau Muster</cbc:Name><cbc:Telephone>0228 123</cbc:Telephone><cbc:ElectronicMail>rechnung@lieferant.de</cbc:ElectronicMail></cac:Contact>
 </cac:Party></cac:AccountingSupplierParty>
 <cac:AccountingCustomerParty><cac:Party>
  <cac:PostalAddress><cbc:CityName>Musterstadt</cbc:CityName><cbc:PostalZone>12345</cbc:PostalZone>
   <cac:Country><cbc:IdentificationCode>DE</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
  <cac:PartyLegalEntity><cbc:RegistrationName>Stadt Musterstadt</cbc:RegistrationName></cac:PartyLegalEntity>
 </cac:Party></cac:AccountingCustomerParty>
 <cac:PaymentMeans><cbc:PaymentMeansCode>58</cbc:PaymentMeansCode>
  <cac:PayeeFinancialAccount><cbc:ID>DE75512108001245126199</cbc:ID></cac:PayeeFinancialAccount></cac:PaymentMeans>
 <cac:TaxTotal><cbc:TaxAmount currencyID="EUR">19.00</cbc:TaxAmount>
  <cac:TaxSubtotal><cbc:TaxableAmount currencyID="EUR">100.00</cbc:TaxableAmount><cbc:TaxAmount currencyID="EUR">19.00</cbc:TaxAmount>
   <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>19</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory>
  </cac:TaxSubtotal></cac:TaxTotal>
 <cac:LegalMonetaryTotal>
  <cbc:LineExtensionAmount currencyID="EUR">100.00</cbc:LineExtensionAmount>
  <cbc:TaxExclusiveAmount currencyID="EUR">100.00</cbc:TaxExclusiveAmount>
  <cbc:TaxInclusiveAmount currencyID="EUR">119.00</cbc:TaxInclusiveAmount>
  <cbc:PayableAmount currencyID="EUR">119.00</cbc:PayableAmount>
 </cac:LegalMonetaryTotal>
 <cac:InvoiceLine><cbc:ID>1</cbc:ID><cbc:InvoicedQuantity unitCode="C62">2</cbc:InvoicedQuantity>
  <cbc:LineExtensionAmount currencyID="EUR">100.00</cbc:LineExtensionAmount>
  <cac:Item><cbc:Name>Akten</cbc:Name><cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>19</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory></cac:Item>
  <cac:Price><cbc:PriceAmount currencyID="EUR">50.00</cbc:PriceAmount></cac:Price>
 </cac:InvoiceLine>
</ubl:Invoice>)";

constexpr char kCii[] = R"(<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
 xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
 <rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter>
  <ram:ID>urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0</ram:ID>
 </ram:GuidelineSpecifiedDocumentContextParameter></rsm:ExchangedDocumentContext>
 <rsm:ExchangedDocument><ram:ID>RE-1</ram:ID><ram:TypeCode>380</ram:TypeCode>
  <ram:IssueDateTime><udt:DateTimeString format="102">20240229</udt:DateTimeString></ram:IssueDateTime></rsm:ExchangedDocument>
 <rsm:SupplyChainTradeTransaction>
  <ram:IncludedSupplyChainTradeLineItem>
   <ram:AssociatedDocumentLineDocument><ram:LineID>1</ram:LineID></ram:AssociatedDocumentLineDocument>
   <ram:SpecifiedTradeProduct><ram:Name>Akten</ram:Name></ram:SpecifiedTradeProduct>
   <ram:SpecifiedLineTradeAgreement><ram:NetPriceProductTradePrice><ram:ChargeAmount>50.00</ram:ChargeAmount></ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement>
   <ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="C62">2</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery>
   <ram:SpecifiedLineTradeSettlement>
    <ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>19</ram:RateApplicablePercent></ram:ApplicableTradeTax>
    <ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>100.00</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation>
   </ram:SpecifiedLineTradeSettlement>
  </ram:IncludedSupplyChainTradeLineItem>
  <ram:ApplicableHeaderTradeAgreement>
   <ram:BuyerReference>04011000-12345-34</ram:BuyerReference>
   <ram:SellerTradeParty><ram:Name>Lieferant GmbH</ram:Name>
    <ram:DefinedTradeContact><ram:PersonName>Frau Muster</ram:PersonName>
     <ram:TelephoneUniversalCommunication><ram:CompleteNumber>0228 123</ram:CompleteNumber></ram:TelephoneUniversalCommunication>
     <ram:EmailURIUniversalCommunication><ram:URIID>rechnung@lieferant.de</ram:URIID></ram:EmailURIUniversalCommunication></ram:DefinedTradeContact>
    <ram:PostalTradeAddress><ram:PostcodeCode>53111</ram:PostcodeCode><ram:CityName>Bonn</ram:CityName><ram:CountryID>DE</ram:CountryID></ram:PostalTradeAddress>
    <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">DE123456789</ram:ID></ram:SpecifiedTaxRegistration>
   </ram:SellerTradeParty>
   <ram:BuyerTradeParty><ram:Name>Stadt Musterstadt</ram:Name>
    <ram:PostalTradeAddress><ram:PostcodeCode>12345</ram:PostcodeCode><ram:CityName>Musterstadt</ram:CityName><ram:CountryID>DE</ram:CountryID></ram:PostalTradeAddress>
   </ram:BuyerTradeParty>
  </ram:ApplicableHeaderTradeAgreement>
  <ram:ApplicableHeaderTradeDelivery/>
  <ram:ApplicableHeaderTradeSettlement>
   <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
   <ram:SpecifiedTradeSettlementPaymentMeans><ram:TypeCode>58</ram:TypeCode>
    <ram:PayeePartyCreditorFinancialAccount><ram:IBANID>DE75512108001245126199</ram:IBANID></ram:PayeePartyCreditorFinancialAccount></ram:SpecifiedTradeSettlementPaymentMeans>
   <ram:ApplicableTradeTax><ram:CalculatedAmount>19.00</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode><ram:BasisAmount>100.00</ram:BasisAmount><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>19</ram:RateApplicablePercent></ram:ApplicableTradeTax>
   <ram:SpecifiedTradePaymentTerms><ram:DueDateDateTime><udt:DateTimeString format="102">20240329</udt:DateTimeString></ram:DueDateDateTime></ram:SpecifiedTradePaymentTerms>
   <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    <ram:LineTotalAmount>100.00</ram:LineTotalAmount><ram:TaxBasisTotalAmount>100.00</ram:TaxBasisTotalAmount>
    <ram:TaxTotalAmount currencyID="EUR">19.00</ram:TaxTotalAmount><ram:GrandTotalAmount>119.00</ram:GrandTotalAmount>
    <ram:DuePayableAmount>119.00</ram:DuePayableAmount>
   </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
  </ram:ApplicableHeaderTradeSettlement>
 </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>)";

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  size_t pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) s.replace(pos, from.size(), to);
  return s;
}

std::set<std::string> Fatal(const Report& r) {
  std::set<std::string> out;
  for (const Finding& f : r.errors) out.insert(f.rule);
  return out;
}

std::set<std::string> Warnings(const Report& r) {
  std::set<std::string> out;
  for (const Finding& f : r.warnings) out.insert(f.rule);
  return out;
}

using Ids = std::set<std::string>;

TEST(RulesTest, MinimalInvoicesAreAccepted) {
  for (const char* doc : {kUbl, kCii}) {
    Report r = Validate(doc, "min.xml");
    EXPECT_TRUE(r.accepted()) << ReportToText(r);
    EXPECT_TRUE(r.warnings.empty()) << ReportToText(r);
  }
  EXPECT_EQ(Validate(kUbl, "a").syntax, Syntax::kUblInvoice);
  EXPECT_EQ(Validate(kCii, "a").syntax, Syntax::kCii);
}

TEST(RulesTest, MandatoryTerms) {
  EXPECT_EQ(Fatal(Validate(Replace(kUbl, "<cbc:ID>RE-1</cbc:ID>", ""), "x")), Ids{"BR-02"});
  EXPECT_EQ(Fatal(Validate(Replace(kCii, "<ram:ID>RE-1</ram:ID>", ""), "x")), Ids{"BR-02"});
  EXPECT_EQ(Fatal(Validate(Replace(kUbl, "<cbc:Name>Akten</cbc:Name>", ""), "x")), Ids{"BR-25"});
  EXPECT_EQ(Fatal(Validate(Replace(kCii, "<ram:CityName>Bonn</ram:CityName>", ""), "x")),
            Ids{"BR-DE-3"});
  EXPECT_EQ(Fatal(Validate(Replace(kCii, "<ram:BuyerReference>04011000-12345-34</ram:BuyerReference>",
                                   ""), "x")),
            Ids{"BR-DE-15"});
}

TEST(RulesTest, TotalsArithmeticIsExact) {
  Report r = Validate(Replace(kUbl, "<cbc:PayableAmount currencyID=\"EUR\">119.00",
                              "<cbc:PayableAmount currencyID=\"EUR\">119.01"), "x");
  EXPECT_EQ(Fatal(r), Ids{"BR-CO-16"});
  r = Validate(Replace(kCii, "<ram:GrandTotalAmount>119.00", "<ram:GrandTotalAmount>129.00"), "x");
  EXPECT_EQ(Fatal(r), (Ids{"BR-CO-15", "BR-CO-16"}));
  r = Validate(Replace(kCii, "<ram:LineTotalAmount>100.00</ram:LineTotalAmount><ram:TaxBasis",
                       "<ram:LineTotalAmount>110.00</ram:LineTotalAmount><ram:TaxBasis"), "x");
  EXPECT_EQ(Fatal(r), (Ids{"BR-CO-10", "BR-CO-13"}));
}

TEST(RulesTest, VatBreakdownToleratesOneCurrencyUnit) {
  // 0.90 off: inside the whole-unit tolerance of BR-CO-17 and BR-S-09.
  std::string doc = Replace(kCii, "<ram:CalculatedAmount>19.00", "<ram:CalculatedAmount>19.90");
  doc = Replace(doc, "TaxTotalAmount currencyID=\"EUR\">19.00", "TaxTotalAmount currencyID=\"EUR\">19.90");
  doc = Replace(doc, "<ram:GrandTotalAmount>119.00", "<ram:GrandTotalAmount>119.90");
  doc = Replace(doc, "<ram:DuePayableAmount>119.00", "<ram:DuePayableAmount>119.90");
  EXPECT_EQ(Fatal(Validate(doc, "x")), Ids{});
  doc = Replace(kUbl, "<cbc:TaxableAmount currencyID=\"EUR\">100.00",
                "<cbc:TaxableAmount currencyID=\"EUR\">110.00");
  EXPECT_EQ(Fatal(Validate(doc, "x")), (Ids{"BR-CO-17", "BR-S-08", "BR-S-09"}));
}

TEST(RulesTest, VatCategories) {
  std::string exempt = kUbl;
  for (int i = 0; i < 2; ++i) exempt = Replace(exempt, "<cbc:ID>S</cbc:ID><cbc:Percent>19", "<cbc:ID>E</cbc:ID><cbc:Percent>0");
  exempt = Replace(exempt, "<cbc:TaxAmount currencyID=\"EUR\">19.00</cbc:TaxAmount>\n  <cac:TaxSubtotal>",
                   "<cbc:TaxAmount currencyID=\"EUR\">0.00</cbc:TaxAmount>\n  <cac:TaxSubtotal>");
  exempt = Replace(exempt, "<cbc:TaxAmount currencyID=\"EUR\">19.00</cbc:TaxAmount>\n   <cac:TaxCategory>",
                   "<cbc:TaxAmount currencyID=\"EUR\">0.00</cbc:TaxAmount>\n   <cac:TaxCategory>");
  exempt = Replace(exempt, "<cbc:TaxInclusiveAmount currencyID=\"EUR\">119.00",
                   "<cbc:TaxInclusiveAmount currencyID=\"EUR\">100.00");
  exempt = Replace(exempt, "<cbc:PayableAmount currencyID=\"EUR\">119.00",
                   "<cbc:PayableAmount currencyID=\"EUR\">100.00");
  EXPECT_EQ(Fatal(Validate(exempt, "x")), Ids{"BR-E-10"});
  EXPECT_EQ(Fatal(Validate(Replace(kCii, "<ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>19</ram:RateApplicablePercent></ram:ApplicableTradeTax>\n    <ram:Spec",
                                   "<ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>0</ram:RateApplicablePercent></ram:ApplicableTradeTax>\n    <ram:Spec"),
                           "x")),
            (Ids{"BR-S-05", "BR-S-08"}));
}

TEST(RulesTest, DecimalsDatatypesAndCodeLists) {
  EXPECT_EQ(Fatal(Validate(Replace(kUbl, "<cbc:PayableAmount currencyID=\"EUR\">119.00",
                                   "<cbc:PayableAmount currencyID=\"EUR\">119.000"), "x")),
            (Ids{"BR-DEC-18", "UBL-DT-01"}));
  EXPECT_EQ(Fatal(Validate(Replace(kUbl, "2024-02-29</cbc:IssueDate>", "2023-02-29</cbc:IssueDate>"),
                           "x")),
            Ids{"XML-SCHEMA"});
  EXPECT_EQ(Fatal(Validate(Replace(kCii, "<ram:ChargeAmount>50.00", "<ram:ChargeAmount>50.00 EUR"),
                           "x")),
            Ids{"XML-SCHEMA"});
  EXPECT_EQ(Fatal(Validate(Replace(kCii, "<ram:ID>RE-1</ram:ID>", "<ram:ID>RE-1</ram:ID><ram:ID>RE-2</ram:ID>"),
                           "x")),
            Ids{"XML-SCHEMA"});
  EXPECT_EQ(Fatal(Validate(Replace(kUbl, ">EUR</cbc:DocumentCurrencyCode>", ">XXY</cbc:DocumentCurrencyCode>"),
                           "x")),
            (Ids{"BR-CL-04", "BR-CO-15"}));
  // Unit codes are only a warning under XRechnung.
  Report r = Validate(Replace(kCii, "unitCode=\"C62\"", "unitCode=\"PCS\""), "x");
  EXPECT_TRUE(r.accepted());
  EXPECT_EQ(Warnings(r), Ids{"BR-CL-23"});
  r = Validate(Replace(kCii, "<ram:TypeCode>380</ram:TypeCode>", "<ram:TypeCode>999</ram:TypeCode>"), "x");
  EXPECT_EQ(Fatal(r), Ids{"BR-CL-01"});
  EXPECT_EQ(Warnings(r), Ids{"BR-DE-17"});
}

TEST(RulesTest, JsonReportShape) {
  Report r = Validate(Replace(kUbl, "<cbc:ID>RE-1</cbc:ID>", ""), "a\"b.xml");
  std::string json = ReportToJson(r);
  EXPECT_EQ(json.rfind("{\"file\":\"a\\\"b.xml\",\"syntax\":\"UBL-Invoice\",\"verdict\":\"reject\","
                       "\"errors\":[{\"rule\":\"BR-02\",\"severity\":\"fatal\",\"message\":",
                       0),
            0u)
      << json;
  EXPECT_NE(json.find("\"location\":\"/ubl:Invoice[1]\""), std::string::npos);
  EXPECT_NE(json.find("\"warnings\":[]}"), std::string::npos);
}

}  // namespace
}  // namespace rathaus::einvoice
