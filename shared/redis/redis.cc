#include "shared/redis/redis.h"

#include <optional>

#include <hiredis/hiredis.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "rathaus_platform_embedded.h"
#include "shared/crypto/crypto.h"

namespace rathaus::platform::redis {
namespace {

Reply Copy(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = Reply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = Reply::Type::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::kArray;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(Copy(r->element[i]));
      break;
    default:
      out.type = Reply::Type::kNil;
  }
  return out;
}

absl::StatusOr<Reply> FromReply(Reply reply) {
  if (reply.type == Reply::Type::kError) {
    return absl::FailedPreconditionError(absl::StrCat("redis: ", reply.str));
  }
  return reply;
}

struct ArgvBuffers {
  explicit ArgvBuffers(const std::vector<std::string>& args) {
    argv.reserve(args.size());
    lens.reserve(args.size());
    for (const auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
  }
  std::vector<const char*> argv;
  std::vector<size_t> lens;
};

}  // namespace

absl::StatusOr<Options> Options::FromUrl(std::string_view url) {
  Options o;
  absl::string_view rest(url.data(), url.size());
  if (absl::ConsumePrefix(&rest, "rediss://")) {
    o.tls.enabled = true;
  } else if (!absl::ConsumePrefix(&rest, "redis://")) {
    return absl::InvalidArgumentError("expected redis://[:password@]host[:port][/db] or rediss://...");
  }
  if (auto at = rest.rfind('@'); at != absl::string_view::npos) {
    absl::string_view auth = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (auto colon = auth.find(':'); colon != absl::string_view::npos) auth = auth.substr(colon + 1);
    o.password = std::string(auth);
  }
  absl::string_view hostport = rest;
  if (auto slash = rest.find('/'); slash != absl::string_view::npos) {
    hostport = rest.substr(0, slash);
    absl::string_view db = rest.substr(slash + 1);
    if (!db.empty() && (!absl::SimpleAtoi(db, &o.db) || o.db < 0 || o.db > 15)) {
      return absl::InvalidArgumentError("database must be a number from 0 to 15");
    }
  }
  if (auto colon = hostport.rfind(':'); colon != absl::string_view::npos) {
    if (!absl::SimpleAtoi(hostport.substr(colon + 1), &o.port) || o.port < 1 || o.port > 65535) {
      return absl::InvalidArgumentError("port must be a number from 1 to 65535");
    }
    hostport = hostport.substr(0, colon);
  }
  if (hostport.empty()) return absl::InvalidArgumentError("host is missing");
  o.host = std::string(hostport);
  return o;
}

Script::Script(std::string name, std::string source)
    : name_(std::move(name)),
      source_(std::move(source)),
      sha_(crypto::Hex(crypto::Sha1(source_))) {}

Script Script::WithPrelude(std::string name, std::string_view body) {
  std::string source(lua::kPrelude);
  source += '\n';
  source += body;
  return Script(std::move(name), std::move(source));
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const Options& options,
                                                             absl::Duration command_timeout) {
  std::unique_ptr<TlsTunnel> tunnel;
  redisContext* ctx = nullptr;
  if (options.tls.enabled) {
    int fd = -1;
    auto opened = TlsTunnel::Open(options.host, options.port, options.tls, options.connect_timeout, &fd);
    if (!opened.ok()) return opened.status();
    tunnel = std::move(*opened);
    ctx = redisConnectFd(fd);  // hiredis owns fd from here (closes it in redisFree)
    if (ctx == nullptr) close(fd);
  } else {
    timeval tv = absl::ToTimeval(options.connect_timeout);
    ctx = redisConnectWithTimeout(options.host.c_str(), options.port, tv);
  }
  if (ctx == nullptr) return absl::UnavailableError("redis: out of memory");
  if (ctx->err) {
    std::string msg = absl::StrCat("redis: connect to ", options.host, ":", options.port, ": ",
                                   ctx->errstr);
    redisFree(ctx);
    return absl::UnavailableError(msg);
  }
  timeval ctv = absl::ToTimeval(command_timeout);
  redisSetTimeout(ctx, ctv);
  std::unique_ptr<Connection> c(new Connection(ctx));
  c->tunnel_ = std::move(tunnel);
  if (!options.password.empty()) {
    auto r = c->Command({"AUTH", options.password});
    if (!r.ok()) return absl::UnavailableError("redis: authentication failed");
  }
  if (options.db != 0) {
    auto r = c->Command({"SELECT", absl::StrCat(options.db)});
    if (!r.ok()) return r.status();
  }
  return c;
}

Connection::~Connection() { redisFree(ctx_); }

bool Connection::healthy() const { return !broken_ && ctx_->err == 0; }

absl::Status Connection::IoError(std::string_view what) {
  broken_ = true;
  bool timeout = ctx_->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK);
  const std::string op(what);
  std::string msg = absl::StrCat("redis: ", op, ": ", ctx_->errstr[0] ? ctx_->errstr : "I/O error");
  if (timeout || std::string_view(ctx_->errstr).find("Resource temporarily") != std::string_view::npos) {
    return absl::DeadlineExceededError(absl::StrCat("redis: ", op, ": timed out"));
  }
  return absl::UnavailableError(msg);
}

