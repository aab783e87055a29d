// Processes die mid-stream (SIGKILL): the relay while it publishes, a consumer while it applies.
// Afterwards every event is applied exactly once (inbox) and in order per aggregate.
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "shared/kafka/admin.h"
#include "shared/kafka/consumer.h"
#include "shared/kafka/producer.h"
#include "shared/outbox/outbox.h"
#include "shared/outbox/relay.h"
#include "tests/harness/events.h"
#include "tests/harness/harness.h"

namespace rathaus::testing {
namespace {

using platform::kafka::Consumer;
using platform::kafka::Event;
using platform::kafka::Producer;
using platform::outbox::Outbox;
using platform::outbox::Relay;

constexpr int kEvents = 20000;
constexpr int kAggregates = 97;

class CrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pool_ = std::make_unique<platform::redis::Pool>(
        *platform::redis::Options::FromUrl(SharedServers().redis_url));
    service_ = UniqueName("crash");
    prefix_ = service_ + ":";
    outbox_ = std::make_unique<Outbox>(service_, prefix_);
    group_ = UniqueName("group");
    ASSERT_TRUE(platform::kafka::EnsureTopics(brokers(), {{outbox_->topic(), 3}}, true).ok());
    auto producer = Producer::Create({.brokers = brokers()});
    ASSERT_TRUE(producer.ok());
    producer_ = std::move(*producer);
    applier_ = std::make_unique<PingApplier>(*pool_, prefix_ + "c:", group_);
    ASSERT_TRUE(FillOutbox(*pool_, *outbox_, 0, kEvents, kAggregates).ok());
  }
  const std::string& brokers() { return SharedServers().kafka_brokers; }
  std::map<std::string, std::string> Env() {
    return {{"RATHAUS_REDIS_URL", SharedServers().redis_url},
            {"RATHAUS_KAFKA_BROKERS", brokers()},
            {"RATHAUS_LOG_LEVEL", "warn"}};
  }
  std::unique_ptr<Child> StartRelay() {
    return std::make_unique<Child>(BinaryDir() + "/rathaus-test-worker",
                                   std::vector<std::string>{"relay", service_, prefix_}, Env());
  }
  std::unique_ptr<Child> StartConsumer() {
    return std::make_unique<Child>(
        BinaryDir() + "/rathaus-test-worker",
        std::vector<std::string>{"consume", group_, outbox_->topic(), prefix_ + "c:"}, Env());
  }
  int64_t Pending() { return *outbox_->Pending(*pool_); }
  int64_t Applied() { return applier_->Count()->distinct; }
  void ExpectExactlyOnce(int64_t events = kEvents) {
    auto tally = applier_->Count();
    ASSERT_TRUE(tally.ok());
    EXPECT_EQ(tally->distinct, events);
    EXPECT_EQ(tally->applied_twice, 0);
    EXPECT_EQ(tally->order_violations, 0);
    EXPECT_GE(tally->deliveries, events);
    std::cout << "deliveries " << tally->deliveries << " for " << events
              << " events: " << tally->deliveries - events << " duplicates dropped by the inbox\n";
  }

  std::unique_ptr<platform::redis::Pool> pool_;
  std::string service_, prefix_, group_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<Producer> producer_;
  std::unique_ptr<PingApplier> applier_;
};

TEST_F(CrashTest, RelayKilledWhilePublishing) {
  Consumer consumer({.brokers = brokers(), .group_id = group_, .topics = {outbox_->topic()}},
                    producer_.get(), [&](const Event& e) { return applier_->Apply(e); });
  ASSERT_TRUE(consumer.Start().ok());

  auto relay = StartRelay();
  // Kill it once it has confirmed some events but long before the outbox is empty.
  ASSERT_TRUE(WaitFor([&] { return Pending() < kEvents - 1000; }, absl::Seconds(60)))
      << relay->Stderr();
  relay->Kill(SIGKILL);
  relay->Wait(absl::Seconds(10));
  const int64_t left = Pending();
  std::cout << "relay killed with " << left << " of " << kEvents << " events in the outbox\n";
  EXPECT_GT(left, 0) << "the relay finished before it was killed: the test proved nothing";

  relay = StartRelay();
  ASSERT_TRUE(WaitFor([&] { return Applied() >= kEvents; }, absl::Seconds(180)))
      << "applied " << Applied() << " of " << kEvents << "\n" << relay->Stderr();
  EXPECT_TRUE(WaitFor([&] { return Pending() == 0; }, absl::Seconds(30)));
  relay->Kill(SIGTERM);
  EXPECT_EQ(relay->Wait(absl::Seconds(30)), 0);
  consumer.Stop();
  ExpectExactlyOnce();
}

