#include "shared/status/problem.h"

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

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

absl::StatusOr<Page> ParsePage(int page_size, const std::string& page_token, int default_size,
                               int max_size) {
  Page page;
  page.size = page_size == 0 ? default_size : page_size;
  if (page.size < 1 || page.size > max_size) {
    return InvalidField("pageSize", absl::StrCat("1 to ", max_size));
  }
  if (!page_token.empty() && (!absl::SimpleAtoi(page_token, &page.offset) || page.offset < 0 ||
                              page.offset > 10000000)) {
    return InvalidField("pageToken", "not a token of an earlier answer");
  }
  return page;
}

}  // namespace rathaus::platform