absl::StatusOr<Reply> Connection::Command(const std::vector<std::string>& args) {
  if (!healthy()) return absl::UnavailableError("redis: connection is broken");
  ArgvBuffers b(args);
  auto* raw = static_cast<redisReply*>(
      redisCommandArgv(ctx_, static_cast<int>(args.size()), b.argv.data(), b.lens.data()));
  if (raw == nullptr) return IoError(args.empty() ? "command" : args[0]);
  Reply reply = Copy(raw);
  freeReplyObject(raw);
  return FromReply(std::move(reply));
}

absl::StatusOr<std::vector<absl::StatusOr<Reply>>> Connection::Pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  if (!healthy()) return absl::UnavailableError("redis: connection is broken");
  for (const auto& args : commands) {
    ArgvBuffers b(args);
    if (redisAppendCommandArgv(ctx_, static_cast<int>(args.size()), b.argv.data(),
                               b.lens.data()) != REDIS_OK) {
      return IoError("pipeline");
    }
  }
  std::vector<absl::StatusOr<Reply>> out;
  out.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) return IoError("pipeline");
    Reply reply = Copy(static_cast<redisReply*>(raw));
    freeReplyObject(raw);
    out.push_back(FromReply(std::move(reply)));
  }
  return out;
}

absl::StatusOr<Reply> Connection::Eval(const Script& script, const std::vector<std::string>& keys,
                                       const std::vector<std::string>& argv) {
  std::vector<std::string> args;
  args.reserve(3 + keys.size() + argv.size());
  args.push_back("EVALSHA");
  args.push_back(script.sha());
  args.push_back(absl::StrCat(keys.size()));
  args.insert(args.end(), keys.begin(), keys.end());
  args.insert(args.end(), argv.begin(), argv.end());
  auto r = Command(args);
  if (!r.ok() && r.status().code() == absl::StatusCode::kFailedPrecondition &&
      absl::StrContains(r.status().message(), "NOSCRIPT")) {
    // The server does not know the script (first use, restart, SCRIPT FLUSH): load it and retry
    // once. EVALSHA never ran, so retrying cannot apply the script twice.
    auto loaded = Command({"SCRIPT", "LOAD", script.source()});
    if (!loaded.ok()) return loaded.status();
    r = Command(args);
  }
  if (!r.ok() && r.status().code() == absl::StatusCode::kFailedPrecondition) {
    return absl::Status(r.status().code(),
                        absl::StrCat(r.status().message(), " (script ", script.name(), ")"));
  }
  return r;
}

std::optional<size_t> RetryableNoscriptTail(const std::vector<bool>& noscript) {
  size_t first = 0;
  while (first < noscript.size() && !noscript[first]) ++first;
  if (first == noscript.size()) return std::nullopt;
  for (size_t i = first; i < noscript.size(); ++i) {
    if (!noscript[i]) return std::nullopt;
  }
  return first;
}

