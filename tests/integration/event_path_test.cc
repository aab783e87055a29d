// The event path against real Redis and Kafka: outbox -> relay -> Kafka -> consumer -> inbox.
#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "rathaus/testing/v1/events.pb.h"
#include "shared/crypto/crypto.h"
#include "shared/kafka/admin.h"
#include "shared/kafka/consumer.h"
#include "shared/kafka/producer.h"
#include "shared/outbox/outbox.h"
#include "shared/outbox/relay.h"
#include "shared/redis/redis.h"
#include "tests/harness/events.h"
#include "tests/harness/harness.h"

namespace rathaus::platform {
namespace {

using rathaus::testing::PingApplier;
using rathaus::testing::SharedServers;
using rathaus::testing::UniqueName;
using rathaus::testing::WaitFor;

// Collects what a consumer group receives.
class Collector {
 public:
  absl::Status Add(const kafka::Event& e) {
    std::lock_guard lock(mu_);
    events_.push_back(e);
    return absl::OkStatus();
  }
  std::vector<kafka::Event> events() {
    std::lock_guard lock(mu_);
    return events_;
  }
  size_t size() {
    std::lock_guard lock(mu_);
    return events_.size();
  }

 private:
  std::mutex mu_;
  std::vector<kafka::Event> events_;
};

class EventPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pool_ = std::make_unique<redis::Pool>(*redis::Options::FromUrl(SharedServers().redis_url));
    service_ = UniqueName("svc");
    prefix_ = service_ + ":";
    outbox_ = std::make_unique<outbox::Outbox>(service_, prefix_);
    ASSERT_TRUE(kafka::EnsureTopics(brokers(), {{outbox_->topic(), partitions_}}, true).ok());
    auto producer = kafka::Producer::Create({.brokers = brokers(), .linger_ms = 1});
    ASSERT_TRUE(producer.ok()) << producer.status();
    producer_ = std::move(*producer);
  }
  const std::string& brokers() { return SharedServers().kafka_brokers; }

  kafka::ConsumerOptions ConsumerFor(const std::string& topic) {
    return {.brokers = brokers(), .group_id = UniqueName("group"), .topics = {topic},
            .max_attempts = 3, .backoff_initial = absl::Milliseconds(10)};
  }

  outbox::OutgoingEvent Ping(int64_t seq, const std::string& aggregate) {
    rathaus::testing::v1::Pinged ping;
    ping.set_seq(seq);
    return outbox_->NewEvent(aggregate, ping, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  }

  int partitions_ = 3;
  std::unique_ptr<redis::Pool> pool_;
  std::string service_;
  std::string prefix_;
  std::unique_ptr<outbox::Outbox> outbox_;
  std::unique_ptr<kafka::Producer> producer_;
};

TEST_F(EventPathTest, RoundTripCarriesCloudEventHeadersAndKey) {
  std::vector<outbox::OutgoingEvent> events = {Ping(1, "B-7K3M9Q2X"), Ping(2, "B-7K3M9Q2X"),
                                               Ping(3, "case-42")};
  ASSERT_TRUE(outbox_->Publish(*pool_, events).ok());
  EXPECT_EQ(*outbox_->Pending(*pool_), 3);

  outbox::Relay relay(*pool_, *producer_, {.outbox = outbox_.get()});
  relay.Start();
  Collector got;
  kafka::Consumer consumer(ConsumerFor(outbox_->topic()), producer_.get(),
                           [&](const kafka::Event& e) { return got.Add(e); });
  ASSERT_TRUE(consumer.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return got.size() >= 3; }, absl::Seconds(60)));
  // Entries leave the outbox only after their delivery report.
  EXPECT_TRUE(WaitFor([&] { return *outbox_->Pending(*pool_) == 0; }, absl::Seconds(10)));

  for (const auto& sent : events) {
    auto all = got.events();
    auto e = std::find_if(all.begin(), all.end(),
                          [&](const kafka::Event& x) { return x.id() == sent.id; });
    ASSERT_NE(e, all.end()) << "event " << sent.id << " not received";
    EXPECT_EQ(e->key, sent.key);
    EXPECT_EQ(e->topic, outbox_->topic());
    EXPECT_EQ(e->Header("ce_specversion"), "1.0");
    EXPECT_EQ(e->Header("ce_source"), "/rathaus/" + service_);
    EXPECT_EQ(e->Header("ce_type"), "rathaus.testing.v1.Pinged");
    EXPECT_EQ(e->Header("ce_subject"), sent.key);
    EXPECT_EQ(e->Header("content-type"), "application/protobuf");
    EXPECT_EQ(e->Header("traceparent"), sent.traceparent);
    absl::Time t;
    std::string err;
    ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full, std::string(*e->Header("ce_time")), &t, &err))
        << err;
    EXPECT_LT(absl::AbsDuration(absl::Now() - t), absl::Minutes(1));
    rathaus::testing::v1::Pinged ping;
    ASSERT_TRUE(ping.ParseFromString(e->value));
    EXPECT_EQ(e->value, sent.payload);
  }
  consumer.Stop();
  relay.Stop();
}

