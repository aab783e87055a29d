// The service kit: what every rathaus service's main.cc is made of, so that a main.cc declares
// what the service is and nothing else (DESIGN.md "Layout").
//
//   int main() {
//     platform::ServiceKit kit("id-documents", {.key_prefix = "idd:", .personal_data = true});
//     const std::string x = kit.env().String("RATHAUS_IDDOCS_SOMETHING", "x");  // own settings
//     if (!kit.CheckConfig()) return 2;
//     Store store(kit.redis(), kit.outbox(), kit.data_keys());
//     IdDocumentsService service(store, kit.callers());
//     kit.AddService(&service);
//     kit.Consume<appointments::v1::AppointmentBooked>(
//         "rathaus.appointments.v1", [&](const auto& booked, const platform::EventContext& ce) {
//           return store.ApplyPickupBooked(booked, ce);   // one script: check, change, claim
//         });
//     kit.AddJob("expirer", [&] { expirer.Start(); }, [&] { expirer.Stop(); });
//     return kit.Run();
//   }
//
// What the kit does, in this order:
//   construction  blocks SIGTERM/SIGINT (before any thread), reads the platform settings
//                 (shared/config/platform.h), the gRPC server's (shared/grpc/server.h), the caller
//                 keys (shared/auth/caller.h), the personal-data keys (shared/crypto/
//                 personal_data.h), RATHAUS_METRICS_LISTEN (host:port, empty: no metrics) and
//                 RATHAUS_REDIS_DURABILITY_CHECK (on: not ready on a Redis that may lose
//                 acknowledged writes, shared/redis/durability.h) and RATHAUS_KAFKA_RETENTION
//                 (the topics' retention, default 7d: inbox records are kept a day longer),
//                 the topic settings RATHAUS_ENV (production | development),
//                 RATHAUS_TOPIC_CREATE (on | off: Strimzi owns them), RATHAUS_TOPIC_PARTITIONS (3),
//                 RATHAUS_TOPIC_REPLICATION (3; development 1; below 3 only in development),
//                 RATHAUS_TOPIC_MIN_INSYNC (2; development 1);
//   Run()         creates the outbox topic and its .dlq (and the consumed topics with theirs, for
//                 development), the producer; serves metrics; starts the gRPC server with the
//                 readiness probes (redis, kafka, the service's own); then the relay, the
//                 consumers (group rathaus.<service>) and the jobs; waits for SIGTERM;
//   shutdown      health NOT_SERVING, in-flight calls drain (RATHAUS_GRPC_SHUTDOWN_GRACE), jobs
//                 stop (last added first), consumers stop after their current record and commit,
//                 the relay stops, the producer flushes, metrics stop.
//
// Consumed events: a handler gets the decoded payload and the CloudEvents attributes with the
// inbox key to claim in the same Lua script as its change (shared/outbox/outbox.h). A type the
// service registered no handler for is skipped and counted (a newer producer must not break an
// older consumer); a payload that does not decode goes to the DLQ with the reason.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "shared/auth/caller.h"
#include "shared/config/config.h"
#include "shared/config/platform.h"
#include "shared/crypto/personal_data.h"
#include "shared/grpc/server.h"
#include "shared/kafka/consumer.h"
#include "shared/kafka/producer.h"
#include "shared/metrics/metrics.h"
#include "shared/outbox/outbox.h"
#include "shared/outbox/relay.h"
#include "shared/redis/redis.h"

namespace rathaus::platform {

// A consumed event's CloudEvents attributes and what its handler needs to apply it once.
struct EventContext {
  std::string_view id;           // ce_id
  std::string_view type;         // ce_type
  std::string_view source;       // ce_source
  std::string_view subject;      // ce_subject (the aggregate id)
  std::string_view time;         // ce_time
  std::string_view traceparent;  // W3C trace context, "" when absent
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string inbox_key;  // KEYS[...] for inbox_claim in the handler's script
  std::string inbox_ttl;  // ARGV[...]: seconds
  redis::Pool* redis = nullptr;
};

class GrpcCallStats;  // kit.cc: gRPC call counters and latencies

struct ServiceOptions {
  std::string key_prefix;  // e.g. "appt:" (DESIGN.md "State")
  // The service's own defaults for the gRPC server (listen address, message size).
  GrpcServerOptions grpc_defaults;
  // The service stores personal data: RATHAUS_DATA_KEYS_FILE is required.
  bool personal_data = false;
  // Records handed to the consumer's handler in one go (kafka::ConsumerOptions::max_batch).
  int consumer_max_batch = 1;
};

class ServiceKit {
 public:
  using Handler = std::function<absl::Status(const kafka::Event&, const EventContext&)>;

  ServiceKit(std::string name, ServiceOptions options);
  ~ServiceKit();
  ServiceKit(const ServiceKit&) = delete;
  ServiceKit& operator=(const ServiceKit&) = delete;

  const std::string& name() const { return name_; }
  // For the service's own settings; read them before CheckConfig().
  EnvConfig& env() { return env_; }
  // The contents of the file that `variable` names, or `embedded` when it is unset (a service's
  // built-in catalog or table); an unreadable file is a configuration error.
  std::string FileOrEmbedded(std::string_view variable, std::string_view embedded);
  // False (after printing one line per bad variable) when a setting is wrong: exit with 2.
  bool CheckConfig();

