// The event path end to end on real servers: outbox write (Lua script) -> relay -> Kafka ->
// consumer group -> inbox-guarded apply (Lua script). Prints measured numbers and settings.
//
//   rathaus-bench-events [--events N] [--rate R] [--seconds S] [--linger-ms L] [--consumers C]
//                        [--batch B] [--writers W]
// Phase 1 (throughput): N events written as fast as the writers can, while the relay and the
//   consumers run; events/s = N / (last applied - first written).
// Phase 2 (latency): R events/s for S seconds, one event per script call; latency = time
//   applied - time written (both on this machine's clock), p50/p90/p99/max.
// Needs RATHAUS_REDIS_URL and RATHAUS_KAFKA_BROKERS (scripts/bench.sh starts fresh servers).
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "rathaus/testing/v1/events.pb.h"
#include "shared/config/config.h"
#include "shared/config/platform.h"
#include "shared/kafka/admin.h"
#include "shared/kafka/consumer.h"
#include "shared/kafka/producer.h"
#include "shared/outbox/outbox.h"
#include "shared/outbox/relay.h"
#include "tests/harness/events.h"
#include "tests/harness/harness.h"

namespace {

namespace platform = rathaus::platform;

struct Settings {
  int64_t events = 100000;
  int rate = 1000;
  int seconds = 15;
  int linger_ms = 1;
  int consumers = 3;
  int consumer_batch = 500;
  int batch = 10;  // events per outbox script call in the throughput phase
  int writers = 2;
};

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

class Latencies {
 public:
  void Add(int64_t micros) {
    std::lock_guard lock(mu_);
    values_.push_back(micros);
  }
  void Clear() {
    std::lock_guard lock(mu_);
    values_.clear();
  }
  double Percentile(double p) {
    std::lock_guard lock(mu_);
    if (values_.empty()) return 0;
    std::sort(values_.begin(), values_.end());
    size_t i = std::min(values_.size() - 1, static_cast<size_t>(p / 100.0 * values_.size()));
    return values_[i] / 1000.0;
  }
  size_t size() {
    std::lock_guard lock(mu_);
    return values_.size();
  }

