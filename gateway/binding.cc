#include "gateway/binding.h"

#include <algorithm>

#include <google/protobuf/descriptor.h>
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
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), message, options);
  if (status.ok()) return absl::OkStatus();
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
  if (route.auth == "booking-token") reserved.insert("token");

  if (route.raw_body) {
    const auto* d = request->GetDescriptor();
    const auto* r = request->GetReflection();
    r->SetString(request, d->FindFieldByName(route.body), std::string(input.body));
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
