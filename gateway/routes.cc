#include "gateway/routes.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "rathaus/common/v1/http.pb.h"

namespace rathaus::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

std::vector<std::string> SplitPath(std::string_view path) {
  // "/api/v1/x" -> {"api", "v1", "x"}; a trailing slash gives an empty last segment, which no
  // template has, so "/api/v1/offices/" does not match "/api/v1/offices".
  std::vector<std::string> out;
  if (path.empty() || path.front() != '/') return out;
  return absl::StrSplit(absl::string_view(path.data() + 1, path.size() - 1), '/');
}

// A parameter segment: "{name}", or "{name}.pdf" with a literal suffix after the parameter.
bool IsParam(std::string_view segment) {
  const size_t close = segment.find('}');
  return segment.size() > 2 && segment.front() == '{' && close != std::string_view::npos &&
         close > 1 && segment.find('{', 1) == std::string_view::npos;
}

std::string_view ParamName(std::string_view segment) {
  return segment.substr(1, segment.find('}') - 1);
}

std::string_view ParamSuffix(std::string_view segment) {
  return segment.substr(segment.find('}') + 1);
}

absl::Status Invalid(const Route& r, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("route ", r.http_method, " ", r.path, " (", r.grpc_method, "): ", std::string(why)));
}

absl::Status Check(const Route& r) {
  static const absl::flat_hash_set<std::string> kVerbs = {"GET", "POST", "PUT", "PATCH",
                                                          "DELETE"};
  if (!kVerbs.contains(r.http_method)) return Invalid(r, "unknown HTTP method");
  if (r.path.empty() || r.path.front() != '/') return Invalid(r, "path must start with /");
  const Descriptor* input = r.method->input_type();
  for (const std::string& s : r.segments) {
    if (!IsParam(s)) continue;
    const FieldDescriptor* f = input->FindFieldByName(std::string(ParamName(s)));
    if (f == nullptr || f->is_repeated() || f->type() != FieldDescriptor::TYPE_STRING) {
      return Invalid(r, absl::StrCat("path parameter ", s, " is not a string field"));
    }
  }
  if (!r.body.empty() && r.body != "*" && input->FindFieldByName(r.body) == nullptr) {
    return Invalid(r, absl::StrCat("body field ", r.body, " does not exist"));
  }
  if (TokenHeader(r.auth) != nullptr) {
    const FieldDescriptor* f = input->FindFieldByName("token");
    if (f == nullptr || f->type() != FieldDescriptor::TYPE_STRING) {
      return Invalid(r, absl::StrCat("auth ", r.auth, " needs a string field `token`"));
    }
  } else if (!r.auth.empty() && r.auth != "clerk") {
    return Invalid(r, absl::StrCat("unknown auth ", r.auth));
  }
  if (r.auth == "clerk") {
    // One role, or several separated by spaces ("file-clerk archivist": either may call).
    std::vector<std::string> roles = absl::StrSplit(r.role, ' ', absl::SkipEmpty());
    if (roles.empty()) return Invalid(r, "auth clerk needs a role");
    for (const std::string& role : roles) {
      if (role != "clerk" && role != "invoice-clerk" && role != "integrator" &&
          role != "supplier" && role != "registration-clerk" && role != "citizen" &&
          role != "file-clerk" && role != "archivist") {
        return Invalid(r, absl::StrCat("unknown clerk role ", role));
      }
    }
  }
  for (const std::string& p : r.dotted_params) {
    bool found = false;
    for (const auto& s : r.segments) found = found || (IsParam(s) && ParamName(s) == p);
    if (!found) return Invalid(r, absl::StrCat("dotted_params names ", p, ", not a path parameter"));
  }
  if (r.raw_body) {
    const FieldDescriptor* f = r.body.empty() || r.body == "*" ? nullptr
                                                               : input->FindFieldByName(r.body);
    const FieldDescriptor* ct = input->FindFieldByName("content_type");
    if (f == nullptr || f->type() != FieldDescriptor::TYPE_BYTES || ct == nullptr ||
        ct->type() != FieldDescriptor::TYPE_STRING) {
      return Invalid(r, "raw_body needs a bytes body field and a string field content_type");
    }
    if (r.body_content_types.empty()) return Invalid(r, "raw_body needs body_content_types");
  } else if (!r.body_content_types.empty()) {
    return Invalid(r, "body_content_types is for raw_body routes");
  }
  if (!r.problem_field.empty()) {
    const FieldDescriptor* f = r.method->output_type()->FindFieldByName(r.problem_field);
    if (f == nullptr || f->message_type() == nullptr ||
        f->message_type()->full_name() != "rathaus.common.v1.Problem") {
      return Invalid(r, "problem_field must name a rathaus.common.v1.Problem field");
    }
  }
  if (r.raw_response) {
    const Descriptor* out = r.method->output_type();
    const FieldDescriptor* ct = out->FindFieldByName("content_type");
    const FieldDescriptor* content = out->FindFieldByName("content");
    if (ct == nullptr || content == nullptr || ct->type() != FieldDescriptor::TYPE_STRING ||
        content->type() != FieldDescriptor::TYPE_BYTES) {
      return Invalid(r, "raw_response needs an answer with content_type and content");
    }
  }
  if (r.success_status < 200 || r.success_status > 299) {
    return Invalid(r, "success_status must be 2xx");
  }
  return absl::OkStatus();
}

}  // namespace