 private:
  std::mutex mu_;
  std::vector<int64_t> values_;
};

bool Flag(int argc, char** argv, int& i, const char* name, int64_t* out) {
  if (std::string(argv[i]) != name || i + 1 >= argc) return false;
  if (!absl::SimpleAtoi(argv[++i], out)) {
    std::fprintf(stderr, "%s: expected a number\n", name);
    std::exit(2);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  for (int i = 1; i < argc; ++i) {
    int64_t v = 0;
    if (Flag(argc, argv, i, "--events", &v)) s.events = v;
    else if (Flag(argc, argv, i, "--rate", &v)) s.rate = static_cast<int>(v);
    else if (Flag(argc, argv, i, "--seconds", &v)) s.seconds = static_cast<int>(v);
    else if (Flag(argc, argv, i, "--linger-ms", &v)) s.linger_ms = static_cast<int>(v);
    else if (Flag(argc, argv, i, "--consumers", &v)) s.consumers = static_cast<int>(v);
    else if (Flag(argc, argv, i, "--batch", &v)) s.batch = static_cast<int>(v);
    else if (Flag(argc, argv, i, "--consumer-batch", &v)) s.consumer_batch = static_cast<int>(v);
    else if (Flag(argc, argv, i, "--writers", &v)) s.writers = static_cast<int>(std::max<int64_t>(1, v));
    else {
      std::fprintf(stderr, "usage: rathaus-bench-events [--events N] [--rate R] [--seconds S] "
                           "[--linger-ms L] [--consumers C] [--batch B] [--consumer-batch M] "
                           "[--writers W]\n");
      return 2;
    }
  }
  platform::EnvConfig env;
  platform::PlatformConfig config = platform::PlatformConfig::FromEnv(env, "bench");
  env.ExitOnError();
  platform::log::Init("bench", platform::log::Level::kWarn);

  const std::string run = rathaus::testing::UniqueName("bench");
  platform::outbox::Outbox outbox(run, run + ":");
  if (auto st = platform::kafka::EnsureTopics(config.kafka_brokers, {{outbox.topic(), 3}}, true);
      !st.ok()) {
    std::fprintf(stderr, "cannot create topics: %s\n", st.ToString().c_str());
    return 1;
  }
  platform::redis::Options ropts = config.redis;
  ropts.pool_size = 16;
  platform::redis::Pool pool(ropts);
  config.producer.linger_ms = s.linger_ms;
  auto producer = platform::kafka::Producer::Create(config.producer);
  if (!producer.ok()) return 1;

  std::printf("== rathaus event path benchmark ==\n");
  std::printf("machine: %u cores, %s; Redis, Kafka, relay, consumers and writers all on this box\n",
              std::thread::hardware_concurrency(), CpuModel().c_str());
  std::printf("settings: producer acks=all idempotent linger.ms=%d compression=lz4; topic 3 "
              "partitions; %d consumers in one group (cooperative-sticky); apply = 1 Lua script "
              "per event with inbox, up to %d scripts pipelined per round trip\n",
              s.linger_ms, s.consumers, s.consumer_batch);

  platform::outbox::Relay relay(pool, **producer, {.outbox = &outbox});
  relay.Start();
  const std::string group = run + "-group";
  rathaus::testing::PingApplier applier(pool, run + ":c:", group);
  std::atomic<int64_t> applied{0};
  std::atomic<int64_t> last_applied_micros{0};
  Latencies latencies;
  std::atomic<bool> measure_latency{false};
  std::vector<std::unique_ptr<platform::kafka::Consumer>> consumers;
  for (int i = 0; i < s.consumers; ++i) {
    consumers.push_back(std::make_unique<platform::kafka::Consumer>(
        platform::kafka::ConsumerOptions{.brokers = config.kafka_brokers, .group_id = group,
                                         .topics = {outbox.topic()},
                                         .max_batch = s.consumer_batch},
        producer->get(),
        platform::kafka::Consumer::BatchHandler([&](const std::vector<platform::kafka::Event>& events) {
          std::vector<absl::Status> results = applier.ApplyBatch(events);
          int64_t now = absl::ToUnixMicros(absl::Now());
          for (size_t i = 0; i < events.size(); ++i) {
            if (!results[i].ok()) continue;
            applied.fetch_add(1);
            if (measure_latency.load()) {
              rathaus::testing::v1::Pinged ping;
              ping.ParseFromString(events[i].value);
              latencies.Add(now - ping.created_unix_micros());
            }
          }
          last_applied_micros = now;
          return results;
        })));
    if (!consumers.back()->Start().ok()) return 1;
  }
  // Warm up: wait until the group has its partitions and one event went all the way.
  (void)rathaus::testing::FillOutbox(pool, outbox, 0, 1, 1);
  while (applied.load() < 1) absl::SleepFor(absl::Milliseconds(10));
  absl::SleepFor(absl::Seconds(1));
  applied = 0;

  // Phase 1: throughput.
  absl::Time start = absl::Now();
  std::vector<std::thread> writers;
  const int64_t per_writer = s.events / s.writers;
  for (int w = 0; w < s.writers; ++w) {
    writers.emplace_back([&, w] {
      (void)rathaus::testing::FillOutbox(pool, outbox, 1 + w * per_writer, per_writer, 1000,
                                         s.batch, absl::StrCat("w", w, "-"));
    });
  }
  for (auto& t : writers) t.join();
  absl::Time written = absl::Now();
  const int64_t total = per_writer * s.writers;
  while (applied.load() < total && absl::Now() - start < absl::Minutes(5)) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  double secs = absl::ToDoubleSeconds(absl::FromUnixMicros(last_applied_micros.load()) - start);
  std::printf("\n-- throughput: %lld events, %d writer threads, %d events per outbox script call\n",
              static_cast<long long>(total), s.writers, s.batch);
  std::printf("written to outbox in %.2f s (%.0f events/s)\n",
              absl::ToDoubleSeconds(written - start), total / absl::ToDoubleSeconds(written - start));
  std::printf("applied %lld in %.2f s: %.0f events/s outbox-write -> consumer-applied "
              "(target >= 20000)\n",
              static_cast<long long>(applied.load()), secs, applied.load() / secs);

  // Phase 2: latency at a fixed rate, one event per script call.
  absl::SleepFor(absl::Seconds(1));
  latencies.Clear();
  measure_latency = true;
  const int64_t n = static_cast<int64_t>(s.rate) * s.seconds;
  absl::Time t0 = absl::Now();
  for (int64_t i = 0; i < n; ++i) {
    absl::Time due = t0 + absl::Seconds(1) * i / s.rate;
    absl::Time now = absl::Now();
    if (due > now) absl::SleepFor(due - now);
    (void)rathaus::testing::FillOutbox(pool, outbox, total + 1 + i, 1, 1000, 1, "lat-");
  }
  absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (latencies.size() < static_cast<size_t>(n) && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  std::printf("\n-- latency: %d events/s for %d s (%lld events, %zu measured)\n", s.rate,
              s.seconds, static_cast<long long>(n), latencies.size());
  std::printf("outbox write -> consumer applied: p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms "
              "(target p99 <= 20 ms)\n",
              latencies.Percentile(50), latencies.Percentile(90), latencies.Percentile(99),
              latencies.Percentile(100));
  auto tally = applier.Count();
  if (tally.ok()) {
    std::printf("\ncheck: %lld distinct applied, %lld applied twice, %lld order violations\n",
                static_cast<long long>(tally->distinct), static_cast<long long>(tally->applied_twice),
                static_cast<long long>(tally->order_violations));
  }
  for (auto& c : consumers) c->Stop();
  relay.Stop();
  return 0;
}