TEST_F(EventPathTest, RedeliveredEventIsAppliedOnce) {
  outbox::OutgoingEvent e = Ping(7, "agg-1");
  // The same event (same ce_id) twice, as a relay that died before deleting it would send it.
  ASSERT_TRUE(outbox_->Publish(*pool_, std::vector{e, e}).ok());
  outbox::Relay relay(*pool_, *producer_, {.outbox = outbox_.get()});
  relay.Start();
  const std::string group = UniqueName("group");
  PingApplier applier(*pool_, prefix_ + "c:", group);
  kafka::Consumer consumer({.brokers = brokers(), .group_id = group, .topics = {outbox_->topic()}},
                           producer_.get(), [&](const kafka::Event& ev) { return applier.Apply(ev); });
  ASSERT_TRUE(consumer.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return applier.Count()->deliveries >= 2; }, absl::Seconds(60)));
  auto tally = *applier.Count();
  EXPECT_EQ(tally.distinct, 1);
  EXPECT_EQ(tally.applied_twice, 0);
  EXPECT_EQ(tally.deliveries, 2);
  consumer.Stop();
  relay.Stop();
}

TEST_F(EventPathTest, OrderHoldsPerAggregate) {
  constexpr int kEvents = 3000;
  ASSERT_TRUE(rathaus::testing::FillOutbox(*pool_, *outbox_, 0, kEvents, 17).ok());
  outbox::Relay relay(*pool_, *producer_, {.outbox = outbox_.get(), .batch = 200});
  relay.Start();
  const std::string group = UniqueName("group");
  PingApplier applier(*pool_, prefix_ + "c:", group);
  kafka::Consumer consumer({.brokers = brokers(), .group_id = group, .topics = {outbox_->topic()}},
                           producer_.get(), [&](const kafka::Event& ev) { return applier.Apply(ev); });
  ASSERT_TRUE(consumer.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return applier.Count()->distinct >= kEvents; }, absl::Seconds(120)));
  auto tally = *applier.Count();
  EXPECT_EQ(tally.distinct, kEvents);
  EXPECT_EQ(tally.applied_twice, 0);
  EXPECT_EQ(tally.order_violations, 0);
  consumer.Stop();
  relay.Stop();
}

TEST_F(EventPathTest, PoisonRecordGoesToDeadLetterTopicAndPartitionMovesOn) {
  // One partition, so the records behind the poison one are in the same partition.
  const std::string topic = UniqueName("poison");
  ASSERT_TRUE(kafka::EnsureTopics(brokers(), {{topic, 1}}, true).ok());
  for (int i = 0; i < 10; ++i) {
    rathaus::testing::v1::Pinged ping;
    ping.set_seq(i);
    ASSERT_TRUE(producer_
                    ->SendAndWait({.topic = topic, .key = "k", .value = ping.SerializeAsString(),
                                   .headers = {{"ce_id", absl::StrCat("id-", i)}}},
                                  absl::Seconds(30))
                    .ok());
  }
  std::mutex mu;
  std::vector<int64_t> processed;
  int poison_attempts = 0;
  kafka::Consumer consumer(ConsumerFor(topic), producer_.get(), [&](const kafka::Event& e) {
    rathaus::testing::v1::Pinged ping;
    ping.ParseFromString(e.value);
    std::lock_guard lock(mu);
    if (ping.seq() == 3) {
      ++poison_attempts;
      return absl::InternalError("fachverfahren rejected the record");
    }
    processed.push_back(ping.seq());
    return absl::OkStatus();
  });
  ASSERT_TRUE(consumer.Start().ok());
  Collector dead;
  kafka::Consumer dlq_reader(ConsumerFor(topic + ".dlq"), producer_.get(),
                             [&](const kafka::Event& e) { return dead.Add(e); });
  ASSERT_TRUE(dlq_reader.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return dead.size() >= 1; }, absl::Seconds(60)));
  ASSERT_TRUE(WaitFor([&] { std::lock_guard l(mu); return processed.size() >= 9; }, absl::Seconds(30)));
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(processed, (std::vector<int64_t>{0, 1, 2, 4, 5, 6, 7, 8, 9}));
    EXPECT_EQ(poison_attempts, 3);
  }
  kafka::Event d = dead.events()[0];
  EXPECT_EQ(d.key, "k");
  EXPECT_EQ(d.Header("ce_id"), "id-3");
  EXPECT_EQ(d.Header("dlq_topic"), topic);
  EXPECT_EQ(d.Header("dlq_partition"), "0");
  EXPECT_EQ(d.Header("dlq_offset"), "3");
  EXPECT_EQ(d.Header("dlq_attempts"), "3");
  EXPECT_NE(d.Header("dlq_reason")->find("fachverfahren rejected the record"), std::string::npos);
  EXPECT_EQ(consumer.dead_lettered(), 1);
  consumer.Stop();
  dlq_reader.Stop();
}

