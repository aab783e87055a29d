// Shared set-up of the appointments integration tests: a Store on the servers of the ctest
// fixture with its own key prefix and topic, a catalog with an office open day and night
// (counters 3, 15-minute grid) and helpers to place visits on the coming days.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/appointments/domain/catalog.h"
#include "services/appointments/domain/slots.h"
#include "services/appointments/store.h"
#include "shared/kafka/admin.h"
#include "shared/kafka/consumer.h"
#include "shared/kafka/producer.h"
#include "shared/outbox/outbox.h"
#include "shared/outbox/relay.h"
#include "shared/redis/redis.h"
#include "tests/harness/credentials.h"
#include "tests/harness/harness.h"

namespace rathaus::appointments::testing {

inline std::string IntegrationCatalogJson() {
  return R"json({"version": 1,
  "services": [{"id": "pass", "name": "Reisepass", "durationMinutes": 15, "maxQuantity": 3,
                "combinableWith": ["melde"], "whatToBring": ["Foto"]},
               {"id": "melde", "name": "Meldebescheinigung", "durationMinutes": 15,
                "maxQuantity": 1}],
  "offices": [{"id": "night", "name": "Bürgerbüro Nacht", "address": {"street": "Weg 1",
               "postalCode": "24103", "city": "Kiel"}, "counters": 3, "slotMinutes": 15,
               "bookingWindowDays": 366,
               "openingHours": [{"days": ["mon","tue","wed","thu","fri","sat","sun"],
                                 "start": "00:00", "end": "24:00"}],
               "services": [{"id": "pass"}, {"id": "melde"}]},
              {"id": "other", "name": "Bürgerbüro Tag", "address": {"street": "Weg 2",
               "postalCode": "24103", "city": "Kiel"}, "counters": 1, "slotMinutes": 15,
               "bookingWindowDays": 366,
               "openingHours": [{"days": ["mon","tue","wed","thu","fri","sat","sun"],
                                 "start": "00:00", "end": "24:00"}],
               "services": [{"id": "pass"}]}]})json";
}

// Collects what a consumer group receives.
class Collector {
 public:
  absl::Status Add(const platform::kafka::Event& e) {
    std::lock_guard lock(mu_);
    events_.push_back(e);
    return absl::OkStatus();
  }
  std::vector<platform::kafka::Event> events() {
    std::lock_guard lock(mu_);
    return events_;
  }

 private:
  std::mutex mu_;
  std::vector<platform::kafka::Event> events_;
};

class StoreFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto catalog = ParseCatalog(IntegrationCatalogJson());
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    catalog_ = std::move(*catalog);
    office_ = catalog_.FindOffice("night");
    auto options = platform::redis::Options::FromUrl(rathaus::testing::SharedServers().redis_url);
    ASSERT_TRUE(options.ok());
    options->pool_size = 32;
    options->command_timeout = absl::Seconds(10);
    pool_ = std::make_unique<platform::redis::Pool>(*options);
    service_ = rathaus::testing::UniqueName("appt-test");
    outbox_ = std::make_unique<platform::outbox::Outbox>(service_, service_ + ":");
    store_options_.key_prefix = service_ + ":";
    store_options_.quota = 1000;
    store_options_.data_keys = &credentials_.data_keys();
    MakeStore();
  }

  void MakeStore() { store_ = std::make_unique<Store>(*pool_, *outbox_, store_options_); }

  // Starts the relay (and the topic) so that events reach Kafka.
  void StartRelay() {
    const std::string& brokers = rathaus::testing::SharedServers().kafka_brokers;
    ASSERT_TRUE(platform::kafka::EnsureTopics(brokers, {{outbox_->topic(), 3}}, true).ok());
    auto producer = platform::kafka::Producer::Create({.brokers = brokers, .linger_ms = 1});
    ASSERT_TRUE(producer.ok()) << producer.status();
    producer_ = std::move(*producer);
    relay_ = std::make_unique<platform::outbox::Relay>(
        *pool_, *producer_, platform::outbox::RelayOptions{.outbox = outbox_.get(),
                                                           .block = absl::Milliseconds(20)});
    relay_->Start();
    consumer_ = std::make_unique<platform::kafka::Consumer>(
        platform::kafka::ConsumerOptions{.brokers = brokers,
                                         .group_id = rathaus::testing::UniqueName("group"),
                                         .topics = {outbox_->topic()}},
        producer_.get(), [this](const platform::kafka::Event& e) { return collector_.Add(e); });
    ASSERT_TRUE(consumer_->Start().ok());
  }

  void TearDown() override {
    if (consumer_) consumer_->Stop();
    if (relay_) relay_->Stop();
  }

  absl::CivilDay Day(int ahead) { return TodayAt(*office_, absl::Now()) + ahead; }

  // A visit of `buckets` x 15 minutes (pass*buckets) at bucket `first` of the day `ahead`.
  Placement At(int ahead, int first, int buckets = 1, const Office* office = nullptr) {
    if (office == nullptr) office = office_;
    const absl::CivilDay day = Day(ahead);
    DayPlan plan = PlanDay(*office, day, absl::Now());
    return Placement{.office = office->id, .day = day, .first_bucket = first,
                     .buckets = buckets, .counters = office->counters,
                     .start = plan.StartOf(first),
                     .end = plan.StartOf(first) + absl::Minutes(15 * buckets),
                     .items = {{"pass", buckets}}};
  }

  int Used(int ahead, int bucket) {
    auto days = store_->ReadDays(office_->id, {Day(ahead)});
    EXPECT_TRUE(days.ok()) << days.status();
    if (!days.ok()) return -1;
    const std::vector<int>& used = (*days)[0];
    return bucket < static_cast<int>(used.size()) ? used[bucket] : 0;
  }

  static Contact Person(int i) {
    return {absl::StrCat("Person ", i), absl::StrCat("person", i, "@example.org"), ""};
  }

  rathaus::testing::TestCredentials credentials_;
  Catalog catalog_;
  const Office* office_ = nullptr;
  std::unique_ptr<platform::redis::Pool> pool_;
  std::string service_;
  std::unique_ptr<platform::outbox::Outbox> outbox_;
  StoreOptions store_options_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<platform::kafka::Producer> producer_;
  std::unique_ptr<platform::outbox::Relay> relay_;
  std::unique_ptr<platform::kafka::Consumer> consumer_;
  Collector collector_;
};

}  // namespace rathaus::appointments::testing
