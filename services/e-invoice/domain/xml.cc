#include "domain/xml.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "domain/strings.h"

namespace rathaus::einvoice {

void XmlDocument::FreeDeleter::operator()(void* p) const { std::free(p); }

namespace {

constexpr std::string_view kXmlNamespace = "http://www.w3.org/XML/1998/namespace";
constexpr std::string_view kXmlnsNamespace = "http://www.w3.org/2000/xmlns/";

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

// Byte classes of the ASCII range (bytes >= 0x80 are handled by decoding UTF-8).
enum : uint8_t {
  kNameStart = 1,   // [A-Za-z_:]
  kNameChar = 2,    // NameStart, [0-9], '-', '.'
  kSpace = 4,       // #x20 | #x9 | #xD | #xA
  kTextStop = 8,    // where plain character data ends or needs a look: < & \r ]
  kValueStop = 16,  // where a plain attribute value needs a look: < & \t \n \r (and quotes)
  kBadControl = 32, // C0 controls that are no XML Char
};

struct ByteClasses {
  uint8_t c[256] = {};
  constexpr ByteClasses() {
    for (int i = 0; i < 0x20; ++i) c[i] = kBadControl;
    c['\t'] = kSpace | kValueStop;
    c['\n'] = kSpace | kValueStop;
    c['\r'] = kSpace | kValueStop | kTextStop;
    c[' '] = kSpace;
    for (int i = 'a'; i <= 'z'; ++i) c[i] = kNameStart | kNameChar;
    for (int i = 'A'; i <= 'Z'; ++i) c[i] = kNameStart | kNameChar;
    for (int i = '0'; i <= '9'; ++i) c[i] = kNameChar;
    c['_'] = kNameStart | kNameChar;
    c[':'] = kNameStart | kNameChar;
    c['-'] = kNameChar;
    c['.'] = kNameChar;
    c['<'] = kTextStop | kValueStop;
    c['&'] = kTextStop | kValueStop;
    c[']'] = kTextStop;
    c['"'] = kValueStop;
    c['\''] = kValueStop;
  }
};
constexpr ByteClasses kClass;

inline uint8_t ClassOf(char ch) { return kClass.c[static_cast<uint8_t>(ch)]; }

// Decodes one UTF-8 sequence at p (already validated); returns its length.
inline int DecodeUtf8(const char* p, uint32_t* cp) {
  const auto b0 = static_cast<uint8_t>(p[0]);
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  const auto b = [&](int i) { return static_cast<uint32_t>(static_cast<uint8_t>(p[i]) & 0x3F); };
  if (b0 < 0xE0) {
    *cp = ((b0 & 0x1Fu) << 6) | b(1);
    return 2;
  }
  if (b0 < 0xF0) {
    *cp = ((b0 & 0x0Fu) << 12) | (b(1) << 6) | b(2);
    return 3;
  }
  *cp = ((b0 & 0x07u) << 18) | (b(1) << 12) | (b(2) << 6) | b(3);
  return 4;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// XML 1.0 Char production.
bool IsXmlChar(uint32_t cp) {
  if (cp < 0x20) return cp == 0x9 || cp == 0xA || cp == 0xD;
  if (cp <= 0xD7FF) return true;
  if (cp < 0xE000) return false;
  if (cp <= 0xFFFD) return true;
  return cp >= 0x10000 && cp <= 0x10FFFF;
}

// XML 1.0 fifth edition NameStartChar / NameChar beyond ASCII.
bool IsNameStartCp(uint32_t cp) {
  return (cp >= 0xC0 && cp <= 0xD6) || (cp >= 0xD8 && cp <= 0xF6) || (cp >= 0xF8 && cp <= 0x2FF) ||
         (cp >= 0x370 && cp <= 0x37D) || (cp >= 0x37F && cp <= 0x1FFF) ||
         (cp >= 0x200C && cp <= 0x200D) || (cp >= 0x2070 && cp <= 0x218F) ||
         (cp >= 0x2C00 && cp <= 0x2FEF) || (cp >= 0x3001 && cp <= 0xD7FF) ||
         (cp >= 0xF900 && cp <= 0xFDCF) || (cp >= 0xFDF0 && cp <= 0xFFFD) ||
         (cp >= 0x10000 && cp <= 0xEFFFF);
}
bool IsNameCp(uint32_t cp) {
  return IsNameStartCp(cp) || cp == 0xB7 || (cp >= 0x300 && cp <= 0x36F) ||
         (cp >= 0x203F && cp <= 0x2040);
}

// Checks that `s` is UTF-8 made of XML Chars only, and counts the '<' and '=' bytes (upper
// bounds of the elements and attributes). Returns the offset of the first bad byte, or npos.
size_t CheckCharacters(std::string_view s, size_t* lt, size_t* eq) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const size_t n = s.size();
  size_t lts = 0, eqs = 0;
  size_t i = 0;
#if defined(__SSE2__)
  __m128i lt_lanes = _mm_setzero_si128(), eq_lanes = _mm_setzero_si128();
  int blocks = 0;
  const auto lane_sum = [](__m128i lanes) {
    const __m128i sums = _mm_sad_epu8(lanes, _mm_setzero_si128());
    return static_cast<size_t>(_mm_cvtsi128_si32(sums)) +
           static_cast<size_t>(_mm_cvtsi128_si32(_mm_unpackhi_epi64(sums, sums)));
  };
  const auto flush = [&] {
    lts += lane_sum(lt_lanes);
    eqs += lane_sum(eq_lanes);
    lt_lanes = eq_lanes = _mm_setzero_si128();
    blocks = 0;
  };
#endif
  while (i < n) {
#if defined(__SSE2__)
    // Sixteen bytes at a time while they are ASCII without a forbidden control character.
    if (i + 16 <= n) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      const int high = _mm_movemask_epi8(v);
      const __m128i control = _mm_andnot_si128(
          _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\t')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))),
                       _mm_cmpeq_epi8(v, _mm_set1_epi8('\r'))),
          _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
      if (high == 0 && _mm_movemask_epi8(control) == 0) {
        // Each match is -1 in its byte lane; the lanes are summed before they can overflow.
        lt_lanes = _mm_sub_epi8(lt_lanes, _mm_cmpeq_epi8(v, _mm_set1_epi8('<')));
        eq_lanes = _mm_sub_epi8(eq_lanes, _mm_cmpeq_epi8(v, _mm_set1_epi8('=')));
        if (++blocks == 255) flush();
        i += 16;
        continue;
      }
    }
#endif
    const uint8_t b0 = p[i];
    if (b0 < 0x80) {
      if (kClass.c[b0] & kBadControl) return i;
      lts += b0 == '<';
      eqs += b0 == '=';
      ++i;
      continue;
    }
    int len;
    uint32_t cp;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
      cp = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      cp = b0 & 0x0F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      cp = b0 & 0x07;
    } else {
      return i;
    }
    if (i + len > n) return i;
    for (int k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    const uint32_t min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
    if (cp < min || !IsXmlChar(cp)) return i;
    i += len;
  }
#if defined(__SSE2__)
  flush();
#endif
  *lt = lts;
  *eq = eqs;
  return std::string_view::npos;
}

// A non-empty name whose first character may begin an NCName.
bool IsNcNameStart(std::string_view s) {
  if (s.empty() || s[0] == ':') return false;
  if (static_cast<uint8_t>(s[0]) < 0x80) return (ClassOf(s[0]) & kNameStart) != 0;
  uint32_t cp;
  DecodeUtf8(s.data(), &cp);
  return IsNameStartCp(cp);
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 32);
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 32);
    if (x != y) return false;
  }
  return true;
}