TEST_F(CrashTest, ConsumerKilledWhileApplying) {
  Relay relay(*pool_, *producer_, {.outbox = outbox_.get()});
  relay.Start();
  auto consumer = StartConsumer();
  ASSERT_TRUE(WaitFor([&] { return Applied() >= 3000; }, absl::Seconds(90))) << consumer->Stderr();
  consumer->Kill(SIGKILL);
  consumer->Wait(absl::Seconds(10));
  const int64_t applied = Applied();
  std::cout << "consumer killed after applying " << applied << " of " << kEvents << "\n";
  EXPECT_LT(applied, kEvents) << "the consumer finished before it was killed";

  consumer = StartConsumer();
  ASSERT_TRUE(WaitFor([&] { return Applied() >= kEvents; }, absl::Seconds(180)))
      << "applied " << Applied() << " of " << kEvents << "\n" << consumer->Stderr();
  consumer->Kill(SIGTERM);
  EXPECT_EQ(consumer->Wait(absl::Seconds(30)), 0);
  relay.Stop();
  ExpectExactlyOnce();
}

// A relay that stalls past its lease while it sends (a paused VM, a long GC pause: here SIGSTOP)
// and wakes up after another relay took over. For a while both publish: the stalled one what
// its producer still held and the rest of the batch it had read, the new one everything not
// yet confirmed, from the oldest entry. Every key's events must still be applied once each and
// in order: the first copy of each event comes in order from one of the two in-order streams,
// and the consumers' inbox drops the second.
TEST_F(CrashTest, RelayStalledPastItsLeaseWhileAnotherTakesOver) {
  Consumer consumer({.brokers = brokers(), .group_id = group_, .topics = {outbox_->topic()}},
                    producer_.get(), [&](const Event& e) { return applier_->Apply(e); });
  ASSERT_TRUE(consumer.Start().ok());
  // New events keep coming the whole time (about 5,000/s), so both relays have work.
  std::atomic<bool> writing{true};
  std::atomic<int64_t> written{kEvents};
  std::thread writer([&] {
    while (writing.load()) {
      ASSERT_TRUE(FillOutbox(*pool_, *outbox_, written.load(), 200, kAggregates).ok());
      written.fetch_add(200);
      absl::SleepFor(absl::Milliseconds(40));
    }
  });

  auto first = StartRelay();
  ASSERT_TRUE(WaitFor([&] { return Applied() > 5000; }, absl::Seconds(60))) << first->Stderr();
  first->Kill(SIGSTOP);
  const absl::Time stalled = absl::Now();
  auto second = StartRelay();
  // The second takes over once the lease (5 s) ran out, and publishes: until then nobody
  // deletes delivered entries, and the outbox only grows.
  int64_t most = Pending();
  ASSERT_TRUE(WaitFor(
      [&] {
        const int64_t now = Pending();
        most = std::max(most, now);
        return now < most - 2000;
      },
      absl::Seconds(60)))
      << second->Stderr();
  const absl::Duration took_over = absl::Now() - stalled;
  std::cout << "second relay publishing " << took_over << " after the first stalled\n";
  EXPECT_GE(took_over, absl::Seconds(4)) << "published before the lease ran out";
  first->Kill(SIGCONT);  // wakes up with a stale lease, records in flight and a batch read
  absl::SleepFor(absl::Seconds(3));
  writing = false;
  writer.join();
  const int64_t total = written.load();
  ASSERT_TRUE(WaitFor([&] { return Applied() >= total; }, absl::Seconds(180)))
      << "applied " << Applied() << " of " << total << "\n" << first->Stderr() << second->Stderr();
  EXPECT_TRUE(WaitFor([&] { return Pending() == 0; }, absl::Seconds(30)));
  first->Kill(SIGTERM);
  second->Kill(SIGTERM);
  EXPECT_EQ(first->Wait(absl::Seconds(30)), 0);
  EXPECT_EQ(second->Wait(absl::Seconds(30)), 0);
  const std::string woke = first->Stderr();
  EXPECT_NE(woke.find("lost its lease"), std::string::npos)
      << "the stalled relay must notice that it lost the lease:\n" << woke;
  std::cout << "stalled relay on waking: " << woke.substr(0, 600) << "\n";
  consumer.Stop();
  ExpectExactlyOnce(total);
}

}  // namespace
}  // namespace rathaus::testing
