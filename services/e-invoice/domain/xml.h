// Safe XML reading for untrusted invoices.
//
// Invoices arrive from the internet, so the parser refuses everything that lets a document reach
// outside itself or blow up: any DOCTYPE (and with it every entity declaration), external
// entities, and documents beyond the size and depth limits. What it accepts becomes a compact
// read-only tree with namespaces resolved to the few the invoice syntaxes use.
//
//   absl::StatusOr<XmlDocument> doc = ParseXml(bytes, XmlLimits{});  // `bytes` must outlive `doc`
//   if (!doc.ok()) return ParseErrorReport(doc.status());
//   const XmlNode* root = doc->root();
//   for (const XmlNode* line : root->Children(Ns::kCac, "InvoiceLine")) { ... }
//
// The parser is our own (xml.cc), written from XML 1.0 (fifth edition) and Namespaces in XML 1.0:
// well-formedness is checked in full (characters, names, tags, attributes, references), and the
// tree is built in the same pass. Memory is bounded by the input: every element and attribute is
// one 40-byte record in a single array, names are stored once per document, and text points into
// the input unless it had to be decoded. A document may hold at most one element or attribute per
// `min_bytes_per_node` bytes (real invoices have one per 38 bytes or more), so 20 MiB of `<a/>`
// is refused after about 2 million records instead of taking the service to several hundred MiB.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace rathaus::einvoice {

// The namespaces the invoice syntaxes use; everything else is kOther.
enum class Ns : uint8_t {
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
  // Elements plus attributes: at most one per `min_bytes_per_node` bytes of input (but always
  // `min_node_allowance`), and never more than `max_elements` (no fixed cap by default).
  size_t min_bytes_per_node = 10;
  size_t min_node_allowance = 16 * 1024;
  size_t max_elements = SIZE_MAX;
  // Distinct element and attribute names of one document (UBL 2.1 and CII together have fewer
  // than 4,000).
  size_t max_distinct_names = 16 * 1024;
  // Namespace declarations in scope at once (an invoice declares about ten): prefixes are looked
  // up among them.
  size_t max_namespace_declarations = 256;
};

// An element or attribute name, stored once per document (its local part points into the input).
struct XmlName {
  Ns ns;
  std::string_view local;
};

// An element. Its attributes follow it in the document's record array, then its children in
// document order; parent and next sibling are distances within that array.
class XmlNode {
 public:
  class ChildIterator {
   public:
    explicit ChildIterator(const XmlNode* n) : n_(n) {}
    const XmlNode* operator*() const { return n_; }
    ChildIterator& operator++() {
      n_ = n_->next_sibling();
      return *this;
    }
    bool operator!=(const ChildIterator& o) const { return n_ != o.n_; }
    bool operator==(const ChildIterator& o) const { return n_ == o.n_; }

   private:
    const XmlNode* n_;
  };
  struct ChildRange {
    const XmlNode* first;
    ChildIterator begin() const { return ChildIterator(first); }
    ChildIterator end() const { return ChildIterator(nullptr); }
    bool empty() const { return first == nullptr; }
  };

  Ns ns() const { return name_->ns; }
  std::string_view local() const { return name_->local; }
  const XmlName* name() const { return name_; }
  // The element's own character content (all its text pieces, without its children's).
  std::string_view text() const { return text_; }
  const XmlNode* parent() const { return parent_ == 0 ? nullptr : this - parent_; }
  const XmlNode* first_child() const { return has_children_ ? this + 1 + attribute_count_ : nullptr; }
  const XmlNode* next_sibling() const { return next_sibling_ == 0 ? nullptr : this + next_sibling_; }
  ChildRange children() const { return ChildRange{first_child()}; }

  // Inline, so that a literal name's length is known where it is compared.
  const XmlNode* Child(Ns ns, std::string_view local) const {
    for (const XmlNode* c = first_child(); c != nullptr; c = c->next_sibling()) {
      if (c->Is(ns, local)) return c;
    }
    return nullptr;
  }
  std::vector<const XmlNode*> Children(Ns ns, std::string_view local) const;
  int Count(Ns ns, std::string_view local) const;
  // The value of the attribute with this unqualified local name, or nullptr.
  const std::string_view* Attribute(std::string_view name) const;
  bool Is(Ns n, std::string_view l) const { return name_->ns == n && name_->local == l; }
  // Abbreviated XPath of this element, e.g. /ubl:Invoice[1]/cac:InvoiceLine[2]/cbc:ID[1].
  std::string Path() const;

 private:
  friend class XmlParser;
  const XmlName* name_ = nullptr;
  std::string_view text_;         // for an attribute record: its value
  uint32_t parent_ = 0;           // records back to the parent; 0 for the root
  uint32_t next_sibling_ = 0;     // records forward to the next sibling; 0 for the last child
  uint16_t attribute_count_ = 0;  // attribute records right after this one
  bool has_children_ = false;
};

class XmlDocument {
 public:
  XmlDocument() = default;
  XmlDocument(XmlDocument&&) = default;
  XmlDocument& operator=(XmlDocument&&) = default;
  const XmlNode* root() const { return root_; }
  size_t element_count() const { return element_count_; }
  // The stored name, or nullptr when no element or attribute of the document has it: then no
  // node is that name, and one with it is the same pointer (a test without comparing strings).
  const XmlName* Find(Ns ns, std::string_view local) const {
    auto it = names_index_.find(NameKey{ns, local});
    return it == names_index_.end() ? nullptr : it->second;
  }

 private:
  friend class XmlParser;
  friend absl::StatusOr<XmlDocument> ParseXml(std::string_view, const XmlLimits&);
  struct FreeDeleter {
    void operator()(void* p) const;
  };
  std::unique_ptr<XmlNode, FreeDeleter> records_;  // elements and attributes, one array
  std::deque<XmlName> names_;
  struct NameKey {
    Ns ns;
    std::string_view local;
    bool operator==(const NameKey& o) const { return ns == o.ns && local == o.local; }
    template <typename H>
    friend H AbslHashValue(H h, const NameKey& k) {
      return H::combine(std::move(h), k.ns, k.local);
    }
  };
  absl::flat_hash_map<NameKey, const XmlName*> names_index_;
  std::vector<std::unique_ptr<char[]>> text_;      // decoded text (entities, CR LF, pieces)
  std::unique_ptr<std::string> transcoded_;        // the input in UTF-8 when it came in another
  const XmlNode* root_ = nullptr;
  size_t element_count_ = 0;
};

// XmlNode::Path() for many nodes of one document: a node's position among its same-named
// siblings is counted once per parent (Path() counts the preceding siblings on every call, which
// made a report with a finding on each of 25,000 lines take 4.6 s).
class XmlPaths {
 public:
  std::string Path(const XmlNode* n);

 private:
  absl::flat_hash_map<const XmlNode*, uint32_t> position_;  // children of the parents seen
  absl::flat_hash_map<const XmlNode*, bool> counted_;        // parents
};

// Parses `bytes`. Fails with InvalidArgument for anything not well-formed, any DOCTYPE, and
// with ResourceExhausted for inputs beyond `limits`. The document points into `bytes`.
absl::StatusOr<XmlDocument> ParseXml(std::string_view bytes, const XmlLimits& limits);

// XPath normalize-space().
std::string NormalizeSpace(std::string_view s);

}  // namespace rathaus::einvoice