// UTF-16 (with or without a byte order mark) to UTF-8; false for unpaired surrogates or an odd
// length.
bool Utf16ToUtf8(std::string_view in, bool big_endian, std::string* out) {
  if (in.size() % 2 != 0) return false;
  out->clear();
  out->reserve(in.size());
  const auto unit = [&](size_t i) {
    const auto a = static_cast<uint8_t>(in[i]), b = static_cast<uint8_t>(in[i + 1]);
    return big_endian ? static_cast<uint32_t>((a << 8) | b) : static_cast<uint32_t>((b << 8) | a);
  };
  for (size_t i = 0; i < in.size(); i += 2) {
    uint32_t u = unit(i);
    if (u >= 0xD800 && u <= 0xDBFF) {
      if (i + 4 > in.size()) return false;
      const uint32_t lo = unit(i + 2);
      if (lo < 0xDC00 || lo > 0xDFFF) return false;
      u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
      i += 2;
    } else if (u >= 0xDC00 && u <= 0xDFFF) {
      return false;
    }
    AppendUtf8(*out, u);
  }
  return true;
}

void Latin1ToUtf8(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size() + in.size() / 8);
  for (char c : in) AppendUtf8(*out, static_cast<uint8_t>(c));
}

}  // namespace

// Names as written → interned names. Open addressing on a cheap hash: most documents have a
// few hundred distinct names, and a lookup runs for every element and attribute.
class NameCache {
 public:
  const XmlName* Find(std::string_view q, size_t* slot) const {
    size_t i = SlotOf(q);
    while (slots_[i].generation == generation_) {
      const Slot& c = slots_[i];
      if (c.size == q.size() && std::memcmp(c.data, q.data(), q.size()) == 0) return c.name;
      i = (i + 1) & (kSlots - 1);
    }
    *slot = i;
    return nullptr;
  }
  void Add(size_t slot, std::string_view q, const XmlName* name) {
    if (used_ >= kSlots / 2) return;  // keep probes short; the rest is looked up the slow way
    slots_[slot] = Slot{generation_, static_cast<uint32_t>(q.size()), q.data(), name};
    ++used_;
  }
  void Forget() {
    used_ = 0;
    if (++generation_ == 0) {  // wrapped: no old slot may look current
      std::fill(slots_.begin(), slots_.end(), Slot{});
      generation_ = 1;
    }
  }

 private:
  static constexpr size_t kSlots = 1024;
  struct Slot {
    uint32_t generation = 0;
    uint32_t size = 0;
    const char* data = nullptr;
    const XmlName* name = nullptr;
  };
  static size_t SlotOf(std::string_view q) {
    uint64_t a = 0, b = 0;
    if (q.size() >= 8) {
      std::memcpy(&a, q.data(), 8);
      std::memcpy(&b, q.data() + q.size() - 8, 8);
    } else {
      std::memcpy(&a, q.data(), q.size());
    }
    uint64_t h = a * 0x9E3779B97F4A7C15ull ^ (b + q.size()) * 0xC2B2AE3D27D4EB4Full;
    h ^= h >> 29;
    return static_cast<size_t>(h) & (kSlots - 1);
  }
  std::vector<Slot> slots_ = std::vector<Slot>(kSlots);
  uint32_t generation_ = 1;
  size_t used_ = 0;
};

// One pass over the input: well-formedness, namespaces and the tree together.
class XmlParser {
 public:
  XmlParser(std::string_view in, const XmlLimits& limits, XmlDocument* doc)
      : begin_(in.data()), p_(in.data()), end_(in.data() + in.size()), limits_(limits), doc_(doc) {
    doc_->names_index_.reserve(256);
    element_names_.Forget();
    attribute_names_.Forget();
  }

  absl::Status Run(size_t lt_count, size_t eq_count);

