// Safe XML reading for untrusted invoices.
//
// Invoices arrive from the internet, so the parser refuses everything that lets a document reach
// outside itself or blow up: any DOCTYPE (and with it every entity declaration), external
// entities, and documents beyond the size, depth and element-count limits. What it accepts becomes
// a small read-only tree with namespaces resolved to the few the invoice syntaxes use.
//
//   absl::StatusOr<XmlDocument> doc = ParseXml(bytes, XmlLimits{});
//   if (!doc.ok()) return ParseErrorReport(doc.status());
//   const XmlNode* root = doc->root();
//   for (const XmlNode* line : root->Children(Ns::kCac, "InvoiceLine")) { ... }
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace rathaus::einvoice {

// The namespaces the invoice syntaxes use; everything else is kOther.
enum class Ns {
  kNone,
  kOther,
  kUblInvoice,
  kUblCreditNote,
  kCbc,
  kCac,
  kExt,
  kRsm,
  kRam,
  kUdt,
  kQdt,
};

// The conventional prefix used in report locations ("cbc", "ram", ...).
std::string_view NsPrefix(Ns ns);

struct XmlLimits {
  size_t max_bytes = 20 * 1024 * 1024;
  int max_depth = 64;
  size_t max_elements = 2'000'000;
};

class XmlNode {
 public:
  Ns ns = Ns::kNone;
  std::string local;
  std::vector<std::pair<std::string, std::string>> attributes;  // unqualified local names
  std::string text;                                             // direct character content
  std::vector<XmlNode*> children;
  XmlNode* parent = nullptr;

  const XmlNode* Child(Ns ns, std::string_view local) const;
  std::vector<const XmlNode*> Children(Ns ns, std::string_view local) const;
  int Count(Ns ns, std::string_view local) const;
  const std::string* Attribute(std::string_view name) const;
  bool Is(Ns n, std::string_view l) const { return ns == n && local == l; }
  // Abbreviated XPath of this element, e.g. /ubl:Invoice[1]/cac:InvoiceLine[2]/cbc:ID[1].
  std::string Path() const;
};

class XmlDocument {
 public:
  XmlDocument() = default;
  XmlDocument(XmlDocument&&) = default;
  XmlDocument& operator=(XmlDocument&&) = default;
  const XmlNode* root() const { return root_; }
  size_t element_count() const { return nodes_.size(); }

 private:
  friend absl::StatusOr<XmlDocument> ParseXml(std::string_view, const XmlLimits&);
  std::deque<XmlNode> nodes_;
  XmlNode* root_ = nullptr;
};

// Parses `bytes`. Fails with InvalidArgument for anything not well-formed, any DOCTYPE, and
// with ResourceExhausted for inputs beyond `limits`.
absl::StatusOr<XmlDocument> ParseXml(std::string_view bytes, const XmlLimits& limits);

// XPath normalize-space().
std::string NormalizeSpace(std::string_view s);

}  // namespace rathaus::einvoice
