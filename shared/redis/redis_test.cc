// Unit tests of the Redis client that need no server (the rest is in tests/integration).
#include "shared/redis/redis.h"

#include <gtest/gtest.h>

#include "shared/crypto/crypto.h"

namespace rathaus::platform::redis {
namespace {

TEST(RedisOptionsTest, ParsesUrls) {
  auto o = Options::FromUrl("redis://:s3cret@redis.internal:6380/2");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->host, "redis.internal");
  EXPECT_EQ(o->port, 6380);
  EXPECT_EQ(o->db, 2);
  EXPECT_EQ(o->password, "s3cret");
  EXPECT_EQ(Options::FromUrl("redis://127.0.0.1")->port, 6379);
  EXPECT_FALSE(Options::FromUrl("http://127.0.0.1:6379").ok());
  EXPECT_FALSE(Options::FromUrl("redis://127.0.0.1:99999").ok());
  EXPECT_FALSE(Options::FromUrl("redis://127.0.0.1:6379/x").ok());
  EXPECT_FALSE(Options::FromUrl("redis://:6379").ok());
  EXPECT_FALSE(o->tls.enabled);
  auto tls = Options::FromUrl("rediss://:s3cret@redis.internal:6380/3");
  ASSERT_TRUE(tls.ok());
  EXPECT_TRUE(tls->tls.enabled);
  EXPECT_EQ(tls->host, "redis.internal");
  EXPECT_EQ(tls->port, 6380);
  EXPECT_EQ(tls->db, 3);
  EXPECT_EQ(tls->password, "s3cret");
  EXPECT_FALSE(Options::FromUrl("redis+tls://127.0.0.1").ok());
}
TEST(RedisScriptTest, ShaIsTheSha1OfTheSourceAsRedisComputesIt) {
  // redis-cli SCRIPT LOAD "return 1" answers e0e1f9fabfc9d4800c877a703b823ac0578ff8db.
  EXPECT_EQ(Script("one", "return 1").sha(), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
}

TEST(RedisScriptTest, PreludeComesFirst) {
  Script s = Script::WithPrelude("body", "return 7");
  EXPECT_NE(s.source().find("local function outbox_append"), std::string::npos);
  EXPECT_NE(s.source().find("local function inbox_claim"), std::string::npos);
  EXPECT_EQ(s.source().substr(s.source().size() - 8), "return 7");
  EXPECT_EQ(s.sha(), crypto::Hex(crypto::Sha1(s.source())));
}

// After NOSCRIPT, EvalMany runs missed calls again only when they are the pipeline's tail: a
// missed call followed by one that ran (the cache was reloaded in between) must not run after it.
TEST(RedisScriptTest, OnlyATailOfMissedCallsRunsAgain) {
  EXPECT_EQ(RetryableNoscriptTail({false, false}), std::nullopt);
  EXPECT_EQ(RetryableNoscriptTail({true, true, true}), 0u);
  EXPECT_EQ(RetryableNoscriptTail({false, true, true}), 1u);
  EXPECT_EQ(RetryableNoscriptTail({false, true, false}), std::nullopt);
  EXPECT_EQ(RetryableNoscriptTail({true, false, true}), std::nullopt);
  EXPECT_EQ(RetryableNoscriptTail({}), std::nullopt);
}

TEST(RedisPoolTest, NoServerMeansUnavailableNotACrash) {
  Options o;
  o.host = "127.0.0.1";
  o.port = 1;
  Pool pool(o);
  EXPECT_EQ(pool.Command({"PING"}).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(pool.Eval(Script("x", "return 1"), {}, {}).status().code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace rathaus::platform::redis