 private:
  struct Binding {
    std::string_view prefix;  // empty for the default namespace
    std::string_view uri;     // empty: no namespace (xmlns="")
  };
  struct Frame {
    uint32_t record;          // index of the element's record
    uint32_t last_child = 0;  // index of its last child record so far, 0 = none
    std::string_view qname;   // as written, for the end tag
    size_t bindings = 0;      // bindings_.size() before this element's declarations
    std::string_view text;    // the only text piece so far, when `pieces` == 1 and not built
    int pieces = 0;
    bool built = false;       // text is in builders_[depth]
  };
  struct RawAttribute {
    std::string_view qname;
    std::string_view raw;     // between the quotes
    bool plain;               // no reference and no whitespace to normalise
  };

  bool Fail(const char* at, std::string_view what) {
    if (status_.ok()) {
      const size_t line = 1 + static_cast<size_t>(std::count(begin_, std::min(at, end_), '\n'));
      status_ = absl::InvalidArgumentError(Cat("not well-formed XML at line ", line, ": ", what));
    }
    return false;
  }
  bool Exhausted(std::string_view what) {
    if (status_.ok()) status_ = absl::ResourceExhaustedError(std::string(what));
    return false;
  }

  bool StartsWith(std::string_view s) const {
    return static_cast<size_t>(end_ - p_) >= s.size() && std::memcmp(p_, s.data(), s.size()) == 0;
  }
  void SkipSpace() {
    while (p_ < end_ && (ClassOf(*p_) & kSpace)) ++p_;
  }
  bool ScanName(std::string_view* name);
  bool ParseXmlDecl();
  bool ParseComment();
  bool ParsePi();
  bool OpenValue(char* quote, std::string_view error);
  bool ParseStartTag();
  bool ParseEndTag();
  bool AttributeInNamespace(size_t i, const XmlName** name);
  bool UniqueQualifiedNames();
  bool UniqueExpandedNames();
  bool Duplicate(std::string_view name);
  bool ParseCdata();
  bool ParseText();
  bool DecodeReference(const char* stop, std::string& out);
  enum class Decoding { kNone, kText, kAttribute, kCdata };
  bool Decode(std::string_view raw, Decoding how, std::string& out);
  bool AddText(std::string_view piece, Decoding how);
  bool Resolve(std::string_view qname, bool attribute, Ns* ns, std::string_view* uri,
               std::string_view* local);
  bool Intern(Ns ns, std::string_view local, const XmlName** name);
  std::string_view Store(std::string_view s);
  XmlNode* NewRecord();

  const char* begin_;
  const char* p_;
  const char* end_;
  const XmlLimits& limits_;
  XmlDocument* doc_;
  absl::Status status_;

  XmlNode* records_ = nullptr;
  size_t record_count_ = 0;
  size_t record_capacity_ = 0;
  std::vector<Frame> stack_;
  std::vector<std::string> builders_;  // one per depth, reused
  std::vector<Binding> bindings_;
  std::vector<RawAttribute> attributes_;
  std::vector<std::pair<std::string_view, std::string_view>> expanded_;  // (namespace, local)
  absl::flat_hash_set<std::string_view> seen_;
  absl::flat_hash_set<std::pair<std::string_view, std::string_view>> seen_expanded_;
  std::string value_;
  bool root_seen_ = false;
  bool root_closed_ = false;


  // Element names as written → interned name, valid while the namespace bindings stay as they
  // are (Forget() on every change); attribute names → interned name, always valid (attributes
  // are kept by their local name).
  // Per thread, reused from document to document (a new document starts a new generation).
  static thread_local NameCache element_names_;
  static thread_local NameCache attribute_names_;

  char* arena_ = nullptr;
  size_t arena_left_ = 0;
};

thread_local NameCache XmlParser::element_names_;
thread_local NameCache XmlParser::attribute_names_;

bool XmlParser::ScanName(std::string_view* name) {
  const char* start = p_;
  if (p_ >= end_) return Fail(p_, "name expected");
  uint32_t cp;
  if (static_cast<uint8_t>(*p_) < 0x80) {
    if (!(ClassOf(*p_) & kNameStart)) return Fail(p_, "name expected");
    ++p_;
  } else {
    const int len = DecodeUtf8(p_, &cp);
    if (!IsNameStartCp(cp)) return Fail(p_, "name expected");
    p_ += len;
  }
  while (p_ < end_) {
    if (static_cast<uint8_t>(*p_) < 0x80) {
      if (!(ClassOf(*p_) & kNameChar)) break;
      ++p_;
    } else {
      const int len = DecodeUtf8(p_, &cp);
      if (!IsNameCp(cp)) break;
      p_ += len;
    }
  }
  *name = std::string_view(start, static_cast<size_t>(p_ - start));
  return true;
}

std::string_view XmlParser::Store(std::string_view s) {
  if (s.empty()) return {};
  if (s.size() > 16 * 1024) {
    auto& block = doc_->text_.emplace_back(new char[s.size()]);
    std::memcpy(block.get(), s.data(), s.size());
    return std::string_view(block.get(), s.size());
  }
  if (arena_left_ < s.size()) {
    constexpr size_t kChunk = 64 * 1024;
    arena_ = doc_->text_.emplace_back(new char[kChunk]).get();
    arena_left_ = kChunk;
  }
  std::memcpy(arena_, s.data(), s.size());
  std::string_view out(arena_, s.size());
  arena_ += s.size();
  arena_left_ -= s.size();
  return out;
}

XmlNode* XmlParser::NewRecord() {
  if (record_count_ >= record_capacity_) return nullptr;
  return new (records_ + record_count_++) XmlNode();
}

bool XmlParser::Intern(Ns ns, std::string_view local, const XmlName** name) {
  auto& index = doc_->names_index_;
  auto it = index.find(XmlDocument::NameKey{ns, local});
  if (it != index.end()) {
    *name = it->second;
    return true;
  }
  if (index.size() >= limits_.max_distinct_names) {
    return Exhausted("too many distinct XML names");
  }
  XmlName& n = doc_->names_.emplace_back(XmlName{ns, local});
  index.emplace(XmlDocument::NameKey{ns, n.local}, &n);
  *name = &n;
  return true;
}

