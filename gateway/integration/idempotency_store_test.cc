// Idempotency-Key records on the real Redis of the ctest fixture: what a record holds in Redis
// (nothing of the answer, the key or the credential in clear), and that the same key under
// another credential is another record. Each test has a key prefix of its own.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/idempotency.h"
#include "shared/crypto/crypto.h"
#include "shared/redis/redis.h"
#include "tests/harness/harness.h"

namespace rathaus::gateway {
namespace {

using ::rathaus::testing::SharedServers;
using ::rathaus::testing::UniqueName;
using Kind = IdempotencyBegin::Kind;

constexpr char kRoute[] = "/api/v1/reservations/{reservation_id}/confirm";
constexpr char kPath[] = "/api/v1/reservations/r-4kQ9/confirm";
constexpr char kKey[] = "idem-key-3b9c71";
// The credentials as the gateway puts them together: X-Booking-Token "\n" Authorization.
constexpr char kCitizen[] = "\n";
constexpr char kClerkA[] = "\nBearer clerk-a-7Yt2Wq";
constexpr char kClerkB[] = "\nBearer clerk-b-0Pz8Rn";
constexpr char kBody[] = R"({"name":"Erika Mustermann","email":"erika.mustermann@example.org"})";
constexpr char kBookingToken[] = "tok-Vh3LmX9pRsKd2NwYb4Tq";
constexpr char kEmail[] = "erika.mustermann@example.org";
constexpr char kName[] = "Erika Mustermann";

StoredResponse Answer() {
  return {201, "application/json",
          absl::StrCat(R"({"code":"K7M3Q9XP","token":")", kBookingToken, R"(","name":")", kName,
                       R"(","email":")", kEmail, R"("})")};
}

class IdempotencyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto options = platform::redis::Options::FromUrl(SharedServers().redis_url);
    ASSERT_TRUE(options.ok());
    pool_ = std::make_unique<platform::redis::Pool>(*options);
    prefix_ = UniqueName("gw") + ":";
    store_ = std::make_unique<IdempotencyStore>(pool_.get(), prefix_, absl::Hours(24),
                                                absl::Seconds(15), "server-secret");
  }

  IdempotencyBegin::Kind BeginKind(std::string_view credential, std::string_view body) {
    auto begin = store_->Begin(store_->Locate(kRoute, credential, kKey),
                               RequestFingerprint("POST", kPath, credential, body));
    EXPECT_TRUE(begin.ok()) << begin.status();
    return begin.ok() ? begin->kind : Kind::kNew;
  }

  // Every key under the test's prefix, and every field name and value stored under them.
  std::vector<std::string> KeysAndValues() {
    std::vector<std::string> out;
    auto keys = pool_->Command({"KEYS", prefix_ + "*"});
    EXPECT_TRUE(keys.ok());
    if (!keys.ok()) return out;
    for (const auto& key : keys->elements) {
      out.push_back(key.str);
      auto fields = pool_->Command({"HGETALL", key.str});
      EXPECT_TRUE(fields.ok()) << key.str;
      if (!fields.ok()) continue;
      for (const auto& f : fields->elements) out.push_back(f.str);
    }
    return out;
  }

  std::unique_ptr<platform::redis::Pool> pool_;
  std::string prefix_;
  std::unique_ptr<IdempotencyStore> store_;
};

TEST_F(IdempotencyStoreTest, RedisHoldsNoAnswerKeyOrCredentialInClear) {
  for (const char* credential : {kCitizen, kClerkA}) {
    const IdempotencyRecord record = store_->Locate(kRoute, credential, kKey);
    ASSERT_EQ(BeginKind(credential, kBody), Kind::kNew);
    ASSERT_TRUE(store_->Finish(record, Answer()).ok());
  }
  const std::vector<std::string> stored = KeysAndValues();
  ASSERT_EQ(stored.size(), 2u * (1 + 6)) << "two records of three fields";
  const std::string fingerprint = RequestFingerprint("POST", kPath, kCitizen, kBody);
  for (const std::string& s : stored) {
    for (const char* secret : {kBookingToken, kEmail, kName, "Mustermann", "K7M3Q9XP",
                               "application/json", kKey, "clerk-a-7Yt2Wq", "reservations"}) {
      EXPECT_FALSE(absl::StrContains(s, secret)) << secret << " in " << s;
    }
    EXPECT_NE(s, fingerprint);
    EXPECT_NE(s, "201");
  }
  // Still 24 h.
  auto ttl = pool_->Command({"PTTL", store_->Locate(kRoute, kClerkA, kKey).redis_key});
  ASSERT_TRUE(ttl.ok());
  EXPECT_GT(ttl->integer, absl::ToInt64Milliseconds(absl::Hours(23)));
}

