#include "domain/xml.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "domain/strings.h"
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

// The tree grows with the input, not up to a fixed count: dense junk is refused once it holds
// more than one element or attribute per 10 bytes, an invoice-shaped document of any element
// count is read.
TEST(XmlTest, TheTreeIsBoundedByTheInputNotByAFixedCount) {
  std::string junk = "<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\">";
  while (junk.size() < 20 * 1024 * 1024 - 16) junk += "<a/>";
  junk += "</Invoice>";
  absl::StatusOr<XmlDocument> doc = ParseXml(junk, XmlLimits{});
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), absl::StatusCode::kResourceExhausted) << doc.status();

  std::string many = "<r>";
  for (int i = 0; i < 2'100'000; ++i) many += "<bb>xx</bb>";
  many += "</r>";
  XmlLimits large;
  large.max_bytes = 64 * 1024 * 1024;
  doc = ParseXml(many, large);
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->element_count(), 2'100'001u);  // more than the 2 million the old parser allowed
  EXPECT_EQ(doc->root()->Count(Ns::kNone, "bb"), 2'100'000);
}

// Attribute names must be unique per element (by qualified and by expanded name): checked with
// a hash set, so elements with thousands of attributes cost milliseconds, not the seconds of
// comparing each with every other (8 elements of 15,000 attributes took 5 s that way).
TEST(XmlTest, ManyAttributesOnOneElementAreCheckedInLinearTime) {
  for (const char* prefix : {"", "p:"}) {
    std::string element = "<a";
    for (int i = 0; i < 15000; ++i) element += Cat(" ", prefix, "a", i, "=\"0123456789\"");
    std::string doc = "<r xmlns:p=\"urn:x\">";
    for (int k = 0; k < 8; ++k) doc += element + "/>";
    const std::string valid = doc + "</r>";
    const std::string twice = doc + element + " " + prefix + "a17=\"\"/></r>";
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<XmlDocument> ok = ParseXml(valid, XmlLimits{});
    absl::StatusOr<XmlDocument> dup = ParseXml(twice, XmlLimits{});
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_TRUE(ok.ok()) << ok.status();
    EXPECT_EQ(*ok->root()->first_child()->Attribute("a14999"), "0123456789");
    EXPECT_FALSE(dup.ok());
    EXPECT_LT(took, std::chrono::milliseconds(500)) << "prefix \"" << prefix << "\"";
  }
}

// Prefixes are looked up among the declarations in scope, so their number is bounded: a root
// declaring thousands of prefixes and children using each would cost a scan per element.
TEST(XmlTest, NamespaceDeclarationsInScopeAreBounded) {
  std::string doc = "<r";
  for (int i = 0; i < 300; ++i) doc += Cat(" xmlns:p", i, "=\"urn:x\"");
  doc += "><p299:a/></r>";
  absl::StatusOr<XmlDocument> parsed = ParseXml(doc, XmlLimits{});
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kResourceExhausted);
  XmlLimits more;
  more.max_namespace_declarations = 300;
  EXPECT_TRUE(ParseXml(doc, more).ok());
}

TEST(XmlTest, TextAttributesAndPiecesAreDecoded) {
  constexpr char kDoc[] =
      "<a x='1&amp;2\t3' y=\"&#x41;\">p&lt;q<b z='v'>in</b>r\r\ns<![CDATA[<&>]]><!--c-->t</a>";
  absl::StatusOr<XmlDocument> doc = ParseXml(kDoc, XmlLimits{});
  ASSERT_TRUE(doc.ok()) << doc.status();
  const XmlNode* a = doc->root();
  EXPECT_EQ(a->text(), "p<qr\ns<&>t");
  ASSERT_NE(a->Attribute("x"), nullptr);
  EXPECT_EQ(*a->Attribute("x"), "1&2 3");
  EXPECT_EQ(*a->Attribute("y"), "A");
  EXPECT_EQ(a->Attribute("z"), nullptr);
  const XmlNode* b = a->Child(Ns::kNone, "b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->text(), "in");
  EXPECT_EQ(*b->Attribute("z"), "v");
  EXPECT_EQ(b->parent(), a);
  EXPECT_EQ(b->next_sibling(), nullptr);
  EXPECT_EQ(b->Path(), "/a[1]/b[1]");
}

TEST(XmlTest, OtherEncodingsAreReadAsUtf8) {
  // ISO-8859-1 as declared, UTF-16 by its byte order mark.
  const std::string latin1 = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>M\xFCller</a>";
  absl::StatusOr<XmlDocument> doc = ParseXml(latin1, XmlLimits{});
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->root()->text(), "M\xC3\xBCller");
  const std::string utf16le("\xFF\xFE<\0a\0>\0\xFC\0<\0/\0a\0>\0", 18);
  doc = ParseXml(utf16le, XmlLimits{});
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->root()->text(), "\xC3\xBC");
  EXPECT_FALSE(ParseXml("<?xml version=\"1.0\" encoding=\"EBCDIC\"?><a/>", XmlLimits{}).ok());
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
  EXPECT_EQ(notes[1]->text(), "b & c");
  EXPECT_EQ(notes[1]->Path(), "/ubl:Invoice[1]/cbc:Note[2]");
  EXPECT_EQ(NormalizeSpace("  a \n b  "), "a b");
}

}  // namespace
}  // namespace rathaus::einvoice
