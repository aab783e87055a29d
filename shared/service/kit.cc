#include "shared/service/kit.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <mutex>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <google/protobuf/descriptor.h>
#include <grpcpp/support/server_interceptor.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "shared/kafka/admin.h"
#include "shared/log/log.h"
#include "shared/redis/durability.h"

namespace rathaus::platform {

// Calls by method and code, with their latency, in atomics per method (no lock on the call
// path once a method was seen). The method label is the full method name only for methods of
// the compiled-in protos and gRPC's health service; anything else counts as "other", so a caller
// cannot add series by inventing method names.
class GrpcCallStats {
 public:
  static constexpr int kCodes = 17;
  struct Method {
    std::string label;
    std::array<std::atomic<uint64_t>, kCodes> codes{};
    std::array<std::atomic<uint64_t>, metrics::Registry::kBuckets.size()> buckets{};
    std::atomic<uint64_t> count{0};
    std::atomic<uint64_t> sum_ns{0};
  };

  Method& For(const char* method) {
    const std::string_view name = method == nullptr ? "" : method;
    {
      std::lock_guard lock(mu_);
      auto it = methods_.find(absl::string_view(name.data(), name.size()));
      if (it != methods_.end()) return *it->second;
    }
    const std::string label = Label(name);
    std::lock_guard lock(mu_);
    auto& slot = methods_[label];  // unknown names all share "other": the map stays bounded
    if (!slot) {
      slot = std::make_unique<Method>();
      slot->label = label;
    }
    return *slot;
  }

  void Record(Method& m, grpc::StatusCode code, absl::Duration took) {
    const int c = static_cast<int>(code);
    m.codes[c >= 0 && c < kCodes ? c : 2].fetch_add(1, std::memory_order_relaxed);
    const double seconds = absl::ToDoubleSeconds(took);
    size_t bucket = 0;
    while (bucket < metrics::Registry::kBuckets.size() &&
           seconds > metrics::Registry::kBuckets[bucket]) {
      ++bucket;
    }
    if (bucket < m.buckets.size()) m.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
    m.count.fetch_add(1, std::memory_order_relaxed);
    m.sum_ns.fetch_add(static_cast<uint64_t>(absl::ToInt64Nanoseconds(took)),
                       std::memory_order_relaxed);
  }

  void Render(std::string* out) const {
    static constexpr const char* kNames[kCodes] = {
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
        "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
        "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
        "UNAUTHENTICATED"};
    std::lock_guard lock(mu_);
    std::map<std::string, const Method*> sorted;
    for (const auto& [name, m] : methods_) sorted.emplace(m->label, m.get());
    absl::StrAppend(out,
                    "# HELP rathaus_grpc_server_handled_total gRPC calls answered, by method and "
                    "status code.\n# TYPE rathaus_grpc_server_handled_total counter\n");
    for (const auto& [label, m] : sorted) {
      for (int c = 0; c < kCodes; ++c) {
        const uint64_t n = m->codes[c].load(std::memory_order_relaxed);
        if (n == 0) continue;
        absl::StrAppend(out, "rathaus_grpc_server_handled_total{method=\"", label, "\",code=\"",
                        kNames[c], "\"} ", n, "\n");
      }
    }
    absl::StrAppend(out,
                    "# HELP rathaus_grpc_server_handling_seconds gRPC call latency in seconds, by "
                    "method.\n# TYPE rathaus_grpc_server_handling_seconds histogram\n");
    for (const auto& [label, m] : sorted) {
      uint64_t cumulative = 0;
      for (size_t i = 0; i < metrics::Registry::kBuckets.size(); ++i) {
        cumulative += m->buckets[i].load(std::memory_order_relaxed);
        absl::StrAppend(out, "rathaus_grpc_server_handling_seconds_bucket{method=\"", label,
                        "\",le=\"", metrics::Registry::kBuckets[i], "\"} ", cumulative, "\n");
      }
      const uint64_t count = m->count.load(std::memory_order_relaxed);
      absl::StrAppend(out, "rathaus_grpc_server_handling_seconds_bucket{method=\"", label,
                      "\",le=\"+Inf\"} ", count, "\n");
      absl::StrAppend(out, "rathaus_grpc_server_handling_seconds_sum{method=\"", label, "\"} ",
                      static_cast<double>(m->sum_ns.load(std::memory_order_relaxed)) / 1e9, "\n");
      absl::StrAppend(out, "rathaus_grpc_server_handling_seconds_count{method=\"", label, "\"} ",
                      count, "\n");
    }
  }

