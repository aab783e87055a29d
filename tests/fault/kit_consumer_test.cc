// A service built with the service kit consumes another service's topic and is SIGKILLed while
// 10,000 events are produced; after a restart every event is applied exactly once. The effects
// are counted per ce_id by the handler itself (not behind the inbox's own SET NX), so an event
// applied twice shows as a count of 2.
//
// To see the test bite: RATHAUS_TEST_KIT_WITHOUT_INBOX=1 runs the service without the inbox
// claim, and the test fails with events applied twice (the redelivery after the kill).
#include <gtest/gtest.h>

#include <signal.h>

#include <cstdlib>
#include <thread>


#include <google/protobuf/timestamp.pb.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "rathaus/appointments/v1/events.pb.h"
#include "shared/crypto/crypto.h"
#include "shared/kafka/admin.h"
#include "shared/kafka/producer.h"
#include "shared/redis/redis.h"
#include "tests/harness/delay_proxy.h"
#include "tests/harness/harness.h"

namespace rathaus::testing {
namespace {

using platform::kafka::Producer;
using platform::kafka::Record;

constexpr int kEvents = 10000;
constexpr int kAggregates = 101;

Record Booked(const std::string& topic, int i) {
  appointments::v1::AppointmentBooked booked;
  const std::string code = absl::StrCat("K", i % kAggregates);
  booked.set_code(code);
  booked.set_office("kiel-mitte");
  booked.mutable_start()->set_seconds(1800000000 + i);
  Record r;
  r.topic = topic;
  r.key = code;
  r.value = booked.SerializeAsString();
  r.headers = {{"ce_specversion", "1.0"},
               {"ce_id", platform::crypto::NewUuid()},
               {"ce_source", "/rathaus/appointments"},
               {"ce_type", "rathaus.appointments.v1.AppointmentBooked"},
               {"ce_time", "2026-12-04T10:00:00Z"},
               {"ce_subject", code},
               {"content-type", "application/protobuf"}};
  return r;
}

class KitConsumerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pool_ = std::make_unique<platform::redis::Pool>(
        *platform::redis::Options::FromUrl(SharedServers().redis_url));
    name_ = UniqueName("kit");
    topic_ = UniqueName("rathaus.upstream") + ".v1";
    ASSERT_TRUE(platform::kafka::EnsureTopics(brokers(), {{topic_, 3}}, true).ok());
    auto producer = Producer::Create({.brokers = brokers()});
    ASSERT_TRUE(producer.ok());
    producer_ = std::move(*producer);
  }
  const std::string& brokers() { return SharedServers().kafka_brokers; }

  std::unique_ptr<Child> StartService(std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> env = {
        {"RATHAUS_REDIS_URL", SharedServers().redis_url},
        {"RATHAUS_KAFKA_BROKERS", brokers()},
        {"RATHAUS_GRPC_LISTEN", "127.0.0.1:0"},
        {"RATHAUS_METRICS_LISTEN", absl::StrCat("127.0.0.1:", metrics_port_)},
        {"RATHAUS_TEST_SERVICE", name_},
        {"RATHAUS_TEST_CONSUME_TOPIC", topic_},
        {"RATHAUS_LOG_LEVEL", "warn"}};
    if (const char* v = std::getenv("RATHAUS_TEST_KIT_WITHOUT_INBOX"); v != nullptr) {
      env["RATHAUS_TEST_WITHOUT_INBOX"] = v;
    }
    for (auto& [k, v] : extra) env[k] = v;
    return std::make_unique<Child>(BinaryDir() + "/rathaus-test-kit-service",
                                   std::vector<std::string>{}, env);
  }

  int64_t Distinct() {
    auto r = pool_->Command({"HLEN", name_ + ":applied"});
    return r.ok() ? r->integer : -1;
  }

  std::string Metrics() {
    return RunTool(absl::StrCat("curl -s http://127.0.0.1:", metrics_port_, "/metrics"));
  }

  std::unique_ptr<platform::redis::Pool> pool_;
  std::string name_, topic_;
  std::unique_ptr<Producer> producer_;
  int metrics_port_ = 20000 + static_cast<int>(absl::ToUnixNanos(absl::Now()) % 20000);
};

