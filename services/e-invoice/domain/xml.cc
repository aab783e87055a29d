#include "domain/xml.h"

#include <expat.h>

#include <memory>

#include "absl/status/status.h"
#include "domain/strings.h"

namespace rathaus::einvoice {
namespace {

constexpr char kSep = '\x01';

Ns NsFromUri(std::string_view uri) {
  if (uri.empty()) return Ns::kNone;
  if (uri == "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2") return Ns::kCbc;
  if (uri == "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2") {
    return Ns::kCac;
  }
  if (uri == "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2") return Ns::kUblInvoice;
  if (uri == "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2") return Ns::kUblCreditNote;
  if (uri == "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2") {
    return Ns::kExt;
  }
  if (uri == "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100") return Ns::kRsm;
  if (uri == "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100") {
    return Ns::kRam;
  }
  if (uri == "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100") return Ns::kUdt;
  if (uri == "urn:un:unece:uncefact:data:standard:QualifiedDataType:100") return Ns::kQdt;
  return Ns::kOther;
}

struct ParseState {
  XML_Parser parser = nullptr;
  const XmlLimits* limits = nullptr;
  std::deque<XmlNode>* nodes = nullptr;
  XmlNode* root = nullptr;
  XmlNode* current = nullptr;
  int depth = 0;
  absl::Status error;

  void Fail(absl::Status s) {
    if (error.ok()) error = std::move(s);
    XML_StopParser(parser, XML_FALSE);
  }
};

void SplitName(const XML_Char* name, Ns* ns, std::string* local) {
  std::string_view n(name);
  size_t sep = n.find(kSep);
  if (sep == std::string_view::npos) {
    *ns = Ns::kNone;
    *local = std::string(n);
  } else {
    *ns = NsFromUri(n.substr(0, sep));
    *local = std::string(n.substr(sep + 1));
  }
}

void XMLCALL OnStart(void* data, const XML_Char* name, const XML_Char** atts) {
  auto* st = static_cast<ParseState*>(data);
  if (!st->error.ok()) return;
  if (++st->depth > st->limits->max_depth) {
    st->Fail(absl::ResourceExhaustedError("XML nesting too deep"));
    return;
  }
  if (st->nodes->size() >= st->limits->max_elements) {
    st->Fail(absl::ResourceExhaustedError("too many XML elements"));
    return;
  }
  XmlNode& node = st->nodes->emplace_back();
  SplitName(name, &node.ns, &node.local);
  for (int i = 0; atts[i] != nullptr; i += 2) {
    Ns ans;
    std::string alocal;
    SplitName(atts[i], &ans, &alocal);
    node.attributes.emplace_back(std::move(alocal), atts[i + 1]);
  }
  node.parent = st->current;
  if (st->current == nullptr) {
    st->root = &node;
  } else {
    st->current->children.push_back(&node);
  }
  st->current = &node;
}

void XMLCALL OnEnd(void* data, const XML_Char*) {
  auto* st = static_cast<ParseState*>(data);
  if (!st->error.ok()) return;
  --st->depth;
  if (st->current != nullptr) st->current = st->current->parent;
}

void XMLCALL OnText(void* data, const XML_Char* s, int len) {
  auto* st = static_cast<ParseState*>(data);
  if (!st->error.ok() || st->current == nullptr) return;
  st->current->text.append(s, static_cast<size_t>(len));
}

void XMLCALL OnDoctype(void* data, const XML_Char*, const XML_Char*, const XML_Char*, int) {
  auto* st = static_cast<ParseState*>(data);
  st->Fail(absl::InvalidArgumentError("DOCTYPE declarations are not accepted"));
}

void XMLCALL OnEntityDecl(void* data, const XML_Char*, int, const XML_Char*, int, const XML_Char*,
                          const XML_Char*, const XML_Char*, const XML_Char*) {
  auto* st = static_cast<ParseState*>(data);
  st->Fail(absl::InvalidArgumentError("entity declarations are not accepted"));
}

int XMLCALL OnExternalEntity(XML_Parser, const XML_Char*, const XML_Char*, const XML_Char*,
                             const XML_Char*) {
  return XML_STATUS_ERROR;  // never load anything from outside the document
}

struct ParserDeleter {
  void operator()(XML_Parser p) const { XML_ParserFree(p); }
};

}  // namespace

std::string_view NsPrefix(Ns ns) {
  switch (ns) {
    case Ns::kNone: return "";
    case Ns::kOther: return "*";
    case Ns::kUblInvoice: return "ubl";
    case Ns::kUblCreditNote: return "cn";
    case Ns::kCbc: return "cbc";
    case Ns::kCac: return "cac";
    case Ns::kExt: return "ext";
    case Ns::kRsm: return "rsm";
    case Ns::kRam: return "ram";
    case Ns::kUdt: return "udt";
    case Ns::kQdt: return "qdt";
  }
  return "*";
}

const XmlNode* XmlNode::Child(Ns n, std::string_view l) const {
  for (const XmlNode* c : children) {
    if (c->ns == n && c->local == l) return c;
  }
  return nullptr;
}

std::vector<const XmlNode*> XmlNode::Children(Ns n, std::string_view l) const {
  std::vector<const XmlNode*> out;
  for (const XmlNode* c : children) {
    if (c->ns == n && c->local == l) out.push_back(c);
  }
  return out;
}

int XmlNode::Count(Ns n, std::string_view l) const {
  int k = 0;
  for (const XmlNode* c : children) {
    if (c->ns == n && c->local == l) ++k;
  }
  return k;
}

const std::string* XmlNode::Attribute(std::string_view name) const {
  for (const auto& [k, v] : attributes) {
    if (k == name) return &v;
  }
  return nullptr;
}

std::string XmlNode::Path() const {
  std::vector<const XmlNode*> chain;
  for (const XmlNode* n = this; n != nullptr; n = n->parent) chain.push_back(n);
  std::string out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const XmlNode* n = *it;
    int position = 1;
    if (n->parent != nullptr) {
      for (const XmlNode* sib : n->parent->children) {
        if (sib == n) break;
        if (sib->ns == n->ns && sib->local == n->local) ++position;
      }
    }
    std::string_view prefix = NsPrefix(n->ns);
    out += Cat("/", prefix, prefix.empty() ? std::string_view() : std::string_view(":"), n->local, "[", position, "]");
  }
  return out;
}

