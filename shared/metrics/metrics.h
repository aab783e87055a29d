// Prometheus metrics of a service process: counters and latency histograms kept in memory,
// gauges computed when scraped, served as text (exposition format 0.0.4) by MetricsServer on
// RATHAUS_METRICS_LISTEN.
//
//   metrics::Registry registry;
//   registry.Describe("rathaus_events_applied_total", "counter", "Events applied, by type.");
//   registry.Increment("rathaus_events_applied_total", {{"type", "rathaus.x.v1.Pinged"}});
//   registry.Observe("rathaus_grpc_server_handling_seconds", {{"method", m}}, 0.0021);
//   registry.AddCollector([&](metrics::Gauges& g) { g.Set("rathaus_outbox_depth", {}, depth); });
//   metrics::MetricsServer server(registry);
//   server.Start("127.0.0.1:9101");
//
// Label values must come from fixed sets (method names, event types the service knows, status
// codes), never from request data: every distinct value is a series kept for the process's life.
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace rathaus::platform::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

// Gauges written by a collector at scrape time.
class Gauges {
 public:
  void Set(std::string_view name, const Labels& labels, double value);

 private:
  friend class Registry;
  std::vector<std::tuple<std::string, std::string, double>> values_;  // name, labels, value
};

class Registry {
 public:
  static constexpr std::array<double, 14> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  // `type` is "counter", "gauge" or "histogram". Undescribed names are exposed untyped.
  void Describe(std::string name, std::string type, std::string help);
  void Increment(std::string_view name, const Labels& labels, double by = 1);
  // A histogram observation in seconds (kBuckets).
  void Observe(std::string_view name, const Labels& labels, double seconds);
  // Runs at every scrape, outside the registry's lock; must be thread-safe and quick.
  void AddCollector(std::function<void(Gauges&)> collector);
  // Appends whole metric families in text format at every scrape (for hot-path counters kept
  // in atomics by their owner).
  void AddTextCollector(std::function<void(std::string*)> collector);

  std::string Text() const;

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};  // per bucket, not cumulative
    uint64_t count = 0;
    double sum = 0;
  };
  struct Family {
    std::string type;
    std::string help;
    std::map<std::string, double> values;         // rendered labels -> value
    std::map<std::string, Histogram> histograms;  // rendered labels -> histogram
  };
  mutable std::mutex mu_;
  std::map<std::string, Family, std::less<>> families_;
  std::vector<std::function<void(Gauges&)>> collectors_;
  std::vector<std::function<void(std::string*)>> text_collectors_;
};

// `{a="x",b="y"}` with Prometheus escaping; "" for no labels.
std::string RenderLabels(const Labels& labels);

// Serves GET /metrics (and nothing else) over plain HTTP/1.1 on its own thread.
class MetricsServer {
 public:
  explicit MetricsServer(const Registry& registry) : registry_(registry) {}
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // host:port (port 0 picks a free one).
  absl::Status Start(const std::string& listen);
  void Stop();
  int port() const { return port_; }

 private:
  void Loop();
  void Serve(int fd);

  const Registry& registry_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace rathaus::platform::metrics