TEST_F(EventPathTest, UnreadableRecordIsNotRetried) {
  const std::string topic = UniqueName("unreadable");
  ASSERT_TRUE(kafka::EnsureTopics(brokers(), {{topic, 1}}, true).ok());
  ASSERT_TRUE(producer_->SendAndWait({.topic = topic, .key = "k", .value = "\xff\xff"}, absl::Seconds(30)).ok());
  std::atomic<int> attempts{0};
  kafka::Consumer consumer(ConsumerFor(topic), producer_.get(), [&](const kafka::Event&) {
    attempts++;
    return absl::InvalidArgumentError("payload is not a known event");
  });
  Collector dead;
  kafka::Consumer dlq_reader(ConsumerFor(topic + ".dlq"), producer_.get(),
                             [&](const kafka::Event& e) { return dead.Add(e); });
  ASSERT_TRUE(consumer.Start().ok());
  ASSERT_TRUE(dlq_reader.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return dead.size() >= 1; }, absl::Seconds(60)));
  EXPECT_EQ(attempts.load(), 1);
  EXPECT_EQ(dead.events()[0].Header("dlq_attempts"), "1");
  consumer.Stop();
  dlq_reader.Stop();
}

TEST_F(EventPathTest, BatchHandlerRetriesOnlyTheFailedRecord) {
  const std::string topic = UniqueName("batch");
  ASSERT_TRUE(kafka::EnsureTopics(brokers(), {{topic, 1}}, true).ok());
  for (int i = 0; i < 50; ++i) {
    rathaus::testing::v1::Pinged ping;
    ping.set_seq(i);
    producer_->Send({.topic = topic, .key = "k", .value = ping.SerializeAsString()}, [](absl::Status) {});
  }
  ASSERT_TRUE(producer_->Flush(absl::Seconds(30)).ok());
  std::mutex mu;
  std::map<int64_t, int> calls;
  size_t largest_batch = 0;
  kafka::ConsumerOptions options = ConsumerFor(topic);
  options.max_batch = 100;
  kafka::Consumer consumer(options, producer_.get(),
                           kafka::Consumer::BatchHandler([&](const std::vector<kafka::Event>& events) {
                             std::lock_guard lock(mu);
                             largest_batch = std::max(largest_batch, events.size());
                             std::vector<absl::Status> out;
                             for (const auto& e : events) {
                               rathaus::testing::v1::Pinged ping;
                               ping.ParseFromString(e.value);
                               calls[ping.seq()]++;
                               out.push_back(ping.seq() == 17
                                                 ? absl::InternalError("fachverfahren said no")
                                                 : absl::OkStatus());
                             }
                             return out;
                           }));
  Collector dead;
  kafka::Consumer dlq_reader(ConsumerFor(topic + ".dlq"), producer_.get(),
                             [&](const kafka::Event& e) { return dead.Add(e); });
  ASSERT_TRUE(consumer.Start().ok());
  ASSERT_TRUE(dlq_reader.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return dead.size() >= 1; }, absl::Seconds(60)));
  ASSERT_TRUE(WaitFor([&] { return consumer.processed() >= 49; }, absl::Seconds(30)));
  std::lock_guard lock(mu);
  EXPECT_GT(largest_batch, 1u) << "records already fetched are handed over together";
  EXPECT_EQ(calls[17], 3) << "the failing record is retried alone up to max_attempts";
  for (int i = 0; i < 50; ++i) {
    if (i != 17) {
      EXPECT_EQ(calls[i], 1) << "record " << i;
    }
  }
  EXPECT_EQ(dead.events()[0].Header("dlq_offset"), "17");
  consumer.Stop();
  dlq_reader.Stop();
}