 private:
  static std::string Label(std::string_view m) {
    // gRPC's own services are not in the generated pool (they are built with upb).
    if (m == "/grpc.health.v1.Health/Check" || m == "/grpc.health.v1.Health/Watch") {
      return std::string(m);
    }
    if (m.size() < 4 || m.front() != '/') return "other";
    std::string full(m.substr(1));
    const size_t slash = full.find('/');
    if (slash == std::string::npos) return "other";
    full[slash] = '.';
    if (google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(full) == nullptr) {
      return "other";
    }
    return std::string(m);
  }

  mutable std::mutex mu_;
  // Known method names and "other"; unknown names are looked up each call and never stored.
  absl::flat_hash_map<std::string, std::unique_ptr<Method>> methods_;
};

namespace {

class GrpcMetricsInterceptor : public grpc::experimental::Interceptor {
 public:
  GrpcMetricsInterceptor(GrpcCallStats& stats, GrpcCallStats::Method& method)
      : stats_(stats), method_(method), start_(absl::Now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      stats_.Record(method_, methods->GetSendStatus().error_code(), absl::Now() - start_);
    }
    methods->Proceed();
  }

 private:
  GrpcCallStats& stats_;
  GrpcCallStats::Method& method_;
  absl::Time start_;
};

class GrpcMetricsFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit GrpcMetricsFactory(GrpcCallStats& stats) : stats_(stats) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new GrpcMetricsInterceptor(stats_, stats_.For(info->method()));
  }

 private:
  GrpcCallStats& stats_;
};

std::string_view HeaderOr(const kafka::Event& e, std::string_view name) {
  return e.Header(name).value_or("");
}

}  // namespace

ServiceKit::ServiceKit(std::string name, ServiceOptions options)
    : name_(std::move(name)),
      options_(std::move(options)),
      outbox_(name_, options_.key_prefix),
      inbox_(options_.key_prefix, absl::StrCat("rathaus.", name_)),
      group_(absl::StrCat("rathaus.", name_)) {
  // Before anything can start a thread (librdkafka, gRPC, the relay): only the server's signal
  // thread may take SIGTERM, or it could end the process without a graceful shutdown.
  GrpcServer::BlockShutdownSignals();
  GrpcServer::DisableMutexDeadlockDetection();
  config_ = PlatformConfig::FromEnv(env_, name_);
  server_options_ = GrpcServerOptions::FromEnv(env_, options_.grpc_defaults);
  metrics_listen_ = env_.String("RATHAUS_METRICS_LISTEN", "");
  // Topics: production creates nothing with fewer than 3 replicas (one broker's loss would lose
  // acknowledged events); development runs one broker.
  const bool development =
      env_.OneOf("RATHAUS_ENV", "production", {"production", "development"}) == "development";
  topics_.create = env_.OneOf("RATHAUS_TOPIC_CREATE", "on", {"on", "off"}) == "on";
  topics_.partitions = static_cast<int>(env_.Int("RATHAUS_TOPIC_PARTITIONS", 3, 1, 1000));
  topics_.replication =
      static_cast<int>(env_.Int("RATHAUS_TOPIC_REPLICATION", development ? 1 : 3, 1, 10));
  topics_.min_insync =
      static_cast<int>(env_.Int("RATHAUS_TOPIC_MIN_INSYNC", development ? 1 : 2, 1, 10));
  if (!development && topics_.replication < 3) {
    env_.Reject("RATHAUS_TOPIC_REPLICATION", "at least 3 outside development (RATHAUS_ENV)",
                std::to_string(topics_.replication));
  }
  if (topics_.min_insync > topics_.replication) {
    env_.Reject("RATHAUS_TOPIC_MIN_INSYNC", "at most RATHAUS_TOPIC_REPLICATION",
                std::to_string(topics_.min_insync));
  }
  check_durability_ = env_.OneOf("RATHAUS_REDIS_DURABILITY_CHECK", "on", {"on", "off"}) == "on";
  // Inbox records must outlive every redelivery: Kafka's retention of the consumed topics, plus
  // a day for a consumer that was down when the retention ran out.
  const absl::Duration retention = env_.Duration("RATHAUS_KAFKA_RETENTION", absl::Hours(24 * 7));
  if (retention < absl::Hours(1)) {
    env_.Reject("RATHAUS_KAFKA_RETENTION", "at least 1h (the topics' retention.ms)",
                absl::FormatDuration(retention));
  }
  inbox_ = outbox::Inbox(options_.key_prefix, group_, retention + absl::Hours(24));
  callers_ = auth::CallerAuth::FromEnv(env_);
  data_keys_ = crypto::DataKeys::FromEnv(env_, options_.personal_data);
  DescribeMetrics();
}

