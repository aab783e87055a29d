#include "shared/redis/durability.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace rathaus::platform::redis {

absl::Status CheckDurability(Pool& pool) {
  auto r = pool.Pipeline({{"CONFIG", "GET", "appendonly"},
                          {"CONFIG", "GET", "appendfsync"},
                          {"CONFIG", "GET", "maxmemory-policy"}});
  if (!r.ok()) return r.status();
  std::vector<std::string> values;
  for (const auto& reply : *r) {
    if (!reply.ok()) return reply.status();
    if (reply->elements.size() != 2) {
      return absl::FailedPreconditionError("redis: CONFIG GET gave no value");
    }
    values.push_back(reply->elements[1].str);
  }
  std::vector<std::string> problems;
  if (values[0] != "yes") problems.push_back(absl::StrCat("appendonly is ", values[0], ", needs yes"));
  if (values[1] != "always") {
    problems.push_back(absl::StrCat("appendfsync is ", values[1],
                                    ", needs always (acknowledged writes must be on disk)"));
  }
  if (values[2] != "noeviction") {
    problems.push_back(absl::StrCat("maxmemory-policy is ", values[2],
                                    ", needs noeviction (no key may be dropped)"));
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("redis is not durable: ", absl::StrJoin(problems, "; ")));
}

}  // namespace rathaus::platform::redis
