#include "gateway/idempotency.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"

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

TEST(IdempotencyTest, RecordKeysAreScopedAndHashed) {
  platform::redis::Pool pool(platform::redis::Options{});  // never connects in this test
  IdempotencyStore store(&pool, "gw:", absl::Hours(24), absl::Seconds(15));
  const std::string a = store.RecordKey("/api/v1/bookings", "k1");
  EXPECT_TRUE(absl::StartsWith(a, "gw:idem:"));
  EXPECT_EQ(a.size(), 8u + 64u);
  EXPECT_NE(a, store.RecordKey("/api/v1/reservations", "k1"));
  EXPECT_NE(a, store.RecordKey("/api/v1/bookings", "k2"));
}

}  // namespace
}  // namespace rathaus::gateway