ServiceKit::~ServiceKit() = default;

bool ServiceKit::CheckConfig() {
  if (env_.ok()) return true;
  for (const std::string& e : env_.errors()) std::fprintf(stderr, "config: %s\n", e.c_str());
  return false;
}

std::string ServiceKit::FileOrEmbedded(std::string_view variable, std::string_view embedded) {
  const std::string file = env_.String(variable, "");
  if (file.empty()) return std::string(embedded);
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    env_.Reject(variable, "a readable file", file);
    return "";
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

redis::Pool& ServiceKit::redis() {
  if (!redis_) redis_ = std::make_unique<redis::Pool>(config_.redis);
  return *redis_;
}

void ServiceKit::AddService(grpc::Service* service) { services_.push_back(service); }

void ServiceKit::AddReadinessProbe(std::string name, std::function<absl::Status()> probe) {
  probes_.emplace_back(std::move(name), std::move(probe));
}

void ServiceKit::AddJob(std::string name, std::function<void()> start, std::function<void()> stop) {
  jobs_.push_back({std::move(name), std::move(start), std::move(stop)});
}

void ServiceKit::AddStartupFact(std::string key, std::string value) {
  facts_.emplace_back(std::move(key), std::move(value));
}

void ServiceKit::ConsumeType(const std::string& topic, std::string type, Handler handler) {
  handlers_[topic][std::move(type)] = std::move(handler);
}

void ServiceKit::ConsumeBatch(const std::vector<std::string>& topics, BatchHandler handler) {
  for (const std::string& t : topics) handlers_[t];  // subscribed and created like the others
  batch_handler_ = std::move(handler);
}

EventContext ServiceKit::ContextOf(const kafka::Event& event) {
  EventContext ce;
  ce.id = event.id();
  ce.type = event.type();
  ce.source = HeaderOr(event, "ce_source");
  ce.subject = HeaderOr(event, "ce_subject");
  ce.time = HeaderOr(event, "ce_time");
  ce.traceparent = HeaderOr(event, "traceparent");
  ce.topic = event.topic;
  ce.partition = event.partition;
  ce.offset = event.offset;
  ce.inbox_key = inbox_.Key(ce.id);
  ce.inbox_ttl = inbox_.TtlSeconds();
  ce.redis = &redis();
  return ce;
}

void ServiceKit::DescribeMetrics() {
  metrics_.Describe("rathaus_outbox_depth", "gauge", "Outbox entries not yet confirmed by Kafka.");
  metrics_.Describe("rathaus_outbox_oldest_age_seconds", "gauge",
                    "Age of the oldest outbox entry (0 when empty).");
  metrics_.Describe("rathaus_outbox_quarantined", "gauge",
                    "Outbox entries Kafka refused for good, set aside (rathaus-outbox list).");
  metrics_.Describe("rathaus_relay_published_total", "counter",
                    "Outbox entries confirmed by Kafka (this process).");
  metrics_.Describe("rathaus_relay_failed_total", "counter",
                    "Failed deliveries that the relay sends again (this process).");
  metrics_.Describe("rathaus_relay_leader", "gauge", "1 while this process holds the relay lease.");
  metrics_.Describe("rathaus_consumer_lag", "gauge",
                    "Records behind the end of each assigned partition.");
  metrics_.Describe("rathaus_events_applied_total", "counter",
                    "Consumed events handled, by CloudEvents type.");
  metrics_.Describe("rathaus_events_skipped_total", "counter",
                    "Consumed events of a type this service has no handler for.");
  metrics_.Describe("rathaus_events_dead_lettered_total", "counter",
                    "Consumed events sent to the dead-letter topic, by type.");
  metrics_.Describe("rathaus_dlq_writes_total", "counter", "Records written to a .dlq topic.");
}

void ServiceKit::CollectGauges(metrics::Gauges& g) {
  if (redis_) {
    auto depth = redis_->Command({"XLEN", outbox_.stream_key()});
    if (depth.ok()) g.Set("rathaus_outbox_depth", {}, static_cast<double>(depth->integer));
    auto first = redis_->Command({"XRANGE", outbox_.stream_key(), "-", "+", "COUNT", "1"});
    double age = 0;
    if (first.ok() && first->is_array() && !first->elements.empty() &&
        first->elements[0].is_array() && !first->elements[0].elements.empty()) {
      const std::string& id = first->elements[0].elements[0].str;
      int64_t ms = 0;
      if (absl::SimpleAtoi(id.substr(0, id.find('-')), &ms)) {
        age = std::max(0.0, absl::ToDoubleSeconds(absl::Now() - absl::FromUnixMillis(ms)));
      }
    }
    if (first.ok()) g.Set("rathaus_outbox_oldest_age_seconds", {}, age);
    auto quarantined = redis_->Command({"XLEN", outbox_.quarantine_key()});
    if (quarantined.ok()) {
      g.Set("rathaus_outbox_quarantined", {}, static_cast<double>(quarantined->integer));
    }
  }
  if (relay_) {
    g.Set("rathaus_relay_leader", {}, relay_->leader() ? 1 : 0);
    g.Set("rathaus_relay_published_total", {}, static_cast<double>(relay_->delivered()));
    g.Set("rathaus_relay_failed_total", {}, static_cast<double>(relay_->resends()));
  }
  if (consumer_) {
    for (const kafka::PartitionLag& lag : consumer_->Lag()) {
      g.Set("rathaus_consumer_lag", {{"topic", lag.topic}, {"partition", absl::StrCat(lag.partition)}},
            static_cast<double>(lag.lag));
    }
  }
}

void ServiceKit::CheckTopics() {
  const std::string name = outbox_.topic();
  absl::StatusOr<int> count = kafka::PartitionCount(config_.kafka_brokers, name);
  absl::Status problem;
  if (!count.ok()) {
    problem = absl::FailedPreconditionError(
        absl::StrCat("topic ", name, ": ", count.status().message()));
  } else if (*count != topics_.partitions) {
    problem = absl::FailedPreconditionError(absl::StrCat(
        "topic ", name, " has ", *count, " partitions, RATHAUS_TOPIC_PARTITIONS says ",
        topics_.partitions, ": a changed partition count breaks the order of each key's events"));
  }
  if (!problem.ok() && problem != topics_.problem) {
    log::Error("topic check failed: not ready", {{"error", problem.ToString()}});
  }
  topics_.problem = problem;
}

bool ServiceKit::EnsureTopicsCreated(absl::Duration timeout) {
  if (!topics_.create || topics_.created) return true;
  const absl::Time now = absl::Now();
  if (now < topics_.next_attempt) return false;
  std::vector<kafka::TopicSpec> topics;
  for (const std::string& name : TopicNames()) {
    topics.push_back({name, topics_.partitions, topics_.replication, topics_.min_insync});
  }
  absl::Status s = kafka::EnsureTopics(config_.kafka_brokers, topics, /*with_dlq=*/true, timeout);
  if (s.ok()) {
    topics_.created = true;
    if (topics_.next_attempt != absl::InfinitePast()) log::Info("topics created", {});
    return true;
  }
  topics_.problem = absl::FailedPreconditionError(
      absl::StrCat("topics not created yet: ", s.message()));
  log::Warn("cannot create topics: not ready, trying again",
            {{"error", s.ToString()},
             {"again_in_ms", absl::ToInt64Milliseconds(topics_.backoff)}});
  topics_.next_attempt = absl::Now() + topics_.backoff;
  topics_.backoff = std::min(topics_.backoff * 2, absl::Seconds(30));
  return false;
}

std::vector<std::string> ServiceKit::TopicNames() const {
  std::vector<std::string> names = {outbox_.topic()};
  for (const auto& [topic, unused] : handlers_) names.push_back(topic);
  return names;
}

absl::Status ServiceKit::Dispatch(const kafka::Event& event) {
  const std::string_view type = event.type();
  auto topic = handlers_.find(event.topic);
  const Handler* handler = nullptr;
  if (topic != handlers_.end()) {
    auto it = topic->second.find(std::string(type));
    if (it != topic->second.end()) handler = &it->second;
  }
  if (handler == nullptr) {
    // A newer producer's type: not ours to understand, and no reason to stall the partition.
    metrics_.Increment("rathaus_events_skipped_total", {{"topic", event.topic}});
    log::Debug("event type without handler skipped",
               {{"topic", event.topic}, {"partition", event.partition}, {"offset", event.offset}});
    return absl::OkStatus();
  }
  if (event.id().empty()) return absl::InvalidArgumentError("event without ce_id");
  const EventContext ce = ContextOf(event);
  absl::Status s = (*handler)(event, ce);
  if (s.ok()) metrics_.Increment("rathaus_events_applied_total", {{"type", std::string(type)}});
  return s;
}

int ServiceKit::Run() {
  if (!CheckConfig()) return 2;
  if (!callers_.configured()) {
    log::Warn("no RATHAUS_CLERK_JWT_PUBLIC_KEY_FILE: every call that needs a verified caller "
              "is refused",
              {});
  }
  // Kafka away at start (a broker restart, a new cluster) is no reason to exit: a pod that exits
  // here would crash-loop while its outbox waits. It runs, not ready, and tries again.
  if (EnsureTopicsCreated(absl::Seconds(10))) {
    // Keys map to partitions by their count: a topic whose count changed (or differs from what
    // this service was configured for) would send one key's events to another partition than
    // before, out of order. The service is not ready until the count matches (checked at start
    // and then by the readiness probe until it does: new metadata takes a moment to appear).
    CheckTopics();
  }
  auto producer = kafka::Producer::Create(config_.producer);
  if (!producer.ok()) {
    log::Error("cannot create the Kafka producer", {{"error", producer.status().ToString()}});
    return 1;
  }
  producer_ = std::move(*producer);
  redis::Pool& pool = redis();

  call_stats_ = std::make_shared<GrpcCallStats>();
  metrics_.AddTextCollector(
      [stats = call_stats_](std::string* out) { stats->Render(out); });
  if (!metrics_listen_.empty()) {
    metrics_.AddCollector([this](metrics::Gauges& g) { CollectGauges(g); });
    metrics_server_ = std::make_unique<metrics::MetricsServer>(metrics_);
    if (absl::Status s = metrics_server_->Start(metrics_listen_); !s.ok()) {
      std::fprintf(stderr, "config: RATHAUS_METRICS_LISTEN: %s\n", std::string(s.message()).c_str());
      return 2;
    }
  }

  relay_ = std::make_unique<outbox::Relay>(pool, *producer_, outbox::RelayOptions{.outbox = &outbox_});
  if (!handlers_.empty()) {
    kafka::ConsumerOptions co;
    co.brokers = config_.kafka_brokers;
    co.group_id = group_;
    for (const auto& [topic, unused] : handlers_) co.topics.push_back(topic);
    co.max_batch = 1;
    co.on_dead_letter = [this](const kafka::Event& e, const absl::Status&) {
      std::string type(e.type());
      auto topic = handlers_.find(e.topic);
      if (topic == handlers_.end() || !topic->second.contains(type)) type = "unknown";
      metrics_.Increment("rathaus_events_dead_lettered_total", {{"type", type}});
      metrics_.Increment("rathaus_dlq_writes_total", {{"topic", e.topic + ".dlq"}});
    };
    if (batch_handler_) {
      co.max_batch = std::max(1, options_.consumer_max_batch);
      consumer_ = std::make_unique<kafka::Consumer>(
          co, producer_.get(), [this](const std::vector<kafka::Event>& events) {
            std::vector<EventContext> contexts;
            contexts.reserve(events.size());
            for (const kafka::Event& e : events) contexts.push_back(ContextOf(e));
            std::vector<absl::Status> out = batch_handler_(events, contexts);
            for (size_t i = 0; i < out.size() && i < events.size(); ++i) {
              if (out[i].ok()) {
                metrics_.Increment("rathaus_events_applied_total",
                                   {{"type", std::string(events[i].type())}});
              }
            }
            return out;
          });
    } else {
      consumer_ = std::make_unique<kafka::Consumer>(
          co, producer_.get(), [this](const kafka::Event& e) { return Dispatch(e); });
    }
  }

  GrpcServer server(name_, server_options_);
  for (grpc::Service* service : services_) server.AddService(service);
  server.AddInterceptor(std::make_unique<GrpcMetricsFactory>(*call_stats_));
  if (check_durability_) {
    // Not ready on a Redis that may lose acknowledged writes or drop keys (durability.h).
    server.AddReadinessProbe("redis", [&pool] {
      absl::Status s = pool.Ping();
      return s.ok() ? redis::CheckDurability(pool) : s;
    });
  } else {
    server.AddReadinessProbe("redis", [&pool] { return pool.Ping(); });
  }
  server.AddReadinessProbe("kafka", [this] { return producer_->Ping(); });
  server.AddReadinessProbe("topics", [this] {
    if (!EnsureTopicsCreated(absl::Seconds(5))) return topics_.problem;
    if (!topics_.problem.ok()) CheckTopics();
    return topics_.problem;
  });
  for (auto& [probe_name, probe] : probes_) server.AddReadinessProbe(probe_name, probe);
  server.OnShutdown([this] {
    for (auto it = jobs_.rbegin(); it != jobs_.rend(); ++it) it->stop();
    if (consumer_) consumer_->Stop();  // after the current record; commits what was applied
    relay_->Stop();
    if (absl::Status s = producer_->Flush(absl::Seconds(10)); !s.ok()) {
      log::Warn("producer flush incomplete", {{"error", s.ToString()}});
    }
    // Records still without a report (a broker away longer than the drains) call back into the
    // relay: let them do so now, while it exists, and not from the producer's destructor after
    // the relay is gone. They stay in the outbox for the next relay.
    producer_->Purge();
    if (metrics_server_) metrics_server_->Stop();
  });
  if (absl::Status s = server.Start(); !s.ok()) {
    log::Error("cannot start the gRPC server", {{"error", s.ToString()}});
    return 1;
  }
  relay_->Start();
  if (consumer_) {
    if (absl::Status s = consumer_->Start(); !s.ok()) {
      log::Error("cannot start the consumer", {{"error", s.ToString()}});
      server.RequestShutdown();
      server.Wait();
      return 1;
    }
  }
  for (Job& job : jobs_) job.start();

  std::vector<std::string> consumed;
  for (const auto& [topic, unused] : handlers_) consumed.push_back(topic);
  std::vector<std::string> details;
  for (const auto& [k, v] : facts_) details.push_back(absl::StrCat(k, "=", v));
  const std::string consumes = absl::StrJoin(consumed, ",");
  const std::string detail_text = absl::StrJoin(details, " ");
  log::Info(absl::StrCat(name_, " serving"),
            {{"port", server.port()},
             {"metrics_port", metrics_server_ ? metrics_server_->port() : 0},
             {"topic", outbox_.topic()},
             {"consumes", consumes},
             {"group", group_},
             {"details", detail_text}});
  server.Wait();
  return 0;
}

}  // namespace rathaus::platform
