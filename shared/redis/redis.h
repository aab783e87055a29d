// Redis access for a service: a thread-safe pool of hiredis connections with timeouts on every
// call, reconnect with backoff, and Lua scripts run by EVALSHA (reloaded on NOSCRIPT).
//
//   auto options = redis::Options::FromUrl("redis://127.0.0.1:6379/0");
//   redis::Pool pool(*options);
//   static const redis::Script kReserve = redis::Script::WithPrelude("reserve", lua::kReserve);
//   absl::StatusOr<redis::Reply> r = pool.Eval(kReserve, {slot_key, outbox_key}, {argv...});
//
// Errors: a connection that fails or cannot be made is UNAVAILABLE, a call that times out is
// DEADLINE_EXCEEDED (its effect is unknown), an error reply from Redis (including one raised by
// a script with redis.error_reply) is FAILED_PRECONDITION carrying the reply text.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shared/redis/tls_tunnel.h"

struct redisContext;

namespace rathaus::platform::redis {

// A reply copied out of hiredis, so it outlives the connection.
struct Reply {
  enum class Type { kNil, kString, kStatus, kInteger, kArray, kError };
  Type type = Type::kNil;
  std::string str;  // kString, kStatus, kError
  int64_t integer = 0;
  std::vector<Reply> elements;  // kArray

  bool is_nil() const { return type == Type::kNil; }
  bool is_array() const { return type == Type::kArray; }
};

struct Options {
  std::string host = "127.0.0.1";
  int port = 6379;
  int db = 0;
  std::string password;
  absl::Duration connect_timeout = absl::Seconds(1);
  absl::Duration command_timeout = absl::Seconds(2);
  int pool_size = 8;
  absl::Duration reconnect_backoff_min = absl::Milliseconds(50);
  absl::Duration reconnect_backoff_max = absl::Seconds(2);

  // rediss:// : TLS through a TlsTunnel per connection (tls_tunnel.h); the CA, client
  // certificate and server name are set apart from the URL (platform config: RATHAUS_REDIS_TLS_*).
  TlsSettings tls;

  // redis://[:password@]host[:port][/db], or rediss://... (TLS)
  static absl::StatusOr<Options> FromUrl(std::string_view url);
};

// A Lua script with its SHA-1, ready for EVALSHA.
class Script {
 public:
  Script(std::string name, std::string source);
  // Prepends the platform prelude (outbox_append, inbox_claim; see shared/outbox/lua/prelude.lua).
  static Script WithPrelude(std::string name, std::string_view body);

  const std::string& name() const { return name_; }
  const std::string& source() const { return source_; }
  const std::string& sha() const { return sha_; }

 private:
  std::string name_;
  std::string source_;
  std::string sha_;
};

// KEYS and ARGV of one script run.
struct ScriptCall {
  std::vector<std::string> keys;
  std::vector<std::string> argv;
};

// One connection; not thread-safe. Pool hands these out; blocking readers own one.
class Connection {
 public:
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const Options& options,
                                                          absl::Duration command_timeout);
  ~Connection();
  absl::StatusOr<Reply> Command(const std::vector<std::string>& args);
  // Sends all commands, then reads all replies (one round trip).
  absl::StatusOr<std::vector<absl::StatusOr<Reply>>> Pipeline(
      const std::vector<std::vector<std::string>>& commands);
  absl::StatusOr<Reply> Eval(const Script& script, const std::vector<std::string>& keys,
                             const std::vector<std::string>& argv);
  // Runs the script once per call in one round trip (pipelined EVALSHA); replies in order.
  // Calls run in their order or not at all: after a lost script cache (restart, SCRIPT FLUSH)
  // the calls that got NOSCRIPT run again, in order, only when no later call of the pipeline
  // ran before them; otherwise they answer ABORTED and did not run.
  absl::StatusOr<std::vector<absl::StatusOr<Reply>>> EvalMany(const Script& script,
                                                              const std::vector<ScriptCall>& calls);
  // False once an I/O error or timeout has made the connection unusable.
  bool healthy() const;

 private:
  explicit Connection(redisContext* ctx) : ctx_(ctx) {}
  absl::Status IoError(std::string_view what);
  redisContext* ctx_;
  std::unique_ptr<TlsTunnel> tunnel_;  // rediss://: ends after ctx_ is freed (its fd closed)
  bool broken_ = false;
};

// EvalMany's rule after NOSCRIPT replies (`noscript[i]`: call i got NOSCRIPT): the index from
// which every call may run again, in order — nullopt when a call after a NOSCRIPT ran (running
// the missed ones now would reorder them) or when none got NOSCRIPT.
std::optional<size_t> RetryableNoscriptTail(const std::vector<bool>& noscript);

class Pool {
 public:
  explicit Pool(Options options);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  absl::StatusOr<Reply> Command(const std::vector<std::string>& args);
  absl::StatusOr<std::vector<absl::StatusOr<Reply>>> Pipeline(
      const std::vector<std::vector<std::string>>& commands);
  absl::StatusOr<Reply> Eval(const Script& script, const std::vector<std::string>& keys,
                             const std::vector<std::string>& argv);
  absl::StatusOr<std::vector<absl::StatusOr<Reply>>> EvalMany(const Script& script,
                                                              const std::vector<ScriptCall>& calls);
  absl::Status Ping();

  // A connection of its own for blocking commands (XREAD BLOCK): its timeout is the pool's
  // command timeout plus `extra`.
  absl::StatusOr<std::unique_ptr<Connection>> Dedicated(absl::Duration extra);

  const Options& options() const { return options_; }

 private:
  absl::StatusOr<std::unique_ptr<Connection>> Acquire();
  void Release(std::unique_ptr<Connection> connection);
  template <typename Fn>
  auto With(Fn&& fn) -> decltype(fn(std::declval<Connection&>()));

  Options options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;
  absl::Time next_connect_ = absl::InfinitePast();
  absl::Duration backoff_;
};

}  // namespace rathaus::platform::redis