// Splits a QName and finds its namespace. Attributes without a prefix have no namespace.
bool XmlParser::Resolve(std::string_view qname, bool attribute, Ns* ns, std::string_view* uri,
                        std::string_view* local) {
  const size_t colon = qname.find(':');
  std::string_view prefix;
  if (colon == std::string_view::npos) {
    *local = qname;
  } else {
    prefix = qname.substr(0, colon);
    *local = qname.substr(colon + 1);
    if (prefix.empty() || !IsNcNameStart(*local) || local->find(':') != std::string_view::npos) {
      return Fail(p_, Cat("\"", qname, "\" is no qualified name"));
    }
  }
  if (prefix.empty() && attribute) {
    *ns = Ns::kNone;
    *uri = {};
    return true;
  }
  if (prefix == "xml") {
    *ns = Ns::kOther;
    *uri = kXmlNamespace;
    return true;
  }
  for (auto it = bindings_.rbegin(); it != bindings_.rend(); ++it) {
    if (it->prefix == prefix) {
      *uri = it->uri;
      *ns = NsFromUri(it->uri);
      return true;
    }
  }
  if (prefix.empty()) {
    *ns = Ns::kNone;
    *uri = {};
    return true;
  }
  return Fail(p_, Cat("unbound prefix \"", prefix, "\""));
}

// A reference at p_ ('&'), ending before `stop`: appends its character(s) to `out`.
bool XmlParser::DecodeReference(const char* stop, std::string& out) {
  const char* at = p_;
  ++p_;
  const char* semi = static_cast<const char*>(std::memchr(p_, ';', static_cast<size_t>(stop - p_)));
  if (semi == nullptr) return Fail(at, "unterminated reference");
  const std::string_view name(p_, static_cast<size_t>(semi - p_));
  p_ = semi + 1;
  if (!name.empty() && name[0] == '#') {
    uint32_t cp = 0;
    std::string_view digits = name.substr(1);
    int base = 10;
    if (!digits.empty() && digits[0] == 'x') {
      base = 16;
      digits.remove_prefix(1);
    }
    if (digits.empty()) return Fail(at, "empty character reference");
    for (char c : digits) {
      int d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (base == 16 && c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
      } else if (base == 16 && c >= 'A' && c <= 'F') {
        d = c - 'A' + 10;
      } else {
        return Fail(at, "bad character reference");
      }
      cp = cp * static_cast<uint32_t>(base) + static_cast<uint32_t>(d);
      if (cp > 0x10FFFF) return Fail(at, "character reference out of range");
    }
    if (!IsXmlChar(cp)) return Fail(at, "reference to a character that XML does not allow");
    AppendUtf8(out, cp);
    return true;
  }
  if (name == "lt") {
    out.push_back('<');
  } else if (name == "gt") {
    out.push_back('>');
  } else if (name == "amp") {
    out.push_back('&');
  } else if (name == "apos") {
    out.push_back('\'');
  } else if (name == "quot") {
    out.push_back('"');
  } else {
    return Fail(at, Cat("undefined entity \"", name, "\""));
  }
  return true;
}

// Appends `raw` to `out`, decoded as XML 1.0 asks: CR LF and a lone CR become LF; in an
// attribute value every whitespace character becomes a space (CR LF one space); references are
// replaced except in a CDATA section.
bool XmlParser::Decode(std::string_view raw, Decoding how, std::string& out) {
  const char* saved = p_;
  p_ = raw.data();
  const char* stop = raw.data() + raw.size();
  while (p_ < stop) {
    const char c = *p_;
    if (c == '&' && how != Decoding::kCdata) {
      if (!DecodeReference(stop, out)) return false;
      continue;
    }
    ++p_;
    if (c == '\r') {
      if (p_ < stop && *p_ == '\n') ++p_;
      out.push_back(how == Decoding::kAttribute ? ' ' : '\n');
    } else if (how == Decoding::kAttribute && (c == '\t' || c == '\n')) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  p_ = saved;
  return true;
}

// One piece of an element's text (between its tags, comments and CDATA sections). A single plain
// piece is kept where it is in the input; more pieces, or one to decode, are put together.
bool XmlParser::AddText(std::string_view piece, Decoding how) {
  if (piece.empty()) return true;
  Frame& f = stack_.back();
  std::string& b = builders_[stack_.size() - 1];
  if (f.pieces == 0 && how == Decoding::kNone) {
    f.text = piece;
    f.pieces = 1;
    return true;
  }
  if (!f.built) {
    b.assign(f.text);
    f.built = true;
  }
  ++f.pieces;
  if (how == Decoding::kNone) {
    b.append(piece);
    return true;
  }
  return Decode(piece, how, b);
}

// Character data up to the next '<'.
bool XmlParser::ParseText() {
  const char* start = p_;
  bool plain = true;
  while (p_ < end_) {
#if defined(__SSE2__)
    // Sixteen bytes at a time up to the first < & CR or ].
    while (end_ - p_ >= 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p_));
      const int stops = _mm_movemask_epi8(
          _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('<')), _mm_cmpeq_epi8(v, _mm_set1_epi8('&'))),
                       _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')), _mm_cmpeq_epi8(v, _mm_set1_epi8(']')))));
      if (stops != 0) {
        p_ += __builtin_ctz(static_cast<unsigned>(stops));
        break;
      }
      p_ += 16;
    }
    if (p_ >= end_) break;
