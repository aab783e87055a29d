#include "gateway/binding.h"

#include <algorithm>
#include <cstring>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gateway/json_print.h"
#include "gateway/problem.h"

namespace rathaus::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using google::protobuf::Value;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

absl::StatusOr<std::string> PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) {
        return InvalidField("invalid-query", "", "bad percent-escape in the query");
      }
      const int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) {
        return InvalidField("invalid-query", "", "bad percent-escape in the query");
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

const FieldDescriptor* FindField(const Descriptor* d, std::string_view name) {
  const std::string n(name);
  if (const FieldDescriptor* f = d->FindFieldByName(n)) return f;
  for (int i = 0; i < d->field_count(); ++i) {
    if (d->field(i)->json_name() == n) return d->field(i);
  }
  return nullptr;
}

const char* TypeWord(FieldDescriptor::CppType t) {
  switch (t) {
    case FieldDescriptor::CPPTYPE_STRING:
      return "a string";
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64:
      return "an integer";
    case FieldDescriptor::CPPTYPE_BOOL:
      return "true or false";
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT:
      return "a number";
    case FieldDescriptor::CPPTYPE_ENUM:
      return "one of the listed values";
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return "an object";
  }
  return "another type";
}

// Sets (or, for repeated fields, adds) one scalar from its text form.
absl::Status SetScalar(Message* m, const FieldDescriptor* f, std::string_view name,
                       const std::string& value) {
  const Reflection* r = m->GetReflection();
  const bool rep = f->is_repeated();
  auto bad = [&] {
    return InvalidField("invalid-query", name,
                        absl::StrCat("query parameter ", std::string(name), " must be ",
                                     TypeWord(f->cpp_type())));
  };
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      rep ? r->AddString(m, f, value) : r->SetString(m, f, value);
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t v;
      if (!absl::SimpleAtoi(value, &v)) return bad();
      rep ? r->AddInt32(m, f, v) : r->SetInt32(m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t v;
      if (!absl::SimpleAtoi(value, &v)) return bad();
      rep ? r->AddInt64(m, f, v) : r->SetInt64(m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t v;
      if (!absl::SimpleAtoi(value, &v)) return bad();
      rep ? r->AddUInt32(m, f, v) : r->SetUInt32(m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t v;
      if (!absl::SimpleAtoi(value, &v)) return bad();
      rep ? r->AddUInt64(m, f, v) : r->SetUInt64(m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool v;
      if (!absl::SimpleAtob(value, &v)) return bad();
      rep ? r->AddBool(m, f, v) : r->SetBool(m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT: {
      double v;
      if (!absl::SimpleAtod(value, &v)) return bad();
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_FLOAT) {
        rep ? r->AddFloat(m, f, static_cast<float>(v)) : r->SetFloat(m, f, static_cast<float>(v));
      } else {
        rep ? r->AddDouble(m, f, v) : r->SetDouble(m, f, v);
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const auto* e = f->enum_type()->FindValueByName(value);
      if (e == nullptr) return bad();
      rep ? r->AddEnum(m, f, e) : r->SetEnum(m, f, e);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return InvalidField("invalid-query", name,
                      absl::StrCat("query parameter ", std::string(name), " cannot be given in the query"));
}

// The special pairing of service= and quantity= into repeated {id, quantity} messages.
struct PairedBinding {
  std::string_view key_param;       // "service"
  std::string_view modifier_param;  // "quantity"
  std::string_view field;           // "services"
  std::string_view key_field;       // "id"
  std::string_view modifier_field;  // "quantity"
};
constexpr PairedBinding kServicesBinding{"service", "quantity", "services", "id", "quantity"};

// The repeated message field the pairing fills, or nullptr when `d` has none of that shape.
const FieldDescriptor* PairedField(const Descriptor* d) {
  const FieldDescriptor* f = d->FindFieldByName(std::string(kServicesBinding.field));
  if (f == nullptr || !f->is_repeated() || f->message_type() == nullptr) return nullptr;
  const Descriptor* item = f->message_type();
  const FieldDescriptor* key = item->FindFieldByName(std::string(kServicesBinding.key_field));
  const FieldDescriptor* mod = item->FindFieldByName(std::string(kServicesBinding.modifier_field));
  if (key == nullptr || mod == nullptr || key->type() != FieldDescriptor::TYPE_STRING ||
      mod->cpp_type() != FieldDescriptor::CPPTYPE_INT32) {
    return nullptr;
  }
  return f;
}

absl::Status BindQuery(const Route& route, std::string_view query,
                       const absl::flat_hash_set<std::string>& reserved, Message* request) {
  auto params = ParseQuery(query);
  if (!params.ok()) return params.status();
  if (params->empty()) return absl::OkStatus();
  if (!route.body.empty() && !route.raw_body) {
    return InvalidField("invalid-query", params->front().first,
                        "this route takes its input in the JSON body, not in the query");
  }
  const Descriptor* d = request->GetDescriptor();
  const FieldDescriptor* paired = PairedField(d);
  Message* last_item = nullptr;
  bool last_item_has_quantity = false;
  for (const auto& [name, value] : *params) {
    if (paired != nullptr && name == kServicesBinding.key_param) {
      last_item = request->GetReflection()->AddMessage(request, paired);
      const Descriptor* item = last_item->GetDescriptor();
      last_item->GetReflection()->SetString(
          last_item, item->FindFieldByName(std::string(kServicesBinding.key_field)), value);
      last_item->GetReflection()->SetInt32(
          last_item, item->FindFieldByName(std::string(kServicesBinding.modifier_field)), 1);
      last_item_has_quantity = false;
      continue;
    }
    if (paired != nullptr && name == kServicesBinding.modifier_param) {
      if (last_item == nullptr || last_item_has_quantity) {
        return InvalidField("invalid-query", name,
                            "each quantity= must follow the service= it applies to");
      }
      int32_t quantity;
      if (!absl::SimpleAtoi(value, &quantity)) {
        return InvalidField("invalid-query", name, "quantity must be an integer");
      }
      last_item->GetReflection()->SetInt32(
          last_item,
          last_item->GetDescriptor()->FindFieldByName(std::string(kServicesBinding.modifier_field)),
          quantity);
      last_item_has_quantity = true;
      continue;
    }
    const FieldDescriptor* f = FindField(d, name);
    if (f == nullptr || reserved.contains(f->name()) || f == paired) {
      return InvalidField("invalid-query", name, absl::StrCat("unknown query parameter ", name));
    }
    if (!f->is_repeated() && request->GetReflection()->HasField(*request, f)) {
      return InvalidField("invalid-query", name,
                          absl::StrCat("query parameter ", name, " given twice"));
    }
    if (absl::Status s = SetScalar(request, f, name, value); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// The JSON path inside a protobuf parser message: "(services[0].quantity): ..." or
// "(services[0]) idx: Cannot find field." or "foo: Cannot find field.".
std::string FieldFromParserMessage(absl::string_view msg, bool* unknown_field) {
  *unknown_field = absl::StrContains(msg, "Cannot find field");
  std::string path;
  absl::string_view rest = msg;
  if (absl::StartsWith(rest, "(")) {
    const size_t close = rest.find(')');
    if (close == absl::string_view::npos) return "";
    path = std::string(rest.substr(1, close - 1));
    rest.remove_prefix(close + 1);
  }
  if (*unknown_field) {
    rest = absl::StripLeadingAsciiWhitespace(rest);
    const size_t colon = rest.find(':');
    if (colon != absl::string_view::npos && colon > 0) {
      const absl::string_view name = rest.substr(0, colon);
      path = path.empty() ? std::string(name) : absl::StrCat(path, ".", name);
    }
  }
  return path;
}

// The strict check of JSON kinds. protobuf's parser (3.21) takes some bodies whose values have
// a kind the proto3 JSON mapping does not allow: an object for a repeated message field becomes
// its one element, a list inside a list of messages is flattened, a string for a bool is read as
// one. So the body is first read as a generic JSON tree (google.protobuf.Value: no other JSON
// parser needed) and walked against the message's descriptor; the first value of a wrong kind is
// an error naming its JSON path as the client wrote it ("services[0].quantity",
// "labels[\"a\"]"). What the mapping allows passes: integers and floats also as strings, enums
// as names or numbers, null for any field, the well-known types in their JSON forms. Whether a
// value of the right kind is valid (a number in range, a known enum name, a timestamp) is still
// the parser's to say, and so are unknown fields.
enum JsonKind : unsigned {
  kString = 1,
  kNumber = 2,
  kBool = 4,
  kObject = 8,
  kList = 16,
  kAnyKind = kString | kNumber | kBool | kObject | kList,
};

unsigned KindOf(const Value& v) {
  switch (v.kind_case()) {
    case Value::kStringValue:
      return kString;
    case Value::kNumberValue:
      return kNumber;
    case Value::kBoolValue:
      return kBool;
    case Value::kStructValue:
      return kObject;
    case Value::kListValue:
      return kList;
    case Value::kNullValue:
    case Value::KIND_NOT_SET:
      break;
  }
  return 0;
}

// The kinds a value of a singular field of type `f` may have besides null, and how to say so.
struct AllowedKinds {
  unsigned kinds;
  const char* word;
  bool walk_fields;  // an object whose fields are checked against the message type
};

AllowedKinds KindsOfScalar(const FieldDescriptor* f) {
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:  // bytes are base64 text
      return {kString, "a string", false};
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64:
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT:  // "NaN", "Infinity"
    case FieldDescriptor::CPPTYPE_ENUM:   // by name or number
      return {kNumber | kString, TypeWord(f->cpp_type()), false};
    case FieldDescriptor::CPPTYPE_BOOL:
      return {kBool, TypeWord(f->cpp_type()), false};
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return {kObject, "an object", true};
}

AllowedKinds KindsOfMessage(const Descriptor* d) {
  switch (d->well_known_type()) {
    case Descriptor::WELLKNOWNTYPE_VALUE:
      return {kAnyKind, "", false};
    case Descriptor::WELLKNOWNTYPE_STRUCT:
      return {kObject, "an object", false};
    case Descriptor::WELLKNOWNTYPE_LISTVALUE:
      return {kList, "a list", false};
    case Descriptor::WELLKNOWNTYPE_TIMESTAMP:
    case Descriptor::WELLKNOWNTYPE_DURATION:
    case Descriptor::WELLKNOWNTYPE_FIELDMASK:
      return {kString, "a string", false};
    case Descriptor::WELLKNOWNTYPE_DOUBLEVALUE:
    case Descriptor::WELLKNOWNTYPE_FLOATVALUE:
    case Descriptor::WELLKNOWNTYPE_INT64VALUE:
    case Descriptor::WELLKNOWNTYPE_UINT64VALUE:
    case Descriptor::WELLKNOWNTYPE_INT32VALUE:
    case Descriptor::WELLKNOWNTYPE_UINT32VALUE:
    case Descriptor::WELLKNOWNTYPE_STRINGVALUE:
    case Descriptor::WELLKNOWNTYPE_BYTESVALUE:
    case Descriptor::WELLKNOWNTYPE_BOOLVALUE:
      return KindsOfScalar(d->FindFieldByName("value"));
    case Descriptor::WELLKNOWNTYPE_ANY:  // its fields depend on "@type": the parser's to check
      return {kObject, "an object", false};
    default:  // an ordinary message (google.protobuf.Empty is one)
      break;
  }
  return {kObject, "an object", true};
}

absl::Status WrongKind(const std::string& path, const char* word) {
  return InvalidField("invalid-argument", path, absl::StrCat("\"", path, "\" must be ", word));
}

// JSON objects come as maps without order; walking their keys sorted makes the error reported
// for a body with several wrong values the same every time.
std::vector<const google::protobuf::MapPair<std::string, Value>*> SortedFields(
    const google::protobuf::Struct& object) {
  std::vector<const google::protobuf::MapPair<std::string, Value>*> out;
  out.reserve(object.fields().size());
  for (const auto& entry : object.fields()) out.push_back(&entry);
  std::sort(out.begin(), out.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  return out;
}

absl::Status CheckFields(const google::protobuf::Struct& object, const Descriptor* d,
                         const std::string& path);

// One value of field `f` that is not repeated (or one element or map value of it).
absl::Status CheckSingular(const Value& v, const FieldDescriptor* f, const std::string& path) {
  if (v.has_null_value()) return absl::OkStatus();
  const AllowedKinds allowed = f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE
                                   ? KindsOfMessage(f->message_type())
                                   : KindsOfScalar(f);
  if ((KindOf(v) & allowed.kinds) == 0) return WrongKind(path, allowed.word);
  if (allowed.walk_fields) return CheckFields(v.struct_value(), f->message_type(), path);
  return absl::OkStatus();
}

absl::Status CheckField(const Value& v, const FieldDescriptor* f, const std::string& path) {
  if (v.has_null_value()) return absl::OkStatus();
  if (f->is_map()) {
    if (!v.has_struct_value()) return WrongKind(path, "an object");
    const FieldDescriptor* value_field = f->message_type()->map_value();
    for (const auto* entry : SortedFields(v.struct_value())) {
      const std::string value_path = absl::StrCat(path, "[\"", entry->first, "\"]");
      if (absl::Status s = CheckSingular(entry->second, value_field, value_path); !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  }
  if (f->is_repeated()) {
    if (!v.has_list_value()) return WrongKind(path, "a list");
    const auto& values = v.list_value().values();
    for (int i = 0; i < values.size(); ++i) {
      if (absl::Status s = CheckSingular(values[i], f, absl::StrCat(path, "[", i, "]")); !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  }
  return CheckSingular(v, f, path);
}

absl::Status CheckFields(const google::protobuf::Struct& object, const Descriptor* d,
                         const std::string& path) {
  for (const auto* entry : SortedFields(object)) {
    const FieldDescriptor* f = FindField(d, entry->first);
    if (f == nullptr) continue;  // the parser names unknown fields
    const std::string field_path =
        path.empty() ? entry->first : absl::StrCat(path, ".", entry->first);
    if (absl::Status s = CheckField(entry->second, f, field_path); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// The body as a generic JSON tree, read by a small RFC 8259 parser: protobuf's own JSON reader
// (through a TypeResolver and the binary form) cost more than the rest of a booking's gateway
// work. The tree nests at most kMaxDepth objects and lists. A name twice in one object is an
// error ("Repeated map key: 'name'", the words of protobuf's parser, which JsonToMessage reads).
class JsonTreeParser {
 public:
  explicit JsonTreeParser(std::string_view text) : s_(text) {}

  absl::StatusOr<Value> Parse() {
    Value root;
    if (!ParseValue(&root, 0)) return absl::InvalidArgumentError(error_);
    SkipSpace();
    if (i_ != s_.size()) return absl::InvalidArgumentError(Where("unexpected text after the value"));
    return root;
  }

 private:
  // Objects and lists: a message nests 100 deep at most (protobuf's recursion limit), and a
  // repeated message field adds a list for each of its levels.
  static constexpr int kMaxDepth = 2 * 100 + 10;

  std::string Where(std::string_view what) const {
    return absl::StrCat(std::string(what), " at byte ", i_);
  }
  bool Fail(std::string_view what) {
    if (error_.empty()) error_ = Where(what);
    return false;
  }
  void SkipSpace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) {
      ++i_;
    }
  }
  bool Literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return Fail("unexpected token");
    i_ += word.size();
    return true;
  }

  bool ParseValue(Value* out, int depth) {
    SkipSpace();
    if (i_ >= s_.size()) return Fail("unexpected end of JSON");
    switch (s_[i_]) {
      case '{':
        return ParseObject(out->mutable_struct_value(), depth + 1);
      case '[':
        return ParseList(out->mutable_list_value(), depth + 1);
      case '"':
        return ParseString(out->mutable_string_value());
      case 't':
        out->set_bool_value(true);
        return Literal("true");
      case 'f':
        out->set_bool_value(false);
        return Literal("false");
      case 'n':
        out->set_null_value(google::protobuf::NULL_VALUE);
        return Literal("null");
      default:
        return ParseNumber(out);
    }
  }

  bool ParseObject(google::protobuf::Struct* out, int depth) {
    if (depth > kMaxDepth) return Fail("the JSON nests too deeply");
    ++i_;  // {
    SkipSpace();
    if (i_ < s_.size() && s_[i_] == '}') {
      ++i_;
      return true;
    }
    while (true) {
      SkipSpace();
      if (i_ >= s_.size() || s_[i_] != '"') return Fail("expected a quoted name");
      std::string name;
      if (!ParseString(&name)) return false;
      SkipSpace();
      if (i_ >= s_.size() || s_[i_] != ':') return Fail("expected ':'");
      ++i_;
      auto [it, inserted] = out->mutable_fields()->insert({name, Value()});
      if (!inserted) {
        error_ = absl::StrCat("Repeated map key: '", name, "' is already set.");
        return false;
      }
      if (!ParseValue(&it->second, depth)) return false;
      SkipSpace();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == '}') {
        ++i_;
        return true;
      }
      return Fail("expected ',' or '}'");
    }
  }

  bool ParseList(google::protobuf::ListValue* out, int depth) {
    if (depth > kMaxDepth) return Fail("the JSON nests too deeply");
    ++i_;  // [
    SkipSpace();
    if (i_ < s_.size() && s_[i_] == ']') {
      ++i_;
      return true;
    }
    while (true) {
      if (!ParseValue(out->add_values(), depth)) return false;
      SkipSpace();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == ']') {
        ++i_;
        return true;
      }
      return Fail("expected ',' or ']'");
    }
  }

  static int Hex4(std::string_view h) {
    int v = 0;
    for (char c : h) {
      const int d = HexValue(c);
      if (d < 0) return -1;
      v = v * 16 + d;
    }
    return v;
  }
  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  bool ParseString(std::string* out) {
    ++i_;  // "
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == '"') {
        ++i_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) return Fail("control character in a string");
      if (c != '\\') {
        out->push_back(c);
        ++i_;
        continue;
      }
      if (i_ + 1 >= s_.size()) break;
      const char e = s_[i_ + 1];
      i_ += 2;
      switch (e) {
        case '"': out->push_back('"'); break;
        case '\\': out->push_back('\\'); break;
        case '/': out->push_back('/'); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'n': out->push_back('\n'); break;
        case 'r': out->push_back('\r'); break;
        case 't': out->push_back('\t'); break;
        case 'u': {
          int cp = i_ + 4 <= s_.size() ? Hex4(s_.substr(i_, 4)) : -1;
          if (cp < 0) return Fail("bad \\u escape");
          i_ += 4;
          if (cp >= 0xD800 && cp <= 0xDBFF && i_ + 6 <= s_.size() && s_[i_] == '\\' &&
              s_[i_ + 1] == 'u') {
            const int low = Hex4(s_.substr(i_ + 2, 4));
            if (low >= 0xDC00 && low <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
              i_ += 6;
            }
          }
          AppendUtf8(static_cast<uint32_t>(cp), out);
          break;
        }
        default:
          return Fail("bad escape in a string");
      }
    }
    return Fail("unterminated string");
  }

  bool ParseNumber(Value* out) {
    const size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    auto digits = [&] {
      const size_t from = i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      return i_ - from;
    };
    const size_t int_start = i_;
    const size_t int_digits = digits();
    if (int_digits == 0) return Fail("unexpected token");
    if (int_digits > 1 && s_[int_start] == '0') return Fail("a number with a leading zero");
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (digits() == 0) return Fail("a number without digits after '.'");
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (digits() == 0) return Fail("a number without an exponent");
    }
    double v = 0;
    if (!absl::SimpleAtod(absl::string_view(s_.data() + start, i_ - start), &v)) v = 0;
    out->set_number_value(v);
    return true;
  }

  std::string_view s_;
  size_t i_ = 0;
  std::string error_;
};

absl::StatusOr<Value> ParseJsonTree(std::string_view json) { return JsonTreeParser(json).Parse(); }

// OK when `json` is not an object of fields (a list, a well-known type's own form) or cannot be
// read as a tree (then *tree_error says why): the parser answers for those as before.
absl::Status CheckJsonKinds(std::string_view json, const Descriptor* d, absl::Status* tree_error) {
  if (!KindsOfMessage(d).walk_fields) return absl::OkStatus();
  absl::StatusOr<Value> tree = ParseJsonTree(json);
  if (!tree.ok()) {
    *tree_error = tree.status();
    return absl::OkStatus();
  }
  if (!tree->has_struct_value()) return absl::OkStatus();
  return CheckFields(tree->struct_value(), d, "");
}

}  // namespace

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseQuery(
    std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  for (absl::string_view part : absl::StrSplit(absl::string_view(query.data(), query.size()), '&',
                                               absl::SkipEmpty())) {
    const size_t eq = part.find('=');
    auto name = PercentDecode(std::string_view(part.data(), std::min(eq, part.size())));
    if (!name.ok()) return name.status();
    std::string value;
    if (eq != absl::string_view::npos) {
      auto v = PercentDecode(std::string_view(part.data() + eq + 1, part.size() - eq - 1));
      if (!v.ok()) return v.status();
      value = std::move(*v);
    }
    if (name->empty()) return InvalidField("invalid-query", "", "empty query parameter name");
    out.emplace_back(std::move(*name), std::move(value));
  }
  return out;
}

absl::Status JsonToMessage(std::string_view json, Message* message) {
  absl::Status tree_error;
  if (absl::Status s = CheckJsonKinds(json, message->GetDescriptor(), &tree_error); !s.ok()) {
    return s;
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), message, options);
  if (status.ok()) {
    if (tree_error.ok()) return absl::OkStatus();
    // The parser took a body the kinds could not be checked on. A name twice in one object is
    // the one known case (the parser keeps the last value, or both for a repeated field, which
    // would let {"services":[...],"services":{...}} past the check); refuse whatever it is.
    const std::string reason(tree_error.message());
    const size_t at = reason.find("Repeated map key: '");
    if (at != std::string::npos) {
      const size_t start = at + std::strlen("Repeated map key: '");
      const std::string name = reason.substr(start, reason.find('\'', start) - start);
      return InvalidField(
          "malformed-json", "",
          absl::StrCat("malformed JSON: \"", name, "\" appears twice in one object"));
    }
    return InvalidField("malformed-json", "",
                        absl::StrCat("malformed JSON: ", reason.substr(0, reason.find('\n'))));
  }
  const std::string msg(status.message().data(), status.message().size());
  bool unknown = false;
  const std::string field = FieldFromParserMessage(msg, &unknown);
  if (unknown) {
    return InvalidField("unknown-field", field, absl::StrCat("unknown field \"", field, "\""));
  }
  if (!field.empty()) {
    // "(office): invalid value 1 for type TYPE_STRING": say it in the field's terms.
    const FieldDescriptor* f = nullptr;
    const Descriptor* d = message->GetDescriptor();
    for (absl::string_view part : absl::StrSplit(field, '.')) {
      const std::string name(part.substr(0, part.find('[')));
      f = d == nullptr ? nullptr : FindField(d, name);
      d = f == nullptr ? nullptr : f->message_type();
    }
    return InvalidField(
        "invalid-argument", field,
        f == nullptr ? absl::StrCat("invalid value for \"", field, "\"")
                     : absl::StrCat("\"", field, "\" must be ", TypeWord(f->cpp_type())));
  }
  // The parser's position marker follows a newline; the first line is the reason.
  return InvalidField("malformed-json", "",
                      absl::StrCat("malformed JSON: ", msg.substr(0, msg.find('\n'))));
}

absl::Status BindRequest(const Route& route, const HttpInput& input, Message* request) {
  absl::flat_hash_set<std::string> reserved;
  for (const auto& [name, value] : input.path_params) reserved.insert(name);
  if (TokenHeader(route.auth) != nullptr) reserved.insert("token");

  if (route.raw_body) {
    const auto* d = request->GetDescriptor();
    const auto* r = request->GetReflection();
    if (input.owned_body != nullptr) {
      r->SetString(request, d->FindFieldByName(route.body), std::move(*input.owned_body));
    } else {
      r->SetString(request, d->FindFieldByName(route.body), std::string(input.body));
    }
    r->SetString(request, d->FindFieldByName("content_type"), std::string(input.content_type));
    reserved.insert(route.body);
    reserved.insert("content_type");
  } else if (!route.body.empty()) {
    Message* target = request;
    if (route.body != "*") {
      const FieldDescriptor* f = request->GetDescriptor()->FindFieldByName(route.body);
      target = request->GetReflection()->MutableMessage(request, f);
    }
    if (absl::Status s = JsonToMessage(input.body, target); !s.ok()) return s;
    if (route.body == "*") {
      for (const std::string& name : reserved) {
        const FieldDescriptor* f = request->GetDescriptor()->FindFieldByName(name);
        if (f != nullptr && request->GetReflection()->HasField(*request, f)) {
          return InvalidField("unknown-field", f->json_name(),
                              absl::StrCat("unknown field \"", f->json_name(), "\""));
        }
      }
    }
  }
  if (absl::Status s = BindQuery(route, input.query, reserved, request); !s.ok()) return s;
  for (const auto& [name, value] : input.path_params) {
    const FieldDescriptor* f = request->GetDescriptor()->FindFieldByName(name);
    request->GetReflection()->SetString(request, f, value);
  }
  return absl::OkStatus();
}

std::string MessageToJson(const Message& message) {
  std::string out;
  AppendJson(message, &out);
  return out;
}

}  // namespace rathaus::gateway