absl::StatusOr<XmlDocument> ParseXml(std::string_view bytes, const XmlLimits& limits) {
  if (bytes.size() > limits.max_bytes) {
    return absl::ResourceExhaustedError(
        Cat("document of ", bytes.size(), " bytes exceeds the limit of ", limits.max_bytes));
  }
  if (bytes.empty()) return absl::InvalidArgumentError("empty document");
  std::unique_ptr<XML_ParserStruct, ParserDeleter> parser(XML_ParserCreateNS(nullptr, kSep));
  if (parser == nullptr) return absl::ResourceExhaustedError("cannot create XML parser");
  XmlDocument doc;
  ParseState st;
  st.parser = parser.get();
  st.limits = &limits;
  st.nodes = &doc.nodes_;
  XML_SetUserData(parser.get(), &st);
  XML_SetElementHandler(parser.get(), OnStart, OnEnd);
  XML_SetCharacterDataHandler(parser.get(), OnText);
  XML_SetStartDoctypeDeclHandler(parser.get(), OnDoctype);
  XML_SetEntityDeclHandler(parser.get(), OnEntityDecl);
  XML_SetExternalEntityRefHandler(parser.get(), OnExternalEntity);
  XML_SetParamEntityParsing(parser.get(), XML_PARAM_ENTITY_PARSING_NEVER);
  XML_Status rc = XML_Parse(parser.get(), bytes.data(), static_cast<int>(bytes.size()), XML_TRUE);
  if (!st.error.ok()) return st.error;
  if (rc != XML_STATUS_OK) {
    return absl::InvalidArgumentError(
        Cat("not well-formed XML at line ", XML_GetCurrentLineNumber(parser.get()), ": ",
                     XML_ErrorString(XML_GetErrorCode(parser.get()))));
  }
  if (st.root == nullptr) return absl::InvalidArgumentError("no root element");
  doc.root_ = st.root;
  return doc;
}

std::string NormalizeSpace(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      pending = !out.empty();
    } else {
      if (pending) out.push_back(' ');
      pending = false;
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace rathaus::einvoice
