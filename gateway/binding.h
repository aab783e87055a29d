// Turns an HTTP request into the gRPC request message of its route, and answers into JSON.
//
//   HttpInput in{.path_params = match.path_params, .query = "office=kiel-mitte", .body = ""};
//   ListServicesRequest request;
//   absl::Status s = BindRequest(*match.route, in, &request);   // 400 problems on bad input
//
// Binding rules, in order:
//   - path parameters set the request field of the template's name;
//   - the JSON body (routes with body "*" or a field) is parsed strictly: an unknown field, a
//     wrong type or malformed JSON is an error naming the field, and so is a value of a JSON kind
//     the proto3 JSON mapping does not allow for its field, at any depth (an object for a
//     repeated field, a list for a string, "true" for a bool); a name twice in one object is
//     malformed JSON; a raw_body route's bytes go into its bytes field and the media type into
//     `content_type`, untouched;
//   - query parameters set scalar fields by JSON name or field name (repeated fields take every
//     occurrence); an unknown parameter is an error. Special binding: `service=ID` and
//     `quantity=N` pair up in order into a repeated `services` field of {id, quantity} messages
//     (GET /api/v1/availability): a quantity applies to the service before it, a service
//     without one gets quantity 1;
//   - fields bound by the path or by authentication (`token`) may not come from body or query.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <google/protobuf/message.h>

#include "absl/status/statusor.h"
#include "gateway/routes.h"

namespace rathaus::gateway {

struct HttpInput {
  std::vector<std::pair<std::string, std::string>> path_params;
  std::string_view query;  // after '?', still percent-encoded
  std::string_view body;   // JSON, for routes with a body; raw bytes for raw_body routes
  std::string_view content_type;  // raw_body routes: the media type, lower case, no parameters
  // raw_body routes: when set, the body is moved from here into the message (not copied; an
  // invoice is up to 20 MiB) and `body` is not read.
  std::string* owned_body = nullptr;
};

// Errors are INVALID_ARGUMENT with the problem payloads of problem.h.
absl::Status BindRequest(const Route& route, const HttpInput& input,
                         google::protobuf::Message* request);

// "a=1&b=x%20y" -> {{"a","1"},{"b","x y"}} ('+' is a space); fails on a bad escape.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseQuery(
    std::string_view query);

// Strict JSON -> message (unknown fields and values of the wrong JSON kind rejected), with
// errors naming the field by its JSON path ("services[0].quantity").
absl::Status JsonToMessage(std::string_view json, google::protobuf::Message* message);

// Message -> JSON with JSON names and every primitive field (so "free":0 shows).
std::string MessageToJson(const google::protobuf::Message& message);

}  // namespace rathaus::gateway
