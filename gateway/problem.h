// RFC 9457 problem details: every error the gateway answers is one of these, whether the gateway
// found it (bad JSON, unknown route, rate limit) or a service did (a gRPC status plus trailing
// metadata `rathaus-problem` naming the problem and `rathaus-field` naming the JSON field).
//
//   Problem p = ProblemFromGrpc(grpc::StatusCode::FAILED_PRECONDITION, "reservation expired",
//                               "reservation-expired", "");
//   // p.status == 410, p.type == "urn:rathaus:problem:reservation-expired"
//   std::string body = p.ToJson();   // Content-Type: application/problem+json
//
// gRPC -> HTTP (DESIGN.md "Gateway"): INVALID_ARGUMENT 400, NOT_FOUND 404, UNAUTHENTICATED 401,
// PERMISSION_DENIED 403, ALREADY_EXISTS/ABORTED 409, FAILED_PRECONDITION 409 (the state of the
// resource forbids the change, e.g. a cancelled booking; a named problem can refine it, e.g.
// reservation-expired -> 410), RESOURCE_EXHAUSTED 429 + Retry-After, UNAVAILABLE 503,
// DEADLINE_EXCEEDED 504, everything else (INTERNAL, UNKNOWN, ...) 500 without internals.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace rathaus::gateway {

struct Problem {
  int status = 500;
  std::string type;      // URI, "urn:rathaus:problem:<name>"
  std::string title;     // short, the same for every occurrence of the type
  std::string detail;    // this occurrence
  std::string field;     // offending JSON field or query parameter, if any
  std::string instance;  // request id
  // Extra response headers (Retry-After, WWW-Authenticate, Allow).
  std::vector<std::pair<std::string, std::string>> headers;

  std::string ToJson() const;
};

inline constexpr std::string_view kProblemContentType = "application/problem+json";

// A problem of a known name (see problem.cc's catalog) with its status and title.
Problem MakeProblem(std::string_view name, std::string detail, std::string field = "");

// Maps a gRPC status code (numerically the same as absl::StatusCode) and the service's problem
// name and field to the answer. Unknown problem names keep the code's status.
Problem ProblemFromGrpc(int code, std::string_view message, std::string_view problem_name,
                        std::string_view field);

// The gateway's own binding errors travel as absl::Status with these payloads, mirroring the
// metadata a service sends.
inline constexpr char kProblemPayload[] = "rathaus-problem";
inline constexpr char kFieldPayload[] = "rathaus-field";
absl::Status InvalidField(std::string_view problem_name, std::string_view field,
                          std::string_view detail);
Problem ProblemFromStatus(const absl::Status& status);

}  // namespace rathaus::gateway
