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
#include "absl/status/statusor.h"

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

// A page of a list answer from the request's pageSize (0: `default_size`, else 1..max_size) and
// pageToken (empty, or the offset an earlier answer handed out as next_page_token).
struct Page {
  int offset = 0;
  int size = 0;
};
absl::StatusOr<Page> ParsePage(int page_size, const std::string& page_token, int default_size = 50,
                               int max_size = 200);

}  // namespace rathaus::platform