TEST_F(KitConsumerTest, KilledMidStreamAppliesEveryEventExactlyOnce) {
  auto service = StartService();
  // Produce while the service consumes: 200 events every 100 ms (about 5 s in all), so the kill
  // comes while events are still being produced.
  std::atomic<int> produced{0};
  std::thread producer([&] {
    for (int i = 0; i < kEvents; ++i) {
      producer_->Send(Booked(topic_, i), [](absl::Status) {});
      if (++produced % 200 == 0) absl::SleepFor(absl::Milliseconds(100));
    }
    EXPECT_TRUE(producer_->Flush(absl::Seconds(60)).ok());
  });
  ASSERT_TRUE(WaitFor([&] { return Distinct() >= 2500; }, absl::Seconds(120)))
      << "applied " << Distinct() << "\n" << service->Stderr();
  service->Kill(SIGKILL);
  service->Wait(absl::Seconds(10));
  const int64_t at_kill = Distinct();
  std::cout << "service killed after applying " << at_kill << " of " << kEvents
            << " events; " << produced.load() << " produced by then\n";
  EXPECT_LT(at_kill, kEvents) << "it finished before the kill: the test proved nothing";
  producer.join();

  // A newer producer's type and an undecodable payload, after the restart.
  Record unknown = Booked(topic_, 1);
  unknown.headers[3].second = "rathaus.appointments.v1.SomethingNewer";
  ASSERT_TRUE(producer_->SendAndWait(unknown, absl::Seconds(30)).ok());
  Record broken = Booked(topic_, 2);
  broken.value = std::string("\x0a\xff\x01", 3);  // a length past the end
  ASSERT_TRUE(producer_->SendAndWait(broken, absl::Seconds(30)).ok());

  service = StartService();
  ASSERT_TRUE(WaitFor([&] { return Distinct() >= kEvents; }, absl::Seconds(180)))
      << "applied " << Distinct() << " of " << kEvents << "\n" << service->Stderr();

  auto counts = pool_->Command({"HVALS", name_ + ":applied"});
  ASSERT_TRUE(counts.ok());
  int64_t twice = 0;
  for (const auto& v : counts->elements) {
    int64_t n = 0;
    if (!absl::SimpleAtoi(v.str, &n) || n != 1) ++twice;
  }
  auto deliveries = pool_->Command({"GET", name_ + ":deliveries"});
  int64_t delivered = 0;
  ASSERT_TRUE(deliveries.ok() && absl::SimpleAtoi(deliveries->str, &delivered));
  std::cout << "deliveries " << delivered << " for " << kEvents << " events: "
            << delivered - kEvents << " redelivered after the kill, dropped by the inbox\n";
  EXPECT_EQ(Distinct(), kEvents);
  EXPECT_EQ(twice, 0) << "events applied more than once";

  // The unknown type was skipped and counted, the undecodable one dead-lettered.
  std::string metrics;
  EXPECT_TRUE(WaitFor(
      [&] {
        metrics = Metrics();
        return absl::StrContains(metrics, "rathaus_events_dead_lettered_total") &&
               absl::StrContains(metrics, "rathaus_events_skipped_total{");
      },
      absl::Seconds(60)))
      << metrics;
  EXPECT_TRUE(absl::StrContains(
      metrics, R"(rathaus_events_dead_lettered_total{type="rathaus.appointments.v1.AppointmentBooked"} 1)"))
      << metrics;
  EXPECT_TRUE(absl::StrContains(metrics, "rathaus_consumer_lag{topic=")) << metrics;
  EXPECT_FALSE(absl::StrContains(metrics, "SomethingNewer"));

  service->Kill(SIGTERM);
  EXPECT_EQ(service->Wait(absl::Seconds(30)), 0) << service->Stderr();
}


