#include "shared/status/problem.h"

#include "absl/strings/cord.h"

namespace rathaus::platform {
namespace {

std::string Payload(const absl::Status& status, const char* url) {
  auto payload = status.GetPayload(url);
  return payload ? std::string(*payload) : std::string();
}

}  // namespace

absl::Status InvalidField(std::string_view field, std::string_view message) {
  absl::Status status = absl::InvalidArgumentError(absl::string_view(message.data(), message.size()));
  status.SetPayload(kFieldPayload, absl::Cord(absl::string_view(field.data(), field.size())));
  return status;
}

absl::Status WithProblem(absl::Status status, std::string_view problem) {
  status.SetPayload(kProblemPayload, absl::Cord(absl::string_view(problem.data(), problem.size())));
  return status;
}

std::string FieldOf(const absl::Status& status) { return Payload(status, kFieldPayload); }
std::string ProblemOf(const absl::Status& status) { return Payload(status, kProblemPayload); }

}  // namespace rathaus::platform