#endif
    const char c = *p_;
    if (!(ClassOf(c) & kTextStop)) {
      ++p_;
      continue;
    }
    if (c == '<') break;
    if (c == ']') {
      if (end_ - p_ >= 3 && p_[1] == ']' && p_[2] == '>') return Fail(p_, "\"]]>\" in text");
      ++p_;
      continue;
    }
    if (c == '&') {  // &name; or &#digits; (checked when decoded)
      const char* q = p_ + 1;
      if (q < end_ && *q == '#') ++q;
      while (q < end_ && (ClassOf(*q) & kNameChar)) ++q;
      if (q >= end_ || *q != ';') return Fail(p_, "bad reference");
      p_ = q + 1;
    } else {
      ++p_;  // '\r'
    }
    plain = false;
  }
  const std::string_view piece(start, static_cast<size_t>(p_ - start));
  if (stack_.empty()) {
    for (char c : piece) {
      if (!(ClassOf(c) & kSpace)) {
        return Fail(start, root_closed_ ? "text after the root element" : "text before the root element");
      }
    }
    return true;
  }
  return AddText(piece, plain ? Decoding::kNone : Decoding::kText);
}

bool XmlParser::ParseComment() {  // at "<!--"
  const char* at = p_;
  p_ += 4;
  while (true) {
    const char* dash = static_cast<const char*>(std::memchr(p_, '-', static_cast<size_t>(end_ - p_)));
    if (dash == nullptr || end_ - dash < 3) return Fail(at, "unterminated comment");
    if (dash[1] == '-') {
      if (dash[2] != '>') return Fail(dash, "\"--\" inside a comment");
      p_ = dash + 3;
      return true;
    }
    p_ = dash + 1;
  }
}

bool XmlParser::ParsePi() {  // at "<?"
  const char* at = p_;
  p_ += 2;
  std::string_view target;
  if (!ScanName(&target)) return false;
  if (EqualsIgnoreCase(target, "xml")) return Fail(at, "XML declaration not at the start");
  if (target.find(':') != std::string_view::npos) return Fail(at, "colon in a processing instruction");
  if (StartsWith("?>")) {
    p_ += 2;
    return true;
  }
  if (p_ >= end_ || !(ClassOf(*p_) & kSpace)) return Fail(p_, "bad processing instruction");
  const char* q = p_;
  while (true) {
    q = static_cast<const char*>(std::memchr(q, '?', static_cast<size_t>(end_ - q)));
    if (q == nullptr || q + 1 >= end_) return Fail(at, "unterminated processing instruction");
    if (q[1] == '>') break;
    ++q;
  }
  p_ = q + 2;
  return true;
}

bool XmlParser::ParseCdata() {  // at "<![CDATA["
  const char* at = p_;
  p_ += 9;
  const char* start = p_;
  const char* q = p_;
  while (true) {
    q = static_cast<const char*>(std::memchr(q, ']', static_cast<size_t>(end_ - q)));
    if (q == nullptr || end_ - q < 3) return Fail(at, "unterminated CDATA section");
    if (q[1] == ']' && q[2] == '>') break;
    ++q;
  }
  p_ = q + 3;
  const std::string_view piece(start, static_cast<size_t>(q - start));
  return AddText(piece, piece.find('\r') == std::string_view::npos ? Decoding::kNone : Decoding::kCdata);
}

// After a name: Eq (S? '=' S?) and the opening quote of its value.
bool XmlParser::OpenValue(char* quote, std::string_view error) {
  SkipSpace();
  if (p_ >= end_ || *p_ != '=') return Fail(p_, error);
  ++p_;
  SkipSpace();
  if (p_ >= end_ || (*p_ != '"' && *p_ != '\'')) return Fail(p_, error);
  *quote = *p_++;
  return true;
}

