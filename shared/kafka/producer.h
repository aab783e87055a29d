// Sends records to Kafka with an idempotent producer (enable.idempotence=true, acks=all). A
// send counts only when its delivery report says so: the callback runs on the producer's poll
// thread with the broker's verdict.
//
//   kafka::ProducerOptions options{.brokers = env.String("RATHAUS_KAFKA_BROKERS")};
//   auto producer = kafka::Producer::Create(options);
//   kafka::Record record{.topic = "rathaus.appointments.v1", .key = booking_code,
//                        .value = payload, .headers = CloudEventHeaders(...)};
//   (*producer)->Send(std::move(record), [](absl::Status delivered) {
//     if (delivered.ok()) { /* now it is in Kafka: e.g. delete the outbox entry */ }
//   });
//   absl::Status s = (*producer)->SendAndWait(record, absl::Seconds(10));   // one at a time
//
// Services do not call this for their events: they write to the outbox, and the relay sends.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace RdKafka {
class Producer;
}

namespace rathaus::platform::kafka {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Record {
  std::string topic;
  std::string key;
  std::string value;
  Headers headers;
  int32_t partition = -1;  // -1: by key (murmur2, as the Java client does)
};

struct ProducerOptions {
  std::string brokers = "127.0.0.1:9092";
  std::string client_id = "rathaus";
  // Chosen by measurement (`make bench`, README "Benchmarks"): 0 ms sends every record alone and
  // its p99 at 1,000 events/s was 144 ms; 1 ms kept p99 under 10 ms with p50 2 ms and
  // >= 20,000 events/s; 5 and 10 ms raised p50 to 5 and 8 ms for no throughput gain.
  int linger_ms = 1;
  // 0: no timeout. The idempotent producer then retries a record until the broker takes it, in
  // order: with a timeout, a record that expired during a long outage was re-sent after later
  // records of its key had gone through, and Kafka held one key's events out of order. A
  // delivery fails only for good (INVALID_ARGUMENT: e.g. a record larger than the broker takes)
  // or at shutdown.
  int message_timeout_ms = 0;
  std::string compression = "lz4";
  // Extra librdkafka settings (name, value), applied last.
  std::vector<std::pair<std::string, std::string>> extra;
};

class Producer {
 public:
  using DeliveryCallback = std::function<void(absl::Status)>;

  static absl::StatusOr<std::unique_ptr<Producer>> Create(const ProducerOptions& options);
  ~Producer();  // flushes for up to 10 s, then stops the poll thread
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Queues the record; `done` runs exactly once with the delivery verdict (or with the error
  // that kept the record from being queued): OK, INVALID_ARGUMENT when sending it again can never
  // succeed, UNAVAILABLE otherwise. Waits while librdkafka's queue is full.
  void Send(Record record, DeliveryCallback done);
  absl::Status SendAndWait(Record record, absl::Duration timeout);

  // Waits until everything queued got its delivery report.
  absl::Status Flush(absl::Duration timeout);
  // Gives up on every record still without a delivery report: their callbacks run now (with
  // UNAVAILABLE), not later from the destructor. Shutdown calls it while the objects those
  // callbacks use (the outbox relay) still exist; the records stay in the outbox.
  void Purge(absl::Duration wait = absl::Seconds(2));
  // Records queued or in flight without a delivery report yet.
  int64_t in_flight() const { return in_flight_.load(); }
  // Asks the cluster for its metadata: OK when a broker answers within the timeout.
  absl::Status Ping(absl::Duration timeout = absl::Seconds(2));

 private:
  Producer() = default;
  void PollLoop();

  std::unique_ptr<RdKafka::Producer> producer_;
  std::unique_ptr<class DeliveryReporter> reporter_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> in_flight_{0};
  std::thread poller_;
  friend class DeliveryReporter;
};

// CloudEvents 1.0 binary-mode headers, exactly as DESIGN.md names them.
struct CloudEvent {
  std::string id;          // ce_id: unique, stable across redelivery
  std::string source;      // ce_source: /rathaus/<service>
  std::string type;        // ce_type: full protobuf name of the payload
  std::string time;        // ce_time: RFC 3339
  std::string subject;     // ce_subject: aggregate id, never personal data
  std::string traceparent; // W3C; empty: none
};
Headers CloudEventHeaders(const CloudEvent& event);

}  // namespace rathaus::platform::kafka