TEST_F(EventPathTest, OnlyOneRelayPublishesAndAnotherTakesOver) {
  constexpr int kEvents = 2000;
  outbox::RelayOptions options{.outbox = outbox_.get(), .lease_ttl = absl::Seconds(1)};
  outbox::Relay first(*pool_, *producer_, options);
  outbox::Relay second(*pool_, *producer_, options);
  first.Start();
  ASSERT_TRUE(WaitFor([&] { return first.leader(); }, absl::Seconds(10)));
  second.Start();
  ASSERT_TRUE(rathaus::testing::FillOutbox(*pool_, *outbox_, 0, kEvents / 2, 5).ok());
  const std::string group = UniqueName("group");
  PingApplier applier(*pool_, prefix_ + "c:", group);
  kafka::Consumer consumer({.brokers = brokers(), .group_id = group, .topics = {outbox_->topic()}},
                           producer_.get(), [&](const kafka::Event& ev) { return applier.Apply(ev); });
  ASSERT_TRUE(consumer.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return applier.Count()->distinct >= kEvents / 2; }, absl::Seconds(60)));
  EXPECT_TRUE(first.leader());
  EXPECT_FALSE(second.leader());
  EXPECT_EQ(second.delivered(), 0);

  first.Stop();  // gives the lease up
  ASSERT_TRUE(WaitFor([&] { return second.leader(); }, absl::Seconds(10)));
  ASSERT_TRUE(rathaus::testing::FillOutbox(*pool_, *outbox_, kEvents / 2, kEvents / 2, 5).ok());
  ASSERT_TRUE(WaitFor([&] { return applier.Count()->distinct >= kEvents; }, absl::Seconds(60)));
  auto tally = *applier.Count();
  EXPECT_EQ(tally.distinct, kEvents);
  EXPECT_EQ(tally.applied_twice, 0);
  EXPECT_EQ(tally.order_violations, 0);
  // Delivered entries are deleted (and counted) on the relay's next round.
  EXPECT_TRUE(WaitFor([&] { return second.delivered() >= kEvents / 2; }, absl::Seconds(10)));
  consumer.Stop();
  second.Stop();
}


// A transient failure (Redis away, a timeout) is not a reason to give an event up: it is
// retried past max_attempts, with the partition paused, until it succeeds. (This used to
// dead-letter after max_attempts.)
TEST_F(EventPathTest, TransientFailuresAreRetriedUntilTheyPass) {
  const std::string topic = UniqueName("transient");
  ASSERT_TRUE(kafka::EnsureTopics(brokers(), {{topic, 1}}, true).ok());
  for (int i = 0; i < 5; ++i) {
    rathaus::testing::v1::Pinged ping;
    ping.set_seq(i);
    ASSERT_TRUE(producer_
                    ->SendAndWait({.topic = topic, .key = "k", .value = ping.SerializeAsString()},
                                  absl::Seconds(30))
                    .ok());
  }
  std::mutex mu;
  std::vector<int64_t> applied;
  int failures_left = 12;  // 4 x max_attempts
  kafka::Consumer consumer(ConsumerFor(topic), producer_.get(), [&](const kafka::Event& e) {
    rathaus::testing::v1::Pinged ping;
    ping.ParseFromString(e.value);
    std::lock_guard lock(mu);
    if (ping.seq() == 2 && failures_left > 0) {
      --failures_left;
      return failures_left % 2 == 0
                 ? absl::UnavailableError("redis: connection refused")
                 : absl::FailedPreconditionError(
                       "redis: LOADING Redis is loading the dataset in memory");
    }
    applied.push_back(ping.seq());
    return absl::OkStatus();
  });
  ASSERT_TRUE(consumer.Start().ok());
  ASSERT_TRUE(WaitFor([&] { std::lock_guard l(mu); return applied.size() >= 5; },
                      absl::Seconds(60)));
  std::lock_guard lock(mu);
  EXPECT_EQ(applied, (std::vector<int64_t>{0, 1, 2, 3, 4})) << "in order, none skipped";
  EXPECT_EQ(consumer.dead_lettered(), 0);
  EXPECT_FALSE(consumer.paused());
  EXPECT_TRUE(kafka::IsTransient(absl::FailedPreconditionError("redis: READONLY You can't write")));
  EXPECT_FALSE(kafka::IsTransient(absl::FailedPreconditionError("redis: ERR wrong number")));
  EXPECT_FALSE(kafka::IsTransient(absl::InvalidArgumentError("undecodable")));
  consumer.Stop();
}

