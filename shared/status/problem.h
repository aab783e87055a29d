// Machine-readable details on an absl::Status, carried as payloads so that domain code stays
// free of gRPC: the service turns them into trailing metadata (rathaus-field, rathaus-problem)
// in its one status conversion, and the gateway turns that into problem+json.
//
//   return InvalidField("email", "not a valid e-mail address");
//   return WithProblem(absl::AbortedError("the time is no longer free"), "slot-taken");
//   FieldOf(status) == "email";   ProblemOf(status) == "slot-taken";
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace rathaus::platform {

inline constexpr char kFieldPayload[] = "rathaus-field";
inline constexpr char kProblemPayload[] = "rathaus-problem";

// INVALID_ARGUMENT naming the request's JSON field.
absl::Status InvalidField(std::string_view field, std::string_view message);
// `status` with a problem tag (e.g. "slot-taken", "quota-reached", "reservation-expired").
absl::Status WithProblem(absl::Status status, std::string_view problem);

// "" when the status carries none.
std::string FieldOf(const absl::Status& status);
std::string ProblemOf(const absl::Status& status);

}  // namespace rathaus::platform