// Kafka away when a service starts (a broker restart, a cluster being rebuilt) — for longer than
// the 30 s topic-creation timeout the kit used to exit after — must not end the process: it
// runs, live but not ready, and becomes ready once Kafka is back, creating its topics then.
// Before, the process exited ("cannot create topics") and a pod crash-looped.
TEST_F(KitConsumerTest, StartsWhileKafkaIsAwayAndBecomesReadyWhenItComes) {
  const int kafka_port = std::stoi(brokers().substr(brokers().rfind(':') + 1));
  DelayProxy kafka(FreePort());  // Kafka away: every connection is closed at once
  name_ = UniqueName("kitaway");
  const int port = FreePort();
  auto service = StartService({{"RATHAUS_GRPC_LISTEN", absl::StrCat("127.0.0.1:", port)},
                               {"RATHAUS_KAFKA_BROKERS", absl::StrCat("127.0.0.1:", kafka.port())}});
  const absl::Time started = absl::Now();
  ASSERT_TRUE(WaitFor([&] { return HealthOf(port, "liveness") == 1; }, absl::Seconds(30)))
      << "the service did not come up while Kafka is away\n" << service->Stderr();
  // Past every timeout of the start (topic creation: 30 s before, 10 s now, then retries).
  while (absl::Now() - started < absl::Seconds(45)) {
    ASSERT_TRUE(service->Running()) << "the service exited while Kafka was away\n" << service->Stderr();
    EXPECT_EQ(HealthOf(port, "liveness"), 1) << "liveness must not depend on Kafka";
    EXPECT_EQ(HealthOf(port), 2) << "not ready while Kafka is away";
    absl::SleepFor(absl::Seconds(3));
  }
  kafka.SetTarget(kafka_port);  // Kafka is back
  ASSERT_TRUE(WaitFor([&] { return HealthOf(port) == 1; }, absl::Seconds(90)))
      << "not ready after Kafka came back\n" << service->Stderr();
  auto count = platform::kafka::PartitionCount(brokers(), absl::StrCat("rathaus.", name_, ".v1"));
  ASSERT_TRUE(count.ok()) << "its topic was not created: " << count.status();
  EXPECT_EQ(*count, 3);
  // And it consumes: an event on its upstream topic is applied.
  ASSERT_TRUE(producer_->SendAndWait(Booked(topic_, 7), absl::Seconds(30)).ok());
  EXPECT_TRUE(WaitFor([&] { return Distinct() == 1; }, absl::Seconds(60))) << service->Stderr();
  service->Kill(SIGTERM);
  EXPECT_EQ(service->Wait(absl::Seconds(30)), 0) << service->Stderr();
}

// A topic whose partition count is not what the service is configured for would send one key's
// events to another partition than before: the service stays not ready (and logs why) until
// the two agree.
TEST_F(KitConsumerTest, AnotherPartitionCountKeepsTheServiceNotReady) {
  const std::string service = UniqueName("kitparts");
  ASSERT_TRUE(platform::kafka::EnsureTopics(brokers(), {{"rathaus." + service + ".v1", 5}}, true).ok());
  name_ = service;
  const int port = FreePort();
  auto wrong = StartService({{"RATHAUS_GRPC_LISTEN", absl::StrCat("127.0.0.1:", port)},
                             {"RATHAUS_TOPIC_PARTITIONS", "3"}});
  int health = -1;
  ASSERT_TRUE(WaitFor([&] { health = HealthOf(port); return health > 0; }, absl::Seconds(60)))
      << wrong->Stderr();
  absl::SleepFor(absl::Seconds(3));  // a few probe rounds: it must stay not ready
  EXPECT_EQ(HealthOf(port), 2) << "NOT_SERVING expected";
  wrong->Kill(SIGTERM);
  EXPECT_EQ(wrong->Wait(absl::Seconds(30)), 0);

  const int port2 = FreePort();
  auto right = StartService({{"RATHAUS_GRPC_LISTEN", absl::StrCat("127.0.0.1:", port2)},
                             {"RATHAUS_TOPIC_PARTITIONS", "5"}});
  EXPECT_TRUE(WaitFor([&] { return HealthOf(port2) == 1; }, absl::Seconds(60))) << right->Stderr();
  right->Kill(SIGTERM);
  EXPECT_EQ(right->Wait(absl::Seconds(30)), 0);
}

}  // namespace
}  // namespace rathaus::testing
