// Citizens' lookups wait on Redis; the health probes must not wait with them. id-documents runs
// LookupStatus on gRPC's callback API and hands each call to threads of its own, because gRPC's
// few callback threads also answer grpc.health.v1 (the kubelet's liveness probe): a lookup that
// waited on Redis on such a thread would stall the probe behind it whenever Redis stalls, and a
// Redis pause would restart healthy pods. Redis is paused here (CLIENT PAUSE, shorter than the
// service's 2 s command timeout) while 32 lookups are in flight; liveness must answer at once,
// and every lookup must still get its answer once Redis is back.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/client_unary_call.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "rathaus/id_documents/v1/id_documents.pb.h"
#include "shared/crypto/personal_data.h"
#include "shared/redis/redis.h"
#include "tests/harness/harness.h"

namespace rathaus::testing {
namespace {

constexpr int kLookups = 32;

// A blocking unary call on `channel`, its status.
grpc::Status BlockingCall(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                          const std::string& request) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::Slice slice(request);
  grpc::ByteBuffer response;
  return grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
      channel.get(), grpc::internal::RpcMethod(method.c_str(), grpc::internal::RpcMethod::NORMAL_RPC),
      &ctx, grpc::ByteBuffer(&slice, 1), &response);
}

// The real id-documents service, started for each test and serving.
class LookupStallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const Servers& servers = SharedServers();
    std::ofstream(data_keys_) << platform::crypto::NewDataKeysFile();
    service_ = std::make_unique<Child>(
        BinaryDir() + "/../services/id-documents/rathaus-id-documents", std::vector<std::string>{},
        std::map<std::string, std::string>{
            {"RATHAUS_REDIS_URL", servers.redis_url},
            {"RATHAUS_KAFKA_BROKERS", servers.kafka_brokers},
            {"RATHAUS_GRPC_LISTEN", absl::StrCat("127.0.0.1:", port_)},
            {"RATHAUS_DATA_KEYS_FILE", data_keys_},
            {"RATHAUS_ENV", "development"},
            {"RATHAUS_LOG_LEVEL", "warn"}});
    ASSERT_TRUE(WaitFor([&] { return HealthOf(port_, "") == 1; }, absl::Seconds(60)))
        << service_->Stderr();
  }
  void TearDown() override { std::remove(data_keys_.c_str()); }

  const std::string data_keys_ = absl::StrCat("/tmp/", UniqueName("stall-keys"));
  const int port_ = FreePort();
  std::unique_ptr<Child> service_;
};

TEST_F(LookupStallTest, LivenessAnswersWhileLookupsWaitOnAPausedRedis) {
  platform::redis::Pool pool(*platform::redis::Options::FromUrl(SharedServers().redis_url));

  id_documents::v1::LookupStatusRequest lookup;
  lookup.set_serial("L01X00T47");  // no such application: every lookup answers NOT_FOUND
  lookup.set_birth_date("1990-01-01");
  const std::string request = lookup.SerializeAsString();

  ASSERT_TRUE(pool.Command({"CLIENT", "PAUSE", "1500", "ALL"}).ok());
  const absl::Time paused = absl::Now();
  std::atomic<int> not_found{0}, other{0};
  std::vector<std::thread> citizens;
  for (int i = 0; i < kLookups; ++i) {
    citizens.emplace_back([&] {
      grpc::Status s = CallUnaryRaw(absl::StrCat("127.0.0.1:", port_),
                                    "/rathaus.id_documents.v1.IdDocuments/LookupStatus", {},
                                    request);
      (s.error_code() == grpc::StatusCode::NOT_FOUND ? not_found : other)++;
    });
  }
  absl::SleepFor(absl::Milliseconds(300));  // the lookups reach the service and wait on Redis
  const absl::Time asked = absl::Now();
  const int live = HealthOf(port_, "liveness");
  const absl::Duration took = absl::Now() - asked;
  const bool during_pause = absl::Now() - paused < absl::Milliseconds(1400);
  for (auto& t : citizens) t.join();

  EXPECT_EQ(live, 1) << service_->Stderr();
  EXPECT_LT(took, absl::Milliseconds(500)) << "liveness waited behind the lookups";
  EXPECT_TRUE(during_pause) << "the probe ran after the pause: the test proved nothing";
  EXPECT_EQ(not_found.load(), kLookups) << other.load() << " lookups failed otherwise";
  EXPECT_GE(absl::Now() - paused, absl::Milliseconds(1400)) << "the lookups did not wait";
}

// With a callback method (the lookup), gRPC 1.51 makes the server "hybrid": the synchronous
// threads stop polling the sockets and gRPC's two callback threads do it; each of those sleeps
// 100 ms after a second without a callback event. A burst of lookups keeps both busy until it
// ends, so their idle seconds run in step and both sleep together a second later. Synchronous
// calls (here: imports without a token, answered UNAUTHENTICATED at once) made around that
// moment must not wait for them; platform::GrpcServer's poll thread reads the sockets then.
// Without it, the bench's imports waited up to 100 ms in some runs (p99 98 ms).
TEST_F(LookupStallTest, SynchronousCallsDoNotWaitWhileGrpcsCallbackThreadsSleep) {
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_),
                                     grpc::InsecureChannelCredentials());
  constexpr char kImport[] = "/rathaus.id_documents.v1.IdDocuments/ImportStatusUpdates";
  constexpr char kLookup[] = "/rathaus.id_documents.v1.IdDocuments/LookupStatus";
  ASSERT_EQ(BlockingCall(channel, kImport, "").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  id_documents::v1::LookupStatusRequest lookup;
  lookup.set_serial("L01X00T47");
  lookup.set_birth_date("1990-01-01");
  const std::string request = lookup.SerializeAsString();

  absl::Duration worst;
  int calls = 0;
  for (int round = 0; round < 3; ++round) {
    std::vector<std::thread> burst;
    for (int t = 0; t < 16; ++t) {
      burst.emplace_back([&] {
        for (int i = 0; i < 20; ++i) {
          EXPECT_EQ(BlockingCall(channel, kLookup, request).error_code(),
                    grpc::StatusCode::NOT_FOUND);
        }
      });
    }
    for (auto& t : burst) t.join();
    const absl::Time quiet = absl::Now();
    while (absl::Now() - quiet < absl::Milliseconds(1600)) {
      const absl::Time t = absl::Now();
      EXPECT_EQ(BlockingCall(channel, kImport, "").error_code(), grpc::StatusCode::UNAUTHENTICATED);
      worst = std::max(worst, absl::Now() - t);
      ++calls;
      if (absl::Now() - quiet < absl::Milliseconds(800)) absl::SleepFor(absl::Milliseconds(20));
    }
  }
  std::cout << calls << " synchronous calls after three bursts of lookups; the slowest took "
            << worst << "\n";
  EXPECT_LT(worst, absl::Milliseconds(50)) << "a synchronous call waited for a poller";
}

}  // namespace
}  // namespace rathaus::testing