bool XmlParser::ParseStartTag() {  // at '<' + name start
  const char* at = p_;
  ++p_;
  std::string_view qname;
  if (!ScanName(&qname)) return false;
  if (root_closed_) return Fail(at, "a second root element");
  if (static_cast<int>(stack_.size()) >= limits_.max_depth) {
    return Exhausted("XML nesting too deep");
  }
  // Attributes as written.
  attributes_.clear();
  bool empty = false;
  while (true) {
    const char* before = p_;
    SkipSpace();
    if (p_ >= end_) return Fail(at, "unterminated start tag");
    if (*p_ == '>') {
      ++p_;
      break;
    }
    if (*p_ == '/') {
      if (p_ + 1 >= end_ || p_[1] != '>') return Fail(p_, "bad empty-element tag");
      p_ += 2;
      empty = true;
      break;
    }
    if (p_ == before) return Fail(p_, "whitespace expected before an attribute");
    RawAttribute a;
    if (!ScanName(&a.qname)) return false;
    char quote;
    if (!OpenValue(&quote, "\"=\" and a quoted value expected after an attribute name")) return false;
    const char* v = p_;
    a.plain = true;
    while (true) {
      if (p_ >= end_) return Fail(v, "unterminated attribute value");
      const char c = *p_;
      if (c == quote) break;
      if (ClassOf(c) & kValueStop) {
        if (c == '<') return Fail(p_, "\"<\" in an attribute value");
        if (c != '"' && c != '\'') a.plain = false;
      }
      ++p_;
    }
    a.raw = std::string_view(v, static_cast<size_t>(p_ - v));
    ++p_;
    attributes_.push_back(a);
  }
  if (!UniqueQualifiedNames()) return false;

  // Namespace declarations first: they apply to this element's own name and attributes.
  const size_t bindings_before = bindings_.size();
  size_t declarations = 0;
  for (const RawAttribute& a : attributes_) {
    const bool default_ns = a.qname == "xmlns";
    if (!default_ns && a.qname.substr(0, 6) != "xmlns:") continue;
    ++declarations;
    std::string_view uri = a.raw;
    if (!a.plain) {
      value_.clear();
      if (!Decode(a.raw, Decoding::kAttribute, value_)) return false;
      uri = Store(value_);
    }
    const std::string_view prefix = default_ns ? std::string_view() : a.qname.substr(6);
    if (!default_ns) {
      if (prefix.empty() || prefix.find(':') != std::string_view::npos) {
        return Fail(a.qname.data(), "bad namespace prefix");
      }
      if (uri.empty()) return Fail(a.qname.data(), Cat("prefix \"", prefix, "\" bound to no namespace"));
      if (prefix == "xmlns") return Fail(a.qname.data(), "the prefix xmlns cannot be declared");
      if ((prefix == "xml") != (uri == kXmlNamespace)) {
        return Fail(a.qname.data(), "the prefix xml and its namespace belong together");
      }
      if (prefix == "xml") continue;
    } else if (uri == kXmlNamespace) {
      return Fail(a.qname.data(), "the XML namespace cannot be the default");
    }
    if (uri == kXmlnsNamespace) return Fail(a.qname.data(), "the xmlns namespace cannot be bound");
    if (bindings_.size() >= limits_.max_namespace_declarations) {
      return Exhausted("too many namespace declarations in scope");
    }
    bindings_.push_back(Binding{prefix, uri});
  }
  if (declarations > 0) element_names_.Forget();

  // The element.
  size_t slot = 0;
  const XmlName* name = element_names_.Find(qname, &slot);
  if (name == nullptr) {
    Ns ns;
    std::string_view uri, local;
    if (!Resolve(qname, false, &ns, &uri, &local)) return false;
    if (!Intern(ns, local, &name)) return false;
    element_names_.Add(slot, qname, name);
  }
  if (doc_->element_count_ >= limits_.max_elements) return Exhausted("too many XML elements");
  XmlNode* node = NewRecord();
  if (node == nullptr) return Exhausted("too many XML elements and attributes for the document's size");
  ++doc_->element_count_;
  node->name_ = name;
  const auto index = static_cast<uint32_t>(record_count_ - 1);
  if (stack_.empty()) {
    if (root_seen_) return Fail(at, "a second root element");
    root_seen_ = true;
    doc_->root_ = node;
  } else {
    Frame& parent = stack_.back();
    node->parent_ = index - parent.record;
    if (parent.last_child == 0) {
      records_[parent.record].has_children_ = true;
    } else {
      records_[parent.last_child].next_sibling_ = index - parent.last_child;
    }
    parent.last_child = index;
  }

  // Its attributes, right after it.
  size_t count = 0;
  expanded_.clear();
  for (size_t i = 0; i < attributes_.size(); ++i) {
    const RawAttribute& a = attributes_[i];
    if (a.qname == "xmlns" || a.qname.substr(0, 6) == "xmlns:") continue;
    const XmlName* aname = nullptr;
    if (a.qname.find(':') == std::string_view::npos) {  // no namespace: nothing to resolve
      size_t aslot = 0;
      aname = attribute_names_.Find(a.qname, &aslot);
      if (aname == nullptr) {
        if (!Intern(Ns::kNone, a.qname, &aname)) return false;
        attribute_names_.Add(aslot, a.qname, aname);
      }
    } else if (!AttributeInNamespace(i, &aname)) {
      return false;
    }
    if (count == UINT16_MAX) return Exhausted("too many attributes on one element");
    XmlNode* rec = NewRecord();
    if (rec == nullptr) return Exhausted("too many XML elements and attributes for the document's size");
    rec->name_ = aname;
    rec->parent_ = static_cast<uint32_t>(count + 1);
    if (a.plain) {
      rec->text_ = a.raw;
    } else {
      value_.clear();
      if (!Decode(a.raw, Decoding::kAttribute, value_)) return false;
      rec->text_ = Store(value_);
    }
    ++count;
  }
  records_[index].attribute_count_ = static_cast<uint16_t>(count);
  if (!UniqueExpandedNames()) return false;

  if (empty) {
    if (bindings_.size() != bindings_before) {
      bindings_.resize(bindings_before);
      element_names_.Forget();
    }
    if (stack_.empty()) root_closed_ = true;
    return true;
  }
  Frame& f = stack_.emplace_back();  // filled in place (no copy of a frame)
  f.record = index;
  f.qname = qname;
  f.bindings = bindings_before;
  if (builders_.size() < stack_.size()) builders_.resize(stack_.size());
  return true;
}

// A prefixed attribute: its prefix must be bound, and no earlier attribute of the tag may have
// the same expanded name through another prefix. Its record keeps the local name.
bool XmlParser::AttributeInNamespace(size_t i, const XmlName** name) {
  const RawAttribute& a = attributes_[i];
  Ns ans;
  std::string_view auri, alocal;
  if (!Resolve(a.qname, true, &ans, &auri, &alocal)) return false;
  expanded_.emplace_back(auri, alocal);
  return Intern(Ns::kNone, alocal, name);
}

// No two attributes of a tag with one name as written. A few are compared with each other; many
// go through a set (comparing each with every other let 8 elements of 15,000 attributes take
// 2 s of parsing).
bool XmlParser::UniqueQualifiedNames() {
  const size_t n = attributes_.size();
  if (n <= 8) {
    for (size_t i = 1; i < n; ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (attributes_[i].qname == attributes_[j].qname) return Duplicate(attributes_[i].qname);
      }
    }
    return true;
  }
  seen_.clear();
  for (const RawAttribute& a : attributes_) {
    if (!seen_.insert(a.qname).second) return Duplicate(a.qname);
  }
  return true;
}

// No two prefixed attributes of a tag with one expanded name (two prefixes bound to one
// namespace): the same, over the namespace and local name AttributeInNamespace collected.
bool XmlParser::UniqueExpandedNames() {
  const size_t n = expanded_.size();
  if (n <= 8) {
    for (size_t i = 1; i < n; ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (expanded_[i] == expanded_[j]) return Duplicate(expanded_[i].second);
      }
    }
    return true;
  }
  seen_expanded_.clear();
  for (const auto& e : expanded_) {
    if (!seen_expanded_.insert(e).second) return Duplicate(e.second);
  }
  return true;
}