TEST_F(IdempotencyStoreTest, ReplaysOnlyToTheSameKeyAndCredential) {
  const IdempotencyRecord a = store_->Locate(kRoute, kClerkA, kKey);
  ASSERT_EQ(BeginKind(kClerkA, kBody), Kind::kNew);
  ASSERT_TRUE(store_->Finish(a, Answer()).ok());

  auto replay = store_->Begin(a, RequestFingerprint("POST", kPath, kClerkA, kBody));
  ASSERT_TRUE(replay.ok()) << replay.status();
  ASSERT_EQ(replay->kind, Kind::kReplay);
  EXPECT_EQ(replay->stored.status, 201);
  EXPECT_EQ(replay->stored.content_type, "application/json");
  EXPECT_EQ(replay->stored.body, Answer().body);
  EXPECT_EQ(BeginKind(kClerkA, R"({"name":"Max"})"), Kind::kMismatch);

  // The same key from another clerk, and from no one, is a record of its own: no replay, no 422.
  EXPECT_EQ(BeginKind(kClerkB, kBody), Kind::kNew);
  EXPECT_EQ(BeginKind(kClerkB, kBody), Kind::kInFlight);
  EXPECT_EQ(BeginKind(kCitizen, kBody), Kind::kNew);
  store_->Abandon(store_->Locate(kRoute, kClerkB, kKey));
  EXPECT_EQ(BeginKind(kClerkB, kBody), Kind::kNew);
  EXPECT_EQ(BeginKind(kClerkA, kBody), Kind::kReplay);

  // Another server secret reads none of it.
  IdempotencyStore other(pool_.get(), prefix_, absl::Hours(24), absl::Seconds(15), "other");
  auto begin = other.Begin(other.Locate(kRoute, kClerkA, kKey),
                           RequestFingerprint("POST", kPath, kClerkA, kBody));
  ASSERT_TRUE(begin.ok());
  EXPECT_EQ(begin->kind, Kind::kNew);
}

TEST_F(IdempotencyStoreTest, AnAlteredAnswerIsAnErrorNotAReplay) {
  const IdempotencyRecord record = store_->Locate(kRoute, kClerkA, kKey);
  ASSERT_EQ(BeginKind(kClerkA, kBody), Kind::kNew);
  ASSERT_TRUE(store_->Finish(record, Answer()).ok());
  auto sealed = pool_->Command({"HGET", record.redis_key, "answer"});
  ASSERT_TRUE(sealed.ok());
  std::string altered = sealed->str;
  altered[altered.size() / 2] ^= 1;
  ASSERT_TRUE(pool_->Command({"HSET", record.redis_key, "answer", altered}).ok());
  auto begin = store_->Begin(record, RequestFingerprint("POST", kPath, kClerkA, kBody));
  EXPECT_EQ(begin.status().code(), absl::StatusCode::kDataLoss);
}

// Records of the format before the answers were sealed (in clear under
// gw:idem:<sha256(route + key)>) are not found: the request runs as new.
TEST_F(IdempotencyStoreTest, RecordsOfTheClearFormatCountAsAbsent) {
  const std::string fingerprint = RequestFingerprint("POST", kPath, kCitizen, kBody);
  const std::string old_key =
      absl::StrCat(prefix_, "idem:",
                   platform::crypto::Hex(platform::crypto::Sha256(
                       absl::StrCat(std::string_view(kRoute).size(), ":", kRoute, kKey))));
  ASSERT_TRUE(pool_->Command({"HSET", old_key, "hash", fingerprint, "state", "done", "status",
                              "201", "content_type", "application/json", "body", Answer().body})
                  .ok());
  EXPECT_EQ(BeginKind(kCitizen, kBody), Kind::kNew);
}

}  // namespace
}  // namespace rathaus::gateway
