// Consumes Kafka topics in a consumer group and hands each record to a handler, at least once.
//
//   kafka::ConsumerOptions options{.brokers = brokers, .group_id = "id-documents",
//                                  .topics = {"rathaus.appointments.v1"}};
//   kafka::Consumer consumer(options, dlq_producer, [&](const kafka::Event& e) {
//     return events.Apply(e);      // applies and records e.id() in the inbox, atomically
//   });
//   consumer.Start();
//   ...
//   consumer.Stop();               // commits what was processed, leaves the group
//
// A batch handler applies up to max_batch records that are already fetched in one go (e.g. one
// pipelined Redis round trip); it returns one status per record. A record whose status is not
// OK continues alone through the retries below. Ordering: a record that fails and then succeeds
// on a retry is applied after the records behind it in its batch; a service that needs strict
// order per aggregate even then keeps max_batch = 1 (the default).
//
// How a record moves on:
// - The offset is stored only after the handler returned OK (enable.auto.offset.store=false),
//   and committed in the background; a crash redelivers what was not committed, which the
//   handler's inbox turns into a no-op.
// - A failing handler is retried with exponential backoff (backoff_initial .. backoff_max):
//   * INVALID_ARGUMENT (a record that can never be applied, e.g. undecodable) is not retried;
//   * a transient error (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, Redis's
//     LOADING/READONLY/BUSY/...) is retried for as long as it lasts: after max_attempts the
//     consumer pauses its partitions and keeps polling, so it stays in the group, and resumes
//     once the handler succeeds. A Redis restart dead-letters nothing;
//   * any other error is retried up to max_attempts.
//   Then the record goes to `<topic>.dlq` with headers dlq_reason, dlq_topic, dlq_partition,
//   dlq_offset, dlq_attempts, dlq_group and dlq_time, and the partition moves on: one bad record
//   never stalls the records behind it. A dead letter is sent again only when its delivery
//   report failed, so it is written once.
// - Partitions are assigned cooperative-sticky, incrementally; storing an offset for a
//   partition that a rebalance took away (ERR__STATE) is expected and harmless.
// - Stop() during the very first join (after the JoinGroup answer, before the first assignment)
//   closes the consumer but does not destroy the handle: librdkafka before 2.3 aborts the
//   process there (issue 4312 in librdkafka; Debian 12 ships 2.0.2). The handle leaks once, in a
//   process that is stopping anyway.
// - Stop() is bounded by close_timeout: a close that cannot reach the broker is abandoned
//   (logged), so a service told to stop always stops.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "shared/kafka/producer.h"

namespace RdKafka {
class KafkaConsumer;
class Message;
}  // namespace RdKafka

namespace rathaus::platform::kafka {

// One consumed record.
struct Event {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string value;
  Headers headers;

  std::optional<std::string_view> Header(std::string_view name) const;
  std::string_view id() const { return Header("ce_id").value_or(""); }
  std::string_view type() const { return Header("ce_type").value_or(""); }
};

struct ConsumerOptions {
  std::string brokers = "127.0.0.1:9092";
  std::string group_id;
  std::vector<std::string> topics;
  int max_attempts = 5;
  absl::Duration backoff_initial = absl::Milliseconds(100);
  absl::Duration backoff_max = absl::Seconds(5);
  std::string dlq_suffix = ".dlq";
  int auto_commit_interval_ms = 500;
  int session_timeout_ms = 10000;
  // Records handed to a BatchHandler at once (only records already fetched: no waiting).
  int max_batch = 1;
  // Extra librdkafka settings, applied last.
  std::vector<std::pair<std::string, std::string>> extra;
  // How long Stop() waits for the close (final commit, leaving the group). A broker that goes
  // away during the close can keep librdkafka 2.0 looking for the coordinator for ever (seen
  // when a service and its broker were stopped together); after this the handle is abandoned:
  // what was applied but not committed yet is delivered again, and the inbox skips it.
  absl::Duration close_timeout = absl::Seconds(10);
  // Called on the consumer's thread after a record went to the DLQ (metrics).
  std::function<void(const Event&, const absl::Status& reason)> on_dead_letter;
};

// How far a partition's committed position is behind its end (from the last fetch).
struct PartitionLag {
  std::string topic;
  int32_t partition = 0;
  int64_t lag = 0;
};

// True for errors that go away by themselves (Redis restarting or read-only, timeouts): the
// consumer retries those for as long as they last.
bool IsTransient(const absl::Status& status);

class Consumer {
 public:
  using Handler = std::function<absl::Status(const Event&)>;
  using BatchHandler = std::function<std::vector<absl::Status>(const std::vector<Event>&)>;

  // `dlq` sends dead letters; it must outlive the consumer.
  Consumer(ConsumerOptions options, Producer* dlq, Handler handler);
  Consumer(ConsumerOptions options, Producer* dlq, BatchHandler handler);
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  absl::Status Start();
  void Stop();

  int64_t processed() const { return processed_.load(); }
  int64_t dead_lettered() const { return dead_lettered_.load(); }
  int64_t assigned_partitions() const { return assigned_.load(); }
  // True while the partitions are paused for a handler's transient failure (e.g. Redis away).
  bool paused() const { return metrics_paused_.load(); }
  // Per assigned partition: high watermark minus the position, from cached offsets (no broker
  // round trip). Thread-safe.
  std::vector<PartitionLag> Lag() const;

 private:
  void Loop();
  void ProcessBatch(const std::vector<std::unique_ptr<RdKafka::Message>>& messages);
  // After a first failed attempt: retries with backoff, then the DLQ. True when the record may
  // move on (applied or dead-lettered).
  bool RetryOrDeadLetter(const Event& event, absl::Status status);
  bool DeadLetter(const Event& event, const absl::Status& reason, int attempts);
  // Polls with every assigned partition paused for `duration`; false when the event's partition
  // was revoked meanwhile.
  bool WaitPaused(const Event& event, absl::Duration duration);
  void Resume();
  bool StillAssigned(const Event& event);
  // After an unfinished batch: the first unprocessed offset of each partition is fetched again.
  void SeekBack(const std::vector<Event>& events, size_t from);
  void StoreOffset(const Event& event);
  // Commits, leaves the group and closes, within close_timeout; false if that did not finish.
  bool Close();

  ConsumerOptions options_;
  Producer* dlq_;
  BatchHandler handler_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  mutable std::mutex lag_mu_;  // Lag() against Stop()
  std::unique_ptr<class Rebalancer> rebalancer_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> processed_{0};
  std::atomic<int64_t> dead_lettered_{0};
  std::atomic<int64_t> assigned_{0};
  std::atomic<bool> ever_assigned_{false};  // a rebalance gave this member an assignment
  std::atomic<bool> metrics_paused_{false};  // partitions paused for a transient outage
  std::thread thread_;
  friend class Rebalancer;
};

}  // namespace rathaus::platform::kafka
