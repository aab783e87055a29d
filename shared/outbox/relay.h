// The outbox relay: moves a service's outbox entries to Kafka and deletes each entry only after
// its delivery report succeeded. A crash anywhere leaves undelivered entries in the outbox; the
// next relay sends them again (consumers drop the duplicates by ce_id), so every event reaches
// Kafka at least once, in the order of the outbox (and so in order per aggregate).
//
// Order per key survives broker outages: the producer retries a record without a time limit
// (kafka::ProducerOptions::message_timeout_ms = 0), so nothing later of a partition is written
// before it. An entry Kafka refuses for good (INVALID_ARGUMENT, e.g. too large) is moved to the
// quarantine stream <outbox>:quarantine instead of blocking the outbox; `rathaus-outbox` lists,
// drops or re-sends what is there.
//
// Several relays may run (one per service replica): a lease in Redis lets exactly one publish
// at a time; the others wait and take over when the lease expires.
//
//   outbox::Relay relay(pool, *producer, {.outbox = &outbox});
//   relay.Start();
//   ...
//   relay.Stop();   // waits for the delivery reports of what it sent, gives the lease up
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "shared/kafka/producer.h"
#include "shared/outbox/outbox.h"
#include "shared/redis/redis.h"

namespace rathaus::platform::outbox {

struct RelayOptions {
  const Outbox* outbox = nullptr;
  std::string instance_id;  // empty: <hostname>-<pid>-<random>
  absl::Duration lease_ttl = absl::Seconds(5);
  int batch = 1000;             // entries read per XREAD
  int max_in_flight = 20000;    // sent without a delivery report yet
  absl::Duration block = absl::Milliseconds(200);  // XREAD BLOCK when the outbox is empty
  absl::Duration retry_backoff = absl::Milliseconds(500);
};

class Relay {
 public:
  Relay(redis::Pool& pool, kafka::Producer& producer, RelayOptions options);
  ~Relay();
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  void Start();
  // Stops reading, waits up to `drain` for delivery reports, deletes what was confirmed and
  // gives the lease up.
  void Stop(absl::Duration drain = absl::Seconds(10));

  bool leader() const { return leader_.load(); }
  int64_t delivered() const { return delivered_.load(); }
  int64_t resends() const { return resends_.load(); }
  // Entries Kafka refused for good, moved to the quarantine (Outbox::quarantine_key()).
  int64_t quarantined() const { return quarantined_.load(); }

 private:
  void Loop();
  bool HoldLease();
  void ReleaseLease();
  absl::Status ReadAndSend();
  void DeleteDelivered();
  void QuarantineRefused();
  bool WaitInFlight(absl::Duration timeout);
  void SleepUnlessStopped(absl::Duration d);

  redis::Pool& pool_;
  kafka::Producer& producer_;
  RelayOptions options_;
  std::string lease_key_;
  std::string source_;
  std::unique_ptr<redis::Connection> reader_;
  std::string cursor_ = "0-0";
  absl::Time lease_renew_at_ = absl::InfinitePast();

  std::mutex mu_;
  std::vector<std::string> delivered_ids_;  // guarded by mu_
  std::vector<std::pair<std::string, std::string>> refused_;  // id, reason; guarded by mu_
  std::atomic<int64_t> quarantined_{0};
  std::atomic<bool> failed_{false};
  std::atomic<int64_t> in_flight_{0};
  std::atomic<int64_t> delivered_{0};
  std::atomic<int64_t> resends_{0};
  std::atomic<bool> leader_{false};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace rathaus::platform::outbox
