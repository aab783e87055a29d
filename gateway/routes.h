// The gateway's route table, derived from the (rathaus.common.v1.http) option of every method of
// the services it fronts, so a new RPC with an option is a new route without gateway code:
//
//   auto table = RouteTable::FromServices(
//       {rathaus::appointments::v1::Appointments::descriptor()});
//   RouteMatch m = table->Match("GET", "/api/v1/bookings/K7M3Q9XP");
//   // m.route->grpc_method == "/rathaus.appointments.v1.Appointments/GetBooking"
//   // m.path_params == {{"code", "K7M3Q9XP"}}
//
// Path parameters are checked here, before anything is called: 1..64 characters of
// [A-Za-z0-9_-], so an id can never smuggle "../" or percent-escapes into a key.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <google/protobuf/descriptor.h>

#include "absl/status/statusor.h"

namespace rathaus::gateway {

struct Route {
  std::string http_method;                 // GET, POST, PUT, PATCH, DELETE
  std::string path;                        // template, e.g. /api/v1/bookings/{code}
  std::vector<std::string> segments;       // the template split at '/'
  const google::protobuf::MethodDescriptor* method = nullptr;
  std::string grpc_method;                 // "/package.Service/Method"
  std::string service;                     // "package.Service": which upstream answers
  std::string body;                        // "" none, "*" whole request, or a field name
  int success_status = 200;
  std::string auth;                        // "", "booking-token", "submission-token", "clerk"
  std::string rate_limit;                  // bucket name or ""
  bool raw_response = false;
  bool cacheable = false;                  // GET answers may come from the micro-cache
  bool raw_body = false;                   // body bytes into the bytes field `body`
  std::vector<std::string> body_content_types;  // raw_body: accepted media types (lower case)
  size_t max_body_bytes = 64 * 1024;       // larger bodies get 413
  std::string role;                        // auth "clerk": "clerk" or "invoice-clerk"
  bool anonymous_allowed = false;         // without a token when the gateway allows it
  std::string problem_field;               // response field of type rathaus.common.v1.Problem
  std::vector<std::string> dotted_params;  // path parameters whose values may hold dots
};

struct RouteMatch {
  enum class Kind { kFound, kNotFound, kMethodNotAllowed, kBadPathParameter };
  Kind kind = Kind::kNotFound;
  const Route* route = nullptr;
  std::vector<std::pair<std::string, std::string>> path_params;  // field name -> value
  std::string allow;           // kMethodNotAllowed: "GET, DELETE"
  std::string bad_parameter;   // kBadPathParameter: the template's name
};

// For the token auth kinds: the request header whose value binds to the request's `token` field
// ("x-booking-token", "x-submission-token"); nullptr for the others.
const char* TokenHeader(std::string_view auth);

// Path parameter values: 1..64 characters of [A-Za-z0-9_-], with `dots` also "." (not first).
bool IsValidPathParameter(std::string_view value, bool dots = false);

class RouteTable {
 public:
  // Fails on an option that cannot work: an unknown verb, a {field} or body field the request
  // lacks, an unknown auth kind or role, "booking-token" without a `token` field, a
  // raw_response whose answer is not a File, a raw_body whose field is not bytes, a
  // problem_field that is not a rathaus.common.v1.Problem, or two routes with the same verb and
  // template.
  static absl::StatusOr<RouteTable> FromServices(
      const std::vector<const google::protobuf::ServiceDescriptor*>& services);

  // `path` is the request target without the query string, not percent-decoded.
  RouteMatch Match(std::string_view http_method, std::string_view path) const;

  // The body limit for a request line, before its body is read: the route's max_body_bytes,
  // else 64 KiB (`target` may carry a query string).
  size_t MaxBodyBytes(std::string_view http_method, std::string_view target) const;
  // The largest max_body_bytes of all routes (at least 64 KiB).
  size_t LargestBodyBytes() const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace rathaus::gateway