absl::StatusOr<std::vector<absl::StatusOr<Reply>>> Connection::EvalMany(
    const Script& script, const std::vector<ScriptCall>& calls) {
  std::vector<std::vector<std::string>> commands;
  commands.reserve(calls.size());
  for (const auto& call : calls) {
    std::vector<std::string> args;
    args.reserve(3 + call.keys.size() + call.argv.size());
    args.push_back("EVALSHA");
    args.push_back(script.sha());
    args.push_back(absl::StrCat(call.keys.size()));
    args.insert(args.end(), call.keys.begin(), call.keys.end());
    args.insert(args.end(), call.argv.begin(), call.argv.end());
    commands.push_back(std::move(args));
  }
  auto replies = Pipeline(commands);
  if (!replies.ok() || replies->empty()) return replies;
  auto noscript = [](const absl::StatusOr<Reply>& r) {
    return !r.ok() && absl::StrContains(r.status().message(), "NOSCRIPT");
  };
  if (std::none_of(replies->begin(), replies->end(), noscript)) return replies;
  // The server lost its script cache (restart, SCRIPT FLUSH). Calls that got NOSCRIPT never
  // ran. When they are the pipeline's tail, load the script and run them again, in order. When a
  // later call ran (another client loaded the script in between), running them now would put
  // them after it: they answer ABORTED instead, not run.
  std::vector<bool> missed;
  for (const auto& r : *replies) missed.push_back(noscript(r));
  const std::optional<size_t> tail = RetryableNoscriptTail(missed);
  if (!tail) {
    for (size_t j = 0; j < replies->size(); ++j) {
      if (missed[j]) {
        (*replies)[j] = absl::AbortedError(
            "redis: the script cache was flushed while the pipeline ran; this call did not run");
      }
    }
    return replies;
  }
  const size_t first = *tail;
  auto loaded = Command({"SCRIPT", "LOAD", script.source()});
  if (!loaded.ok()) return loaded.status();
  std::vector<size_t> again;
  std::vector<std::vector<std::string>> retry;
  for (size_t i = first; i < replies->size(); ++i) {
    again.push_back(i);
    retry.push_back(commands[i]);
  }
  auto second = Pipeline(retry);
  if (!second.ok()) return second.status();
  for (size_t j = 0; j < again.size(); ++j) (*replies)[again[j]] = std::move((*second)[j]);
  return replies;
}

Pool::Pool(Options options) : options_(std::move(options)), backoff_(options_.reconnect_backoff_min) {}

Pool::~Pool() = default;

absl::StatusOr<std::unique_ptr<Connection>> Pool::Acquire() {
  std::unique_lock lock(mu_);
  absl::Time deadline = absl::Now() + options_.command_timeout;
  while (idle_.empty() && open_ >= options_.pool_size) {
    if (cv_.wait_until(lock, absl::ToChronoTime(deadline)) == std::cv_status::timeout &&
        idle_.empty() && open_ >= options_.pool_size) {
      return absl::DeadlineExceededError("redis: no free connection in the pool");
    }
  }
  if (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return c;
  }
  // Open a new connection, unless a recent attempt failed: then fail fast until the backoff
  // passes, so a dead Redis costs callers nothing but an error.
  if (absl::Now() < next_connect_) {
    return absl::UnavailableError("redis: not reachable (reconnecting with backoff)");
  }
  ++open_;
  lock.unlock();
  auto c = Connection::Open(options_, options_.command_timeout);
  lock.lock();
  if (!c.ok()) {
    --open_;
    next_connect_ = absl::Now() + backoff_;
    backoff_ = std::min(backoff_ * 2, options_.reconnect_backoff_max);
    cv_.notify_one();
    return c.status();
  }
  backoff_ = options_.reconnect_backoff_min;
  next_connect_ = absl::InfinitePast();
  return c;
}

void Pool::Release(std::unique_ptr<Connection> connection) {
  std::lock_guard lock(mu_);
  if (connection->healthy()) {
    idle_.push_back(std::move(connection));
  } else {
    --open_;
  }
  cv_.notify_one();
}

template <typename Fn>
auto Pool::With(Fn&& fn) -> decltype(fn(std::declval<Connection&>())) {
  auto c = Acquire();
  if (!c.ok()) return c.status();
  auto result = fn(**c);
  Release(std::move(*c));
  return result;
}

absl::StatusOr<Reply> Pool::Command(const std::vector<std::string>& args) {
  return With([&](Connection& c) { return c.Command(args); });
}

absl::StatusOr<std::vector<absl::StatusOr<Reply>>> Pool::Pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  return With([&](Connection& c) { return c.Pipeline(commands); });
}

absl::StatusOr<Reply> Pool::Eval(const Script& script, const std::vector<std::string>& keys,
                                 const std::vector<std::string>& argv) {
  return With([&](Connection& c) { return c.Eval(script, keys, argv); });
}

absl::StatusOr<std::vector<absl::StatusOr<Reply>>> Pool::EvalMany(
    const Script& script, const std::vector<ScriptCall>& calls) {
  return With([&](Connection& c) { return c.EvalMany(script, calls); });
}

absl::Status Pool::Ping() {
  auto r = Command({"PING"});
  return r.ok() ? absl::OkStatus() : r.status();
}

absl::StatusOr<std::unique_ptr<Connection>> Pool::Dedicated(absl::Duration extra) {
  return Connection::Open(options_, options_.command_timeout + extra);
}

}  // namespace rathaus::platform::redis
