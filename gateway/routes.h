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
  std::string body;                        // "" none, "*" whole request, or a field name
  int success_status = 200;
  std::string auth;                        // "", "booking-token", "clerk"
  std::string rate_limit;                  // bucket name or ""
  bool raw_response = false;
  bool cacheable = false;                  // GET answers may come from the micro-cache
};

struct RouteMatch {
  enum class Kind { kFound, kNotFound, kMethodNotAllowed, kBadPathParameter };
  Kind kind = Kind::kNotFound;
  const Route* route = nullptr;
  std::vector<std::pair<std::string, std::string>> path_params;  // field name -> value
  std::string allow;           // kMethodNotAllowed: "GET, DELETE"
  std::string bad_parameter;   // kBadPathParameter: the template's name
};

// Path parameter values: 1..64 characters of [A-Za-z0-9_-].
bool IsValidPathParameter(std::string_view value);

class RouteTable {
 public:
  // Fails on an option that cannot work: an unknown verb, a {field} or body field the request
  // lacks, an unknown auth kind, "booking-token" without a `token` field, a raw_response whose
  // answer is not a File, or two routes with the same verb and template.
  static absl::StatusOr<RouteTable> FromServices(
      const std::vector<const google::protobuf::ServiceDescriptor*>& services);

  // `path` is the request target without the query string, not percent-decoded.
  RouteMatch Match(std::string_view http_method, std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace rathaus::gateway
