#include "shared/redis/command.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "shared/crypto/crypto.h"
#include "shared/status/problem.h"

namespace rathaus::platform::redis {

CommandKey ScopedCommand(const crypto::DataKeys& keys, std::string_view key_prefix,
                         std::string_view scope, std::string_view idempotency_key,
                         std::string_view request) {
  if (idempotency_key.empty()) return {};
  using crypto::LengthPrefixed;
  return {absl::StrCat(absl::string_view(key_prefix.data(), key_prefix.size()), "cmd:",
                       keys.Lookup(LengthPrefixed({"command", scope, idempotency_key}))),
          keys.Lookup(LengthPrefixed({"command-request", scope, request}))};
}

absl::StatusOr<Reply> EvalCommand(Pool& pool, const Script& script, std::string_view key_prefix,
                                  std::string_view stream, std::vector<std::string> argv,
                                  const CommandKey& command, absl::Duration record_ttl) {
  argv.insert(argv.begin(), {std::string(key_prefix), std::string(stream)});
  if (command.record.empty()) return pool.Eval(script, {}, argv);
  argv.push_back(command.request);
  argv.push_back(absl::StrCat(absl::ToInt64Milliseconds(record_ttl)));
  return pool.Eval(script, {command.record}, argv);
}

std::optional<absl::StatusOr<Replay>> ReplayOf(const Reply& reply) {
  const std::string& tag = Tag(reply);
  if (tag == "command-mismatch") {
    return absl::StatusOr<Replay>(WithProblem(
        absl::FailedPreconditionError("this Idempotency-Key was used for a different request"),
        "idempotency-key-reused"));
  }
  if (tag != "command-replay") return std::nullopt;
  if (reply.elements.size() != 3) {
    return absl::StatusOr<Replay>(absl::InternalError("malformed command record"));
  }
  int64_t at = 0;
  if (!absl::SimpleAtoi(reply.elements[2].str, &at)) at = 0;
  return absl::StatusOr<Replay>(Replay{reply.elements[1].str, at});
}

const std::string& Tag(const Reply& reply) {
  static const std::string kEmpty;
  return reply.is_array() && !reply.elements.empty() ? reply.elements[0].str : kEmpty;
}

std::map<std::string, std::string> ToMap(const Reply& reply) {
  std::map<std::string, std::string> map;
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    map[reply.elements[i].str] = reply.elements[i + 1].str;
  }
  return map;
}

}  // namespace rathaus::platform::redis
