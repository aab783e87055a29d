// The servers themselves fail: the Kafka broker is killed and restarted during a run, Redis is
// killed and restarted on its data folder. Nothing written before is lost.
#include <gtest/gtest.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "shared/kafka/admin.h"
#include "shared/kafka/consumer.h"
#include "shared/kafka/producer.h"
#include "shared/outbox/outbox.h"
#include "shared/outbox/relay.h"
#include "rathaus/testing/v1/events.pb.h"
#include "tests/harness/events.h"
#include "tests/harness/harness.h"

namespace rathaus::testing {
namespace {

using platform::kafka::Consumer;
using platform::kafka::Event;
using platform::kafka::Producer;
using platform::outbox::Outbox;
using platform::outbox::Relay;

TEST(ServerRestartTest, BrokerKilledAndRestartedDuringARun) {
  OwnServers own;
  const std::string brokers = own.servers().kafka_brokers;
  platform::redis::Pool pool(*platform::redis::Options::FromUrl(own.servers().redis_url));
  Outbox outbox("restart", "restart:");
  ASSERT_TRUE(platform::kafka::EnsureTopics(brokers, {{outbox.topic(), 3}}, true).ok());
  auto producer = Producer::Create({.brokers = brokers});
  ASSERT_TRUE(producer.ok());
  PingApplier applier(pool, "restart:c:", "group");
  Relay relay(pool, **producer, {.outbox = &outbox});
  relay.Start();
  Consumer consumer({.brokers = brokers, .group_id = "group", .topics = {outbox.topic()}},
                    producer->get(), [&](const Event& e) { return applier.Apply(e); });
  ASSERT_TRUE(consumer.Start().ok());

  constexpr int kEvents = 20000;
  // Commands keep writing while the broker is away: 40 batches of 500, one every 100 ms.
  std::thread writer([&] {
    for (int i = 0; i < 40; ++i) {
      ASSERT_TRUE(FillOutbox(pool, outbox, i * 500, 500, 31).ok());
      absl::SleepFor(absl::Milliseconds(100));
    }
  });
  ASSERT_TRUE(WaitFor([&] { return applier.Count()->distinct >= 2000; }, absl::Seconds(60)));
  own.KillKafka();
  absl::SleepFor(absl::Seconds(2));
  own.StartKafka();
  writer.join();
  ASSERT_TRUE(WaitFor([&] { return applier.Count()->distinct >= kEvents; }, absl::Seconds(240)))
      << "applied " << applier.Count()->distinct << " of " << kEvents;
  auto tally = *applier.Count();
  EXPECT_EQ(tally.distinct, kEvents);
  EXPECT_EQ(tally.applied_twice, 0);
  EXPECT_EQ(tally.order_violations, 0);
  std::cout << "deliveries " << tally.deliveries << ", relay resends " << relay.resends() << "\n";
  consumer.Stop();
  relay.Stop();
}

TEST(ServerRestartTest, RedisKilledKeepsStateAndOutbox) {
  OwnServers own;
  platform::redis::Options options = *platform::redis::Options::FromUrl(own.servers().redis_url);
  options.reconnect_backoff_max = absl::Milliseconds(200);
  platform::redis::Pool pool(options);
  Outbox outbox("durable", "durable:");
  // A command's state change and its event, in one script, as a service writes them.
  static const platform::redis::Script kCommand = platform::redis::Script::WithPrelude(
      "command", "redis.call('HSET', KEYS[1], 'status', ARGV[1]) outbox_append(KEYS[2], ARGV, 2) return 1");
  constexpr int kCommands = 500;
  for (int i = 0; i < kCommands; ++i) {
    rathaus::testing::v1::Pinged ping;
    ping.set_seq(i);
    std::vector<std::string> argv = {"accepted"};
    Outbox::AppendArgs(outbox.NewEvent(absl::StrCat("case-", i), ping), &argv);
    ASSERT_TRUE(pool.Eval(kCommand, {absl::StrCat("durable:case:", i), outbox.stream_key()}, argv).ok());
  }
  own.KillRedis();
  EXPECT_FALSE(pool.Ping().ok());
  own.StartRedis();
  ASSERT_TRUE(WaitFor([&] { return pool.Ping().ok(); }, absl::Seconds(10)));
  EXPECT_EQ(*outbox.Pending(pool), kCommands);
  for (int i = 0; i < kCommands; ++i) {
    auto status = pool.Command({"HGET", absl::StrCat("durable:case:", i), "status"});
    ASSERT_TRUE(status.ok());
    ASSERT_EQ(status->str, "accepted") << "case " << i;
  }

  // And the outbox that survived still reaches Kafka, once each.
  const std::string brokers = own.servers().kafka_brokers;
  ASSERT_TRUE(platform::kafka::EnsureTopics(brokers, {{outbox.topic(), 3}}, true).ok());
  auto producer = Producer::Create({.brokers = brokers});
  ASSERT_TRUE(producer.ok());
  Relay relay(pool, **producer, {.outbox = &outbox});
  relay.Start();
  PingApplier applier(pool, "durable:c:", "group");
  Consumer consumer({.brokers = brokers, .group_id = "group", .topics = {outbox.topic()}},
                    producer->get(), [&](const Event& e) { return applier.Apply(e); });
  ASSERT_TRUE(consumer.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return applier.Count()->distinct >= kCommands; }, absl::Seconds(60)));
  EXPECT_EQ(applier.Count()->applied_twice, 0);
  consumer.Stop();
  relay.Stop();
}

}  // namespace
}  // namespace rathaus::testing