// Redis keeps what a script wrote before it failed. A handler that claims its inbox record
// first therefore loses the event when it fails after a write: the retry finds the claim and
// skips it. Checked first and claimed last (inbox_seen ... inbox_claim), the retry applies it.
TEST_F(EventPathTest, AHandlerThatFailsAfterAWriteAppliesTheEventOnRetry) {
  static const redis::Script kClaimFirst = redis::Script::WithPrelude("claim_first", R"lua(
if not inbox_claim(KEYS[1], ARGV[1]) then return 0 end
redis.call('SET', KEYS[2], 'started')
if redis.call('DEL', KEYS[4]) == 1 then return redis.error_reply('fachverfahren timeout') end
redis.call('SET', KEYS[3], 'done')
return 1)lua");
  static const redis::Script kClaimLast = redis::Script::WithPrelude("claim_last", R"lua(
if inbox_seen(KEYS[1]) then return 0 end
redis.call('SET', KEYS[2], 'started')
if redis.call('DEL', KEYS[4]) == 1 then return redis.error_reply('fachverfahren timeout') end
redis.call('SET', KEYS[3], 'done')
inbox_claim(KEYS[1], ARGV[1])
return 1)lua");
  for (const redis::Script* script : {&kClaimFirst, &kClaimLast}) {
    const std::string p = UniqueName(prefix_ + script->name());
    const std::vector<std::string> keys = {p + ":inbox:e1", p + ":started", p + ":done",
                                           p + ":fail-once"};
    ASSERT_TRUE(pool_->Command({"SET", keys[3], "1"}).ok());
    auto first = pool_->Eval(*script, keys, {"60"});
    EXPECT_FALSE(first.ok()) << "the first run fails after its first write";
    auto retry = pool_->Eval(*script, keys, {"60"});
    ASSERT_TRUE(retry.ok()) << retry.status();
    auto done = pool_->Command({"GET", keys[2]});
    ASSERT_TRUE(done.ok());
    if (script == &kClaimFirst) {
      EXPECT_TRUE(done->is_nil()) << "claim-first loses the event (the defect this guards)";
    } else {
      EXPECT_EQ(done->str, "done") << "claim-last applies it on the retry";
      EXPECT_EQ(retry->integer, 1);
      EXPECT_EQ(pool_->Eval(*script, keys, {"60"})->integer, 0) << "and only once";
    }
  }
}

// An entry Kafka refuses for good (larger than it takes) is set aside in the quarantine with its
// reason; the entries behind it, of the same key, still go out. It used to be re-sent every
// 0.5 s for ever.
TEST_F(EventPathTest, AnEntryKafkaRefusesGoesToTheQuarantine) {
  std::vector<outbox::OutgoingEvent> events;
  for (int i = 0; i < 10; ++i) events.push_back(Ping(i, "k"));
  // 2 MiB of incompressible payload: more than message.max.bytes (1 MB) allows.
  events[4].payload = crypto::RandomBytes(2 << 20);
  ASSERT_TRUE(outbox_->Publish(*pool_, events).ok());
  Collector seen;
  kafka::Consumer consumer(ConsumerFor(outbox_->topic()), producer_.get(),
                           [&](const kafka::Event& e) { return seen.Add(e); });
  ASSERT_TRUE(consumer.Start().ok());
  outbox::Relay relay(*pool_, *producer_,
                      {.outbox = outbox_.get(), .retry_backoff = absl::Milliseconds(50)});
  relay.Start();
  ASSERT_TRUE(WaitFor([&] { return seen.size() >= 9; }, absl::Seconds(60))) << seen.size();
  ASSERT_TRUE(WaitFor([&] { return *outbox_->Pending(*pool_) == 0; }, absl::Seconds(30)));
  relay.Stop();
  consumer.Stop();
  EXPECT_EQ(relay.quarantined(), 1);
  auto held = pool_->Command({"XRANGE", outbox_->quarantine_key(), "-", "+"});
  ASSERT_TRUE(held.ok());
  ASSERT_EQ(held->elements.size(), 1u);
  std::string id_field, reason;
  const auto& fields = held->elements[0].elements[1].elements;
  for (size_t i = 0; i + 1 < fields.size(); i += 2) {
    if (fields[i].str == "id") id_field = fields[i + 1].str;
    if (fields[i].str == "reason") reason = fields[i + 1].str;
  }
  EXPECT_EQ(id_field, events[4].id);
  EXPECT_NE(reason.find("too large"), std::string::npos) << reason;
  for (const auto& e : seen.events()) EXPECT_NE(e.id(), events[4].id);
}

}  // namespace
}  // namespace rathaus::platform