bool XmlParser::Duplicate(std::string_view name) {
  return Fail(name.data(), Cat("duplicate attribute \"", name, "\""));
}

bool XmlParser::ParseEndTag() {  // at "</"
  const char* at = p_;
  p_ += 2;
  if (stack_.empty()) return Fail(at, "end tag without a start tag");
  Frame& f = stack_.back();
  // The usual case first: the open element's name, then '>'.
  const size_t n = f.qname.size();
  if (static_cast<size_t>(end_ - p_) > n && std::memcmp(p_, f.qname.data(), n) == 0 && p_[n] == '>') {
    p_ += n + 1;
  } else {
    std::string_view qname;
    if (!ScanName(&qname)) return false;
    SkipSpace();
    if (p_ >= end_ || *p_ != '>') return Fail(p_, "bad end tag");
    ++p_;
    if (f.qname != qname) return Fail(at, Cat("end tag </", qname, "> does not match <", f.qname, ">"));
  }
  XmlNode& node = records_[f.record];
  if (f.built) {
    node.text_ = Store(builders_[stack_.size() - 1]);
  } else {
    node.text_ = f.text;
  }
  if (bindings_.size() != f.bindings) {
    bindings_.resize(f.bindings);
    element_names_.Forget();
  }
  stack_.pop_back();
  if (stack_.empty()) root_closed_ = true;
  return true;
}

bool XmlParser::ParseXmlDecl() {  // at "<?xml" + whitespace, the first bytes of the document
  const char* at = p_;
  p_ += 5;
  // One pseudo-attribute if it comes next; `found` says whether it did.
  const auto pseudo = [&](std::string_view name, std::string_view* value, bool* found) {
    const char* before = p_;
    SkipSpace();
    *found = false;
    if (!StartsWith(name)) {
      p_ = before;
      return true;
    }
    if (p_ == before) return Fail(p_, "whitespace expected in the XML declaration");
    p_ += name.size();
    char quote;
    if (!OpenValue(&quote, "bad XML declaration")) return false;
    const char* v = p_;
    while (p_ < end_ && *p_ != quote && *p_ != '<') ++p_;
    if (p_ >= end_ || *p_ != quote) return Fail(at, "bad XML declaration");
    *value = std::string_view(v, static_cast<size_t>(p_ - v));
    ++p_;
    *found = true;
    return true;
  };
  std::string_view version, encoding, standalone;
  bool has_version, has_encoding, has_standalone;
  if (!pseudo("version", &version, &has_version)) return false;
  if (!has_version) return Fail(at, "XML declaration without a version");
  if (version.size() < 3 || version.substr(0, 2) != "1." ||
      version.substr(2).find_first_not_of("0123456789") != std::string_view::npos) {
    return Fail(at, "unsupported XML version");
  }
  if (!pseudo("encoding", &encoding, &has_encoding)) return false;
  if (has_encoding &&
      (encoding.empty() || !((encoding[0] >= 'A' && encoding[0] <= 'Z') || (encoding[0] >= 'a' && encoding[0] <= 'z')) ||
       encoding.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
           std::string_view::npos)) {
    return Fail(at, "bad encoding name");
  }
  if (!pseudo("standalone", &standalone, &has_standalone)) return false;
  if (has_standalone && standalone != "yes" && standalone != "no") {
    return Fail(at, "bad standalone declaration");
  }
  SkipSpace();
  if (!StartsWith("?>")) return Fail(p_, "bad XML declaration");
  p_ += 2;
  return true;
}

absl::Status XmlParser::Run(size_t lt_count, size_t eq_count) {
  const size_t size = static_cast<size_t>(end_ - begin_);
  size_t allowance = std::max(limits_.min_node_allowance, size / std::max<size_t>(1, limits_.min_bytes_per_node));
  record_capacity_ = std::min(allowance, lt_count + eq_count);
  records_ = static_cast<XmlNode*>(std::malloc(std::max<size_t>(1, record_capacity_) * sizeof(XmlNode)));
  if (records_ == nullptr) return absl::ResourceExhaustedError("cannot allocate the XML tree");
  doc_->records_.reset(records_);

  if (StartsWith("<?xml") && end_ - p_ > 5 && (ClassOf(p_[5]) & kSpace)) {
    if (!ParseXmlDecl()) return status_;
  }
  while (p_ < end_) {
    if (*p_ != '<') {
      if (!ParseText()) return status_;
      continue;
    }
    if (p_ + 1 >= end_) return Fail(p_, "unterminated tag"), status_;
    const char next = p_[1];
    if (next == '/') {
      if (!ParseEndTag()) return status_;
    } else if (next == '!') {
      if (StartsWith("<!--")) {
        if (!ParseComment()) return status_;
      } else if (StartsWith("<![CDATA[")) {
        if (stack_.empty()) return Fail(p_, "CDATA section outside the root element"), status_;
        if (!ParseCdata()) return status_;
      } else if (StartsWith("<!DOCTYPE")) {
        if (root_seen_) return Fail(p_, "DOCTYPE after the root element"), status_;
        return absl::InvalidArgumentError("DOCTYPE declarations are not accepted");
      } else {
        return Fail(p_, "bad markup declaration"), status_;
      }
    } else if (next == '?') {
      if (!ParsePi()) return status_;
    } else {
      if (!ParseStartTag()) return status_;
    }
  }
  if (!root_seen_) return Fail(end_, "no root element"), status_;
  if (!stack_.empty()) return Fail(end_, Cat("unclosed element <", stack_.back().qname, ">")), status_;
  return absl::OkStatus();
}

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

std::vector<const XmlNode*> XmlNode::Children(Ns n, std::string_view l) const {
  std::vector<const XmlNode*> out;
  for (const XmlNode* c = first_child(); c != nullptr; c = c->next_sibling()) {
    if (c->Is(n, l)) out.push_back(c);
  }
  return out;
}