const char* TokenHeader(std::string_view auth) {
  if (auth == "booking-token") return "x-booking-token";
  if (auth == "submission-token") return "x-submission-token";
  return nullptr;
}

bool IsValidPathParameter(std::string_view value, bool dots) {
  // A dotted value (an Aktenzeichen "20.30-1.4") never starts with a dot: no "." or "..".
  if (value.empty() || value.size() > 64 || value.front() == '.') return false;
  for (char c : value) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || (dots && c == '.');
    if (!ok) return false;
  }
  return true;
}

absl::StatusOr<RouteTable> RouteTable::FromServices(
    const std::vector<const google::protobuf::ServiceDescriptor*>& services) {
  RouteTable table;
  absl::flat_hash_set<std::string> seen;
  for (const auto* service : services) {
    for (int i = 0; i < service->method_count(); ++i) {
      const auto* method = service->method(i);
      if (!method->options().HasExtension(rathaus::common::v1::http)) continue;
      if (method->client_streaming() || method->server_streaming()) continue;
      const auto& http = method->options().GetExtension(rathaus::common::v1::http);
      Route r;
      r.http_method = http.method();
      r.path = http.path();
      r.segments = SplitPath(r.path);
      r.method = method;
      r.grpc_method = absl::StrCat("/", service->full_name(), "/", method->name());
      r.service = service->full_name();
      r.body = http.body();
      r.success_status = http.success_status() == 0 ? 200 : http.success_status();
      r.auth = http.auth();
      r.rate_limit = http.rate_limit();
      r.raw_response = http.raw_response();
      r.cacheable = http.cacheable() && r.http_method == "GET";
      r.raw_body = http.raw_body();
      for (const std::string& type : http.body_content_types()) {
        r.body_content_types.push_back(absl::AsciiStrToLower(type));
      }
      r.max_body_bytes = std::max<size_t>(r.max_body_bytes, http.max_body_bytes());
      r.role = r.auth == "clerk" && http.role().empty() ? "clerk" : http.role();
      r.problem_field = http.problem_field();
      r.dotted_params.assign(http.dotted_params().begin(), http.dotted_params().end());
      r.anonymous_allowed = http.anonymous_allowed() && r.auth == "clerk";
      if (absl::Status s = Check(r); !s.ok()) return s;
      // Two templates that differ only in parameter names would be ambiguous too.
      std::vector<std::string> shape;
      for (const auto& s : r.segments) shape.push_back(IsParam(s) ? "{}" : s);
      if (!seen.insert(absl::StrCat(r.http_method, " /", absl::StrJoin(shape, "/"))).second) {
        return Invalid(r, "another route has the same method and path");
      }
      table.routes_.push_back(std::move(r));
    }
  }
  return table;
}

RouteMatch RouteTable::Match(std::string_view http_method, std::string_view path) const {
  const std::vector<std::string> segments = SplitPath(path);
  RouteMatch result;
  std::vector<std::string> allowed;
  // A literal segment beats a parameter ("/offices/x/bookings" never means "{code}"): routes
  // whose literals all match are candidates; the one with the most literals wins.
  int best_literals = -1;
  for (const Route& r : routes_) {
    if (r.segments.size() != segments.size()) continue;
    int literals = 0;
    bool matches = true;
    for (size_t i = 0; i < segments.size() && matches; ++i) {
      if (IsParam(r.segments[i])) {
        const std::string_view suffix = ParamSuffix(r.segments[i]);
        matches = suffix.empty() || (segments[i].size() > suffix.size() &&
                                     std::string_view(segments[i]).ends_with(suffix));
        continue;
      }
      matches = r.segments[i] == segments[i];
      ++literals;
    }
    if (!matches) continue;
    if (r.http_method != http_method) {
      if (std::find(allowed.begin(), allowed.end(), r.http_method) == allowed.end()) {
        allowed.push_back(r.http_method);
      }
      continue;
    }
    if (literals <= best_literals) continue;
    best_literals = literals;
    result.kind = RouteMatch::Kind::kFound;
    result.route = &r;
  }
  if (result.route == nullptr) {
    if (!allowed.empty()) {
      result.kind = RouteMatch::Kind::kMethodNotAllowed;
      result.allow = absl::StrJoin(allowed, ", ");
    }
    return result;
  }
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& s = result.route->segments[i];
    if (!IsParam(s)) continue;
    const std::string_view value = std::string_view(segments[i]).substr(
        0, segments[i].size() - ParamSuffix(s).size());
    const auto& dotted = result.route->dotted_params;
    if (!IsValidPathParameter(value, std::find(dotted.begin(), dotted.end(), ParamName(s)) !=
                                         dotted.end())) {
      result.kind = RouteMatch::Kind::kBadPathParameter;
      result.bad_parameter = std::string(ParamName(s));
      result.path_params.clear();
      return result;
    }
    result.path_params.emplace_back(std::string(ParamName(s)), std::string(value));
  }
  return result;
}

size_t RouteTable::MaxBodyBytes(std::string_view http_method, std::string_view target) const {
  const RouteMatch m = Match(http_method, target.substr(0, target.find('?')));
  return m.kind == RouteMatch::Kind::kFound ? m.route->max_body_bytes : size_t{64 * 1024};
}

size_t RouteTable::LargestBodyBytes() const {
  size_t largest = 64 * 1024;
  for (const Route& r : routes_) largest = std::max(largest, r.max_body_bytes);
  return largest;
}

}  // namespace rathaus::gateway
