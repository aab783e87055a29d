// Idempotent commands in a service's Redis scripts (the platform prelude's command_replay() and
// command_record()): a command sent again with the same Idempotency-Key answers with what it
// made instead of running again, and the key with another request is refused. Plus the small
// reply helpers every store needs.
//
//   redis::CommandKey command = redis::ScopedCommand(keys, "appt:", "Book|", key, request_bytes);
//   auto reply = redis::EvalCommand(pool, script, "appt:", outbox.stream_key(), argv, command,
//                                   absl::Hours(24));
//   if (auto replay = redis::ReplayOf(*reply)) { ... }   // the earlier result, or the refusal
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shared/crypto/personal_data.h"
#include "shared/redis/redis.h"

namespace rathaus::platform::redis {

// A command's Idempotency-Key as the service scoped it. Empty: the command always runs.
struct CommandKey {
  std::string record;   // Redis key of the command's record
  std::string request;  // keyed hash of the request
};

// The record key "<prefix>cmd:<HMAC(scope, key)>" and the request's keyed hash; keys that the
// caller scoped differently (another method, another clerk) never meet. Empty key: empty.
CommandKey ScopedCommand(const crypto::DataKeys& keys, std::string_view key_prefix,
                         std::string_view scope, std::string_view idempotency_key,
                         std::string_view request);

// Runs a store script: ARGV = key prefix, outbox stream, `argv`, and with a command its
// request hash and record TTL (ms) last; KEYS[1] = the command's record.
absl::StatusOr<Reply> EvalCommand(Pool& pool, const Script& script, std::string_view key_prefix,
                                  std::string_view stream, std::vector<std::string> argv,
                                  const CommandKey& command, absl::Duration record_ttl);

// What a command that ran before with the same key made.
struct Replay {
  std::string ref;  // what it made: a booking code, a reservation id, an application id
  int64_t at = 0;   // a time it recorded (ms), e.g. a reservation's expiry
};

// nullopt when the script ran the command; otherwise the earlier result ({'command-replay',
// ref, at}), or FAILED_PRECONDITION "idempotency-key-reused" ({'command-mismatch'}).
std::optional<absl::StatusOr<Replay>> ReplayOf(const Reply& reply);

// The first element of an array reply (a script's tag such as "ok"), or "".
const std::string& Tag(const Reply& reply);
// A flat field/value array (HGETALL) as a map.
std::map<std::string, std::string> ToMap(const Reply& reply);

}  // namespace rathaus::platform::redis