int XmlNode::Count(Ns n, std::string_view l) const {
  int k = 0;
  for (const XmlNode* c = first_child(); c != nullptr; c = c->next_sibling()) {
    if (c->Is(n, l)) ++k;
  }
  return k;
}

const std::string_view* XmlNode::Attribute(std::string_view name) const {
  for (const XmlNode* a = this + 1; a <= this + attribute_count_; ++a) {
    if (a->name_->local == name) return &a->text_;
  }
  return nullptr;
}

std::string XmlNode::Path() const { return XmlPaths().Path(this); }

std::string XmlPaths::Path(const XmlNode* node) {
  std::vector<const XmlNode*> chain;
  for (const XmlNode* n = node; n != nullptr; n = n->parent()) chain.push_back(n);
  std::string out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const XmlNode* n = *it;
    uint32_t position = 1;
    if (const XmlNode* p = n->parent()) {
      if (counted_.emplace(p, true).second) {
        absl::flat_hash_map<const XmlName*, uint32_t> seen;
        for (const XmlNode* c = p->first_child(); c != nullptr; c = c->next_sibling()) {
          position_[c] = ++seen[c->name()];
        }
      }
      position = position_[n];
    }
    std::string_view prefix = NsPrefix(n->ns());
    out += Cat("/", prefix, prefix.empty() ? std::string_view() : std::string_view(":"), n->local(),
               "[", position, "]");
  }
  return out;
}

absl::StatusOr<XmlDocument> ParseXml(std::string_view bytes, const XmlLimits& limits) {
  if (bytes.size() > limits.max_bytes) {
    return absl::ResourceExhaustedError(
        Cat("document of ", bytes.size(), " bytes exceeds the limit of ", limits.max_bytes));
  }
  if (bytes.empty()) return absl::InvalidArgumentError("empty document");
  XmlDocument doc;
  std::string_view in = bytes;
  // The encoding: UTF-8 (with or without a byte order mark), UTF-16 by its byte order mark or
  // its first '<', or what the XML declaration names (ISO-8859-1, US-ASCII). Others are refused.
  const auto byte = [&](size_t i) { return i < in.size() ? static_cast<uint8_t>(in[i]) : 0x100; };
  bool utf16 = false;
  if (byte(0) == 0xEF && byte(1) == 0xBB && byte(2) == 0xBF) {
    in.remove_prefix(3);
  } else if ((byte(0) == 0xFE && byte(1) == 0xFF) || (byte(0) == 0xFF && byte(1) == 0xFE) ||
             (byte(0) == 0x00 && byte(1) == 0x3C) || (byte(0) == 0x3C && byte(1) == 0x00)) {
    const bool big_endian = byte(0) == 0xFE || byte(0) == 0x00;
    if (byte(0) == 0xFE || byte(0) == 0xFF) in.remove_prefix(2);
    doc.transcoded_ = std::make_unique<std::string>();
    if (!Utf16ToUtf8(in, big_endian, doc.transcoded_.get())) {
      return absl::InvalidArgumentError("not well-formed XML at line 1: broken UTF-16");
    }
    in = *doc.transcoded_;
    utf16 = true;
  }
  // The declared encoding, read from the first line before anything else.
  if (in.substr(0, 5) == "<?xml") {
    const size_t end = in.find("?>");
    const std::string_view decl = in.substr(0, end == std::string_view::npos ? 0 : end);
    const size_t at = decl.find("encoding");
    if (at != std::string_view::npos) {
      size_t q = decl.find_first_of("\"'", at);
      if (q != std::string_view::npos) {
        const size_t close = decl.find(decl[q], q + 1);
        const std::string_view name =
            close == std::string_view::npos ? std::string_view() : decl.substr(q + 1, close - q - 1);
        const bool is_utf16 = EqualsIgnoreCase(name, "UTF-16") || EqualsIgnoreCase(name, "UTF-16LE") ||
                              EqualsIgnoreCase(name, "UTF-16BE");
        if (EqualsIgnoreCase(name, "UTF-8") || (utf16 && is_utf16)) {
          // as read
        } else if (!utf16 && (EqualsIgnoreCase(name, "US-ASCII"))) {
          for (char c : in) {
            if (static_cast<uint8_t>(c) >= 0x80) {
              return absl::InvalidArgumentError("not well-formed XML: a non-ASCII byte in a US-ASCII document");
            }
          }
        } else if (!utf16 && (EqualsIgnoreCase(name, "ISO-8859-1") || EqualsIgnoreCase(name, "latin1"))) {
          auto utf8 = std::make_unique<std::string>();
          Latin1ToUtf8(in, utf8.get());
          doc.transcoded_ = std::move(utf8);
          in = *doc.transcoded_;
        } else if (!name.empty()) {
          return absl::InvalidArgumentError(Cat("not well-formed XML at line 1: unsupported encoding \"", name, "\""));
        }
      }
    }
  }
  size_t lt = 0, eq = 0;
  const size_t bad = CheckCharacters(in, &lt, &eq);
  if (bad != std::string_view::npos) {
    const size_t line = 1 + static_cast<size_t>(std::count(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(bad), '\n'));
    return absl::InvalidArgumentError(
        Cat("not well-formed XML at line ", line, ": a byte that is no UTF-8 XML character"));
  }
  XmlParser parser(in, limits, &doc);
  absl::Status status = parser.Run(lt, eq);
  if (!status.ok()) return status;
  return doc;
}

std::string NormalizeSpace(std::string_view s) {
  // Most values are normalised already: then one look and one copy.
  bool clean = true;
  for (size_t i = 0; i < s.size() && clean; ++i) {
    const char c = s[i];
    if (c == '\t' || c == '\n' || c == '\r') clean = false;
    if (c == ' ' && (i == 0 || i + 1 == s.size() || s[i + 1] == ' ')) clean = false;
  }
  if (clean) return std::string(s);
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
