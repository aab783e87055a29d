#include "gateway/idempotency.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "shared/crypto/crypto.h"

namespace rathaus::gateway {
namespace {

TEST(IdempotencyTest, FingerprintDependsOnEveryPart) {
  const std::string base = RequestFingerprint("POST", "/api/v1/bookings", "", R"({"a":1})");
  EXPECT_EQ(base.size(), 64u);
  EXPECT_EQ(base, RequestFingerprint("POST", "/api/v1/bookings", "", R"({"a":1})"));
  EXPECT_NE(base, RequestFingerprint("POST", "/api/v1/bookings", "", R"({"a":2})"));
  EXPECT_NE(base, RequestFingerprint("POST", "/api/v1/reservations", "", R"({"a":1})"));
  EXPECT_NE(base, RequestFingerprint("POST", "/api/v1/bookings", "token", R"({"a":1})"));
  // Moving bytes between parts changes the fingerprint (length prefixes).
  EXPECT_NE(RequestFingerprint("POST", "ab", "", "c"), RequestFingerprint("POST", "a", "", "bc"));
}

TEST(IdempotencyTest, KeyCharset) {
  EXPECT_TRUE(IsValidIdempotencyKey("8e03978e-40d5-43e8-bc93-6894a57f9324"));
  EXPECT_TRUE(IsValidIdempotencyKey("\"quoted\""));
  EXPECT_FALSE(IsValidIdempotencyKey(""));
  EXPECT_FALSE(IsValidIdempotencyKey("with space"));
  EXPECT_FALSE(IsValidIdempotencyKey(std::string(256, 'k')));
}

TEST(IdempotencyTest, RecordsAreScopedByRouteCredentialAndKey) {
  platform::redis::Pool pool(platform::redis::Options{});  // never connects in this test
  IdempotencyStore store(&pool, "gw:", absl::Hours(24), absl::Seconds(15));
  const IdempotencyRecord a = store.Locate("/api/v1/bookings", "token-a\n", "k1");
  EXPECT_TRUE(absl::StartsWith(a.redis_key, "gw:idem:"));
  EXPECT_EQ(a.redis_key.size(), 8u + 64u);
  EXPECT_EQ(a.answer_key.size(), 32u);
  // Every replica derives the same record.
  EXPECT_EQ(a.redis_key, store.Locate("/api/v1/bookings", "token-a\n", "k1").redis_key);
  EXPECT_EQ(a.answer_key, store.Locate("/api/v1/bookings", "token-a\n", "k1").answer_key);

  for (const IdempotencyRecord& other :
       {store.Locate("/api/v1/reservations", "token-a\n", "k1"),
        store.Locate("/api/v1/bookings", "token-b\n", "k1"),
        store.Locate("/api/v1/bookings", "\n", "k1"),
        store.Locate("/api/v1/bookings", "token-a\n", "k2"),
        store.Locate("/api/v1/bookings", "token-a\nk", "1")}) {
    EXPECT_NE(a.redis_key, other.redis_key);
    EXPECT_NE(a.answer_key, other.answer_key);
    EXPECT_NE(a.fingerprint_key, other.fingerprint_key);
  }
  IdempotencyStore keyed(&pool, "gw:", absl::Hours(24), absl::Seconds(15), "server secret");
  EXPECT_NE(a.redis_key, keyed.Locate("/api/v1/bookings", "token-a\n", "k1").redis_key);
  EXPECT_NE(a.answer_key, keyed.Locate("/api/v1/bookings", "token-a\n", "k1").answer_key);
}

// The name a record is found by in Redis gives nothing about the key its answer is sealed with.
TEST(IdempotencyTest, RecordNameIsNotTheAnswerKey) {
  platform::redis::Pool pool(platform::redis::Options{});
  IdempotencyStore store(&pool, "gw:", absl::Hours(24), absl::Seconds(15));
  const IdempotencyRecord r = store.Locate("/api/v1/bookings", "", "k1");
  const std::string name = r.redis_key.substr(8);
  EXPECT_NE(name, platform::crypto::Hex(r.answer_key));
  EXPECT_NE(name, platform::crypto::Hex(r.fingerprint_key));
  EXPECT_NE(r.answer_key, r.fingerprint_key);
}

}  // namespace
}  // namespace rathaus::gateway