  redis::Pool& redis();
  const outbox::Outbox& outbox() const { return outbox_; }
  const auth::CallerAuth& callers() const { return callers_; }
  const crypto::DataKeys& data_keys() const { return data_keys_; }
  metrics::Registry& metrics() { return metrics_; }
  const PlatformConfig& config() const { return config_; }

  void AddService(grpc::Service* service);
  void AddReadinessProbe(std::string name, std::function<absl::Status()> probe);
  // start() runs after the server and the consumers are up; stop() at shutdown, before the
  // consumers stop (jobs in reverse order of adding).
  void AddJob(std::string name, std::function<void()> start, std::function<void()> stop);
  // A line of key facts for the "serving" log entry.
  void AddStartupFact(std::string key, std::string value);

  // One handler per CloudEvents type (the payload's full protobuf name) on `topic`.
  template <typename Payload>
  void Consume(const std::string& topic,
               std::function<absl::Status(const Payload&, const EventContext&)> handler) {
    ConsumeType(topic, std::string(Payload::descriptor()->full_name()),
                [handler = std::move(handler)](const kafka::Event& e, const EventContext& ce) {
                  Payload payload;
                  if (!payload.ParseFromString(e.value)) {
                    return absl::InvalidArgumentError(
                        absl::StrCat("undecodable payload for ", std::string(ce.type)));
                  }
                  return handler(payload, ce);
                });
  }
  void ConsumeType(const std::string& topic, std::string type, Handler handler);

  // Instead of per-type handlers: every record of `topics`, up to options.consumer_max_batch
  // already fetched at once, with their contexts; one status per record (kafka::Consumer's
  // batch rules: a failed record is retried alone after the others). For services whose work
  // per record is cheap next to a round trip or an fsync (the e-file's filing).
  using BatchHandler = std::function<std::vector<absl::Status>(
      const std::vector<kafka::Event>&, const std::vector<EventContext>&)>;
  void ConsumeBatch(const std::vector<std::string>& topics, BatchHandler handler);

  // Starts everything, waits for SIGTERM/SIGINT, stops everything; the process's exit code.
  int Run();

  // The consumed records' handler (exposed for tests of the kit).
  absl::Status Dispatch(const kafka::Event& event);

 private:
  void DescribeMetrics();
  std::vector<std::string> TopicNames() const;
  // Compares the outbox topic's partition count with RATHAUS_TOPIC_PARTITIONS (topics_.problem).
  void CheckTopics();
  // Creates the topics (RATHAUS_TOPIC_CREATE=on) if not done yet. Kafka away is not a reason to
  // exit: the service runs, not ready, and the topics probe tries again with a growing pause
  // (2 s, doubling to 30 s).
  bool EnsureTopicsCreated(absl::Duration timeout);
  void CollectGauges(metrics::Gauges& g);

  struct Job {
    std::string name;
    std::function<void()> start;
    std::function<void()> stop;
  };

  std::string name_;
  ServiceOptions options_;
  EnvConfig env_;
  PlatformConfig config_;
  GrpcServerOptions server_options_;
  std::string metrics_listen_;
  bool check_durability_ = true;  // RATHAUS_REDIS_DURABILITY_CHECK
  struct TopicSettings {
    bool create = true;   // RATHAUS_TOPIC_CREATE
    int partitions = 3;   // RATHAUS_TOPIC_PARTITIONS
    int replication = 3;  // RATHAUS_TOPIC_REPLICATION
    int min_insync = 2;   // RATHAUS_TOPIC_MIN_INSYNC
    absl::Status problem;  // readiness; only the probe thread changes it after Run() starts
    bool created = false;  // this process created (or found) them
    absl::Time next_attempt = absl::InfinitePast();
    absl::Duration backoff = absl::Seconds(2);
  } topics_;
  auth::CallerAuth callers_;
  crypto::DataKeys data_keys_;
  outbox::Outbox outbox_;
  outbox::Inbox inbox_;
  std::string group_;
  std::unique_ptr<redis::Pool> redis_;
  metrics::Registry metrics_;
  std::vector<grpc::Service*> services_;
  std::vector<std::pair<std::string, std::function<absl::Status()>>> probes_;
  std::vector<Job> jobs_;
  std::vector<std::pair<std::string, std::string>> facts_;
  std::map<std::string, std::map<std::string, Handler>> handlers_;  // topic -> type -> handler
  BatchHandler batch_handler_;  // ConsumeBatch: all records of handlers_' topics
  EventContext ContextOf(const kafka::Event& event);

  // Declared in the order they are built, so they are destroyed consumers first, then the
  // relay, then the producer that both use.
  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<outbox::Relay> relay_;
  std::unique_ptr<kafka::Consumer> consumer_;
  std::unique_ptr<metrics::MetricsServer> metrics_server_;
  std::shared_ptr<GrpcCallStats> call_stats_;
};

}  // namespace rathaus::platform
