// The Redis client against a real Redis 7: scripts, errors, timeouts, reconnects, threads.
#include "shared/redis/durability.h"
#include "shared/redis/redis.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "tests/harness/harness.h"

namespace rathaus::platform::redis {
namespace {

using rathaus::testing::SharedServers;
using rathaus::testing::UniqueName;

Options SharedOptions() { return *Options::FromUrl(SharedServers().redis_url); }

TEST(RedisTest, CommandsAndReplies) {
  Pool pool(SharedOptions());
  const std::string key = UniqueName("redis-test");
  ASSERT_TRUE(pool.Command({"SET", key, std::string("a\0b", 3)}).ok());
  auto got = pool.Command({"GET", key});
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->type, Reply::Type::kString);
  EXPECT_EQ(got->str, std::string("a\0b", 3));  // binary safe
  auto missing = pool.Command({"GET", key + "-missing"});
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->is_nil());
  auto n = pool.Command({"INCRBY", key + "-n", "41"});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->integer, 41);
}

TEST(RedisTest, ErrorReplyIsFailedPrecondition) {
  Pool pool(SharedOptions());
  const std::string key = UniqueName("redis-test");
  ASSERT_TRUE(pool.Command({"SET", key, "x"}).ok());
  auto r = pool.Command({"INCR", key});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(pool.Ping().ok()) << "an error reply must not break the connection";
}

TEST(RedisTest, ScriptRunsBySha1AndReloadsAfterFlush) {
  Pool pool(SharedOptions());
  Script script("echo_sum", "return tonumber(ARGV[1]) + tonumber(ARGV[2])");
  auto r = pool.Eval(script, {}, {"2", "3"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->integer, 5);
  ASSERT_TRUE(pool.Command({"SCRIPT", "FLUSH"}).ok());
  r = pool.Eval(script, {}, {"20", "22"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->integer, 42);
}

TEST(RedisTest, EvalManyAfterAFlushRunsTheMissedCallsInOrder) {
  Pool pool(SharedOptions());
  const std::string key = UniqueName("redis-evalmany");
  Script script(UniqueName("append"), "return redis.call('RPUSH', KEYS[1], ARGV[1])");
  ASSERT_TRUE(pool.Command({"SCRIPT", "FLUSH"}).ok());
  std::vector<ScriptCall> calls;
  for (int i = 1; i <= 5; ++i) calls.push_back({{key}, {absl::StrCat(i)}});
  auto replies = pool.EvalMany(script, calls);
  ASSERT_TRUE(replies.ok()) << replies.status();
  for (size_t i = 0; i < replies->size(); ++i) {
    ASSERT_TRUE((*replies)[i].ok()) << (*replies)[i].status();
    EXPECT_EQ((*replies)[i]->integer, static_cast<int64_t>(i + 1));
  }
  auto list = pool.Command({"LRANGE", key, "0", "-1"});
  ASSERT_TRUE(list.ok());
  std::vector<std::string> order;
  for (const Reply& r : list->elements) order.push_back(r.str);
  EXPECT_EQ(order, (std::vector<std::string>{"1", "2", "3", "4", "5"}));
}

TEST(RedisTest, ScriptErrorNamesTheScript) {
  Pool pool(SharedOptions());
  Script script("refuse", "return redis.error_reply('CONFLICT slot taken')");
  auto r = pool.Eval(script, {}, {});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("CONFLICT slot taken"), absl::string_view::npos);
  EXPECT_NE(r.status().message().find("refuse"), absl::string_view::npos);
}

TEST(RedisTest, PreludeIsAvailableToScripts) {
  Pool pool(SharedOptions());
  const std::string key = UniqueName("inbox");
  Script script = Script::WithPrelude("claim", "return inbox_claim(KEYS[1], 60) and 1 or 0");
  EXPECT_EQ(pool.Eval(script, {key}, {})->integer, 1);
  EXPECT_EQ(pool.Eval(script, {key}, {})->integer, 0);
}

TEST(RedisTest, CallsTimeOut) {
  Options options = SharedOptions();
  options.command_timeout = absl::Milliseconds(200);
  Pool pool(options);
  absl::Time start = absl::Now();
  auto r = pool.Command({"BLPOP", UniqueName("never"), "5"});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded) << r.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_TRUE(pool.Ping().ok()) << "the pool replaces a timed-out connection";
}

TEST(RedisTest, UnreachableServerFailsFastWithBackoff) {
  Options options;
  options.port = 1;  // nothing listens there
  options.reconnect_backoff_min = absl::Seconds(5);
  Pool pool(options);
  EXPECT_EQ(pool.Ping().code(), absl::StatusCode::kUnavailable);
  absl::Time start = absl::Now();
  EXPECT_EQ(pool.Ping().code(), absl::StatusCode::kUnavailable);
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(50)) << "second call waits for the backoff";
}

TEST(RedisTest, PoolIsSafeFromManyThreads) {
  Options options = SharedOptions();
  options.pool_size = 4;
  Pool pool(options);
  const std::string key = UniqueName("counter");
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (!pool.Command({"INCR", key}).ok()) failures++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(pool.Command({"GET", key})->str, "8000");
}

TEST(RedisTest, PipelineKeepsOrder) {
  Pool pool(SharedOptions());
  const std::string key = UniqueName("list");
  std::vector<std::vector<std::string>> cmds;
  for (int i = 0; i < 100; ++i) cmds.push_back({"RPUSH", key, absl::StrCat(i)});
  cmds.push_back({"INCR", key});  // wrong type: an error in the middle of the batch
  cmds.push_back({"LLEN", key});
  auto replies = pool.Pipeline(cmds);
  ASSERT_TRUE(replies.ok());
  ASSERT_EQ(replies->size(), 102u);
  EXPECT_EQ((*replies)[99]->integer, 100);
  EXPECT_EQ((*replies)[100].status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*replies)[101]->integer, 100);
}

TEST(RedisTest, DurabilityCheckNamesWhatIsOff) {
  Pool pool(SharedOptions());
  ASSERT_TRUE(CheckDurability(pool).ok()) << CheckDurability(pool)
                                          << " (scripts/servers.sh starts Redis durable)";
  // What a default Redis or a cache-style setup has; put back afterwards (ctest runs the
  // integration tests one at a time).
  ASSERT_TRUE(pool.Command({"CONFIG", "SET", "appendfsync", "everysec"}).ok());
  ASSERT_TRUE(pool.Command({"CONFIG", "SET", "maxmemory-policy", "volatile-lru"}).ok());
  absl::Status s = CheckDurability(pool);
  ASSERT_TRUE(pool.Command({"CONFIG", "SET", "appendfsync", "always"}).ok());
  ASSERT_TRUE(pool.Command({"CONFIG", "SET", "maxmemory-policy", "noeviction"}).ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("appendfsync is everysec"), absl::string_view::npos) << s;
  EXPECT_NE(s.message().find("maxmemory-policy is volatile-lru"), absl::string_view::npos) << s;
  EXPECT_TRUE(CheckDurability(pool).ok());
}

}  // namespace
}  // namespace rathaus::platform::redis
