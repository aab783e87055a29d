// The first flow between two services: id-documents announces documents ready for pickup, and
// appointments turns each into a pickup entitlement. The real appointments service is SIGKILLed
// while 3,000 DocumentReadyForPickup events stream in; after a restart every entitlement exists,
// unused and once (read back from Redis, not from the consumer's own bookkeeping), and nothing
// went to the dead-letter topic.
#include <gtest/gtest.h>

#include <signal.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "rathaus/id_documents/v1/events.pb.h"
#include "shared/crypto/crypto.h"
#include "shared/crypto/personal_data.h"
#include "shared/kafka/admin.h"
#include "shared/kafka/producer.h"
#include "shared/redis/redis.h"
#include "tests/harness/harness.h"

namespace rathaus::testing {
namespace {

using platform::kafka::Producer;
using platform::kafka::Record;

constexpr int kEvents = 3000;
constexpr char kTopic[] = "rathaus.id-documents.v1";

Record Ready(const std::string& prefix, int i) {
  id_documents::v1::DocumentReadyForPickup ready;
  const std::string application = absl::StrCat(prefix, "-app-", i);
  ready.set_application_id(application);
  ready.set_office("kiel-mitte");
  ready.set_document_type("PERSONALAUSWEIS");
  ready.set_pickup_code(absl::StrCat(prefix, "-", i));
  ready.mutable_ready_at()->set_seconds(1800000000 + i);
  Record r;
  r.topic = kTopic;
  r.key = application;
  r.value = ready.SerializeAsString();
  r.headers = {{"ce_specversion", "1.0"},
               {"ce_id", platform::crypto::NewUuid()},
               {"ce_source", "/rathaus/id-documents"},
               {"ce_type", "rathaus.id_documents.v1.DocumentReadyForPickup"},
               {"ce_time", "2026-12-04T10:00:00Z"},
               {"ce_subject", application},
               {"content-type", "application/protobuf"}};
  return r;
}

std::string WriteFile(const std::string& content) {
  const std::string path = absl::StrCat("/tmp/", UniqueName("pickup-test"));
  std::ofstream(path) << content;
  return path;
}

TEST(PickupEntitlementTest, AppointmentsKilledWhileReadyEventsFlowKeepsEveryEntitlementOnce) {
  const Servers& servers = SharedServers();
  platform::redis::Pool pool(*platform::redis::Options::FromUrl(servers.redis_url));
  ASSERT_TRUE(platform::kafka::EnsureTopics(servers.kafka_brokers, {{kTopic, 3}}, true).ok());
  auto producer = Producer::Create({.brokers = servers.kafka_brokers});
  ASSERT_TRUE(producer.ok());
  const std::string prefix = UniqueName("pk");
  const std::string key_file = WriteFile(std::string(48, 'k'));
  const std::string data_keys = WriteFile(platform::crypto::NewDataKeysFile());
  auto start = [&] {
    return std::make_unique<Child>(
        BinaryDir() + "/../services/appointments/rathaus-appointments", std::vector<std::string>{},
        std::map<std::string, std::string>{{"RATHAUS_REDIS_URL", servers.redis_url},
                                           {"RATHAUS_KAFKA_BROKERS", servers.kafka_brokers},
                                           {"RATHAUS_GRPC_LISTEN", "127.0.0.1:0"},
                                           {"RATHAUS_BOOKING_TOKEN_KEY_FILE", key_file},
                                           {"RATHAUS_DATA_KEYS_FILE", data_keys},
                                           {"RATHAUS_ENV", "development"},
                                           {"RATHAUS_LOG_LEVEL", "warn"}});
  };
  auto existing = [&] {
    std::vector<std::vector<std::string>> reads;
    for (int i = 0; i < kEvents; ++i) reads.push_back({"EXISTS", absl::StrCat("appt:pickup:", prefix, "-", i)});
    auto r = pool.Pipeline(reads);
    int n = 0;
    if (!r.ok()) return -1;
    for (const auto& e : *r) n += e.ok() && e->integer == 1 ? 1 : 0;
    return n;
  };

  auto service = start();
  std::thread produce([&] {
    for (int i = 0; i < kEvents; ++i) {
      (*producer)->Send(Ready(prefix, i), [](absl::Status) {});
      if (i % 100 == 99) absl::SleepFor(absl::Milliseconds(100));  // about 1,000 events/s
    }
    EXPECT_TRUE((*producer)->Flush(absl::Seconds(60)).ok());
  });
  ASSERT_TRUE(WaitFor([&] { return existing() >= 500; }, absl::Seconds(120))) << service->Stderr();
  service->Kill(SIGKILL);
  service->Wait(absl::Seconds(10));
  const int at_kill = existing();
  std::cout << "appointments killed with " << at_kill << " of " << kEvents << " entitlements\n";
  EXPECT_LT(at_kill, kEvents) << "all applied before the kill: the test proved nothing";
  produce.join();

  service = start();
  ASSERT_TRUE(WaitFor([&] { return existing() == kEvents; }, absl::Seconds(180)))
      << existing() << " of " << kEvents << "\n" << service->Stderr();
  // Each once, unused, for its application and office.
  for (int i = 0; i < kEvents; i += 97) {
    auto e = pool.Command({"HGETALL", absl::StrCat("appt:pickup:", prefix, "-", i)});
    ASSERT_TRUE(e.ok());
    ASSERT_EQ(e->elements.size(), 10u) << i;
  }
  service->Kill(SIGTERM);
  EXPECT_EQ(service->Wait(absl::Seconds(30)), 0) << service->Stderr();
  EXPECT_EQ(service->Stderr().find("dead-letter topic"), std::string::npos) << service->Stderr();
}

}  // namespace
}  // namespace rathaus::testing
