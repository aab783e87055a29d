#include "domain/xml.h"

#include <gtest/gtest.h>

#include <string>

#include "domain/validator.h"

namespace rathaus::einvoice {
namespace {

constexpr char kBillionLaughs[] = R"(<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<ubl:Invoice xmlns:ubl="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&lol9;</ubl:Invoice>)";

constexpr char kExternalEntity[] = R"(<?xml version="1.0"?>
<!DOCTYPE foo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<ubl:Invoice xmlns:ubl="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:ID>&xxe;</cbc:ID></ubl:Invoice>)";

constexpr char kExternalDtd[] = R"(<?xml version="1.0"?>
<!DOCTYPE foo SYSTEM "http://example.invalid/evil.dtd">
<ubl:Invoice xmlns:ubl="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>)";

bool OnlyParseError(const Report& r) {
  return r.errors.size() == 1 && r.errors[0].rule == "XML-PARSE" && r.warnings.empty() &&
         !r.accepted();
}

TEST(XmlTest, BillionLaughsIsAParseError) {
  EXPECT_FALSE(ParseXml(kBillionLaughs, XmlLimits{}).ok());
  EXPECT_TRUE(OnlyParseError(Validate(kBillionLaughs, "lol.xml")));
}

TEST(XmlTest, ExternalEntityIsAParseErrorAndNeverRead) {
  absl::StatusOr<XmlDocument> doc = ParseXml(kExternalEntity, XmlLimits{});
  EXPECT_FALSE(doc.ok());
  Report r = Validate(kExternalEntity, "xxe.xml");
  EXPECT_TRUE(OnlyParseError(r));
  EXPECT_EQ(r.errors[0].message.find("root:"), std::string::npos);
  EXPECT_TRUE(OnlyParseError(Validate(kExternalDtd, "dtd.xml")));
}

TEST(XmlTest, DeepNestingAndOversizeAreRejected) {
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "<a>";
  for (int i = 0; i < 100000; ++i) deep += "</a>";
  EXPECT_FALSE(ParseXml(deep, XmlLimits{}).ok());
  EXPECT_TRUE(OnlyParseError(Validate(deep, "deep.xml")));

  XmlLimits small;
  small.max_bytes = 16;
  EXPECT_FALSE(ParseXml("<a>0123456789abcdef</a>", small).ok());
  small = XmlLimits{};
  small.max_elements = 3;
  EXPECT_FALSE(ParseXml("<a><b/><c/><d/></a>", small).ok());
}

TEST(XmlTest, BrokenInputIsAParseError) {
  EXPECT_TRUE(OnlyParseError(Validate("", "empty.xml")));
  EXPECT_TRUE(OnlyParseError(Validate("<a><b></a>", "bad.xml")));
  EXPECT_TRUE(OnlyParseError(Validate("<a>", "truncated.xml")));
  EXPECT_TRUE(OnlyParseError(Validate(std::string("\0\xff\xfe<", 4), "binary.xml")));
  EXPECT_TRUE(OnlyParseError(
      Validate("<Order xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Order-2\"/>", "o.xml")));
}

TEST(XmlTest, ResolvesNamespacesAndBuildsPaths) {
  constexpr char kDoc[] = R"(<ubl:Invoice xmlns:ubl="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
    xmlns:c="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
    <c:Note>a</c:Note><c:Note>b &amp; c</c:Note></ubl:Invoice>)";
  absl::StatusOr<XmlDocument> doc = ParseXml(kDoc, XmlLimits{});
  ASSERT_TRUE(doc.ok()) << doc.status();
  std::vector<const XmlNode*> notes = doc->root()->Children(Ns::kCbc, "Note");
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_EQ(notes[1]->text, "b & c");
  EXPECT_EQ(notes[1]->Path(), "/ubl:Invoice[1]/cbc:Note[2]");
  EXPECT_EQ(NormalizeSpace("  a \n b  "), "a b");
}

}  // namespace
}  // namespace rathaus::einvoice
