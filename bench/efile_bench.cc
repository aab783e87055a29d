// rathaus-bench-efile: the e-file's numbers (issue 17), printed, not asserted.
//   1. Audit log append cost at 10^4 and 10^6 entries: node reads and writes per append and
//      time per append, on the in-memory node store (the algorithm's cost; merkle.h).
//   2. Inclusion proofs per second from the Redis-backed store (Store::InclusionProof, the
//      service's code path without gRPC/HTTP), for a log of --proof-log entries, 2 threads.
//   3. Filing: --events InvoiceReceived events produced to Kafka first, then the real
//      rathaus-e-file started; the time from its start until every event has its Vorgang
//      (read from Redis), so the number is events filed per second by one process.
//   4. Inclusion proofs through the gateway (HTTP, gRPC, the service, Redis): with the filed
//      log still served, a rathaus-gateway in front and wrk (2 threads, 64 connections,
//      --proof-http-seconds) asking for random leaves of the signed tree.
// Needs RATHAUS_REDIS_URL and RATHAUS_KAFKA_BROKERS (scripts/bench-efile.sh starts servers).
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "domain/merkle.h"
#include "rathaus/e_invoice/v1/events.pb.h"
#include "rathaus_efile_domain_embedded.h"
#include "shared/config/platform.h"
#include "shared/crypto/crypto.h"
#include "shared/kafka/admin.h"
#include "shared/kafka/producer.h"
#include "shared/log/log.h"
#include "store.h"
#include "tests/harness/harness.h"

namespace {

namespace platform = rathaus::platform;
namespace efile = rathaus::efile;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Counts node reads and writes of the in-memory store.
void AppendCost(uint64_t n) {
  efile::merkle::MemoryNodes nodes;
  efile::merkle::Tree tree(nodes);
  const std::string leaf = efile::merkle::LeafHash("entry");
  for (uint64_t i = 0; i + 1000 < n; ++i) tree.Append(leaf);
  const size_t reads = nodes.reads(), writes = nodes.writes();
  const auto t0 = Clock::now();
  for (int i = 0; i < 1000; ++i) tree.Append(leaf);
  const auto t1 = Clock::now();
  std::printf("  log of %9llu entries: the last 1,000 appends: %.2f node reads + %.2f node writes "
              "per append (amortised), %.2f us per append\n",
              static_cast<unsigned long long>(n), (nodes.reads() - reads) / 1000.0,
              (nodes.writes() - writes) / 1000.0, Seconds(t0, t1) * 1e6 / 1000);
  // A proof's cost at this size.
  const auto p0 = Clock::now();
  size_t path = 0;
  for (int i = 0; i < 1000; ++i) path += tree.InclusionProof((i * 7919) % n, n)->size();
  const auto p1 = Clock::now();
  std::printf("                            inclusion proof: %.1f hashes, %.2f us (in memory)\n",
              path / 1000.0, Seconds(p0, p1) * 1e6 / 1000);
}

// 4. A gateway in front of the running e-file; wrk asks for inclusion proofs of random leaves.
void ProofsThroughGateway(int efile_port, int64_t seconds) {
  const int http_port = rathaus::testing::FreePort();
  rathaus::testing::Child gateway(
      rathaus::testing::BinaryDir() + "/../gateway/rathaus-gateway", {},
      {{"RATHAUS_REDIS_URL", std::getenv("RATHAUS_REDIS_URL")},
       {"RATHAUS_HTTP_LISTEN", absl::StrCat("127.0.0.1:", http_port)},
       {"RATHAUS_E_FILE_ADDR", absl::StrCat("127.0.0.1:", efile_port)},
       {"RATHAUS_GATEWAY_PROFILE", "bench"},  // no rate limit for loopback
       {"RATHAUS_LOG_LEVEL", "warn"}});
  const std::string base = absl::StrCat("http://127.0.0.1:", http_port);
  // The newest signed head (signed every second here) names the tree size to ask within.
  int64_t leaves = 0;
  for (int i = 0; i < 100 && leaves <= 0; ++i) {
    const std::string head = rathaus::testing::RunTool(
        absl::StrCat("curl -s ", base, "/api/v1/audit/tree-head"));
    const size_t at = head.find("\"treeSize\":\"");
    if (at != std::string::npos) (void)absl::SimpleAtoi(head.substr(at + 12, head.find('"', at + 12) - at - 12), &leaves);
    if (leaves <= 0) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (leaves <= 0) {
    std::printf("4. inclusion proofs through the gateway: no signed tree head (not measured)\n");
    return;
  }
  const std::string bench_dir = absl::StrCat(RATHAUS_SOURCE_DIR, "/bench");
  const std::string result = rathaus::testing::RunTool(absl::StrCat(
      "BENCH_DIR=", bench_dir, "/http PROOF_LEAVES=", leaves, " SCENARIO=proofs wrk -t2 -c64 -d",
      seconds, "s -s ", bench_dir, "/efile/proof.lua ", base, " 2>&1 | grep '^RESULT'"));
  // RESULT <scenario> <requests> <req/s> <p50 ms> <p99 ms> <max ms> <statuses> errors=<n>
  const std::vector<std::string> f = absl::StrSplit(absl::StripTrailingAsciiWhitespace(result), ' ');
  if (f.size() < 9) {
    std::printf("4. inclusion proofs through the gateway: wrk gave no result (%s)\n", result.c_str());
    return;
  }
  std::printf("4. inclusion proofs through the gateway (HTTP -> gRPC -> e-file -> Redis; wrk 2 "
              "threads, 64 connections, %llds, random leaves of a signed tree of %lld): %s proofs/s, "
              "p50 %s ms, p99 %s ms, statuses %s %s\n",
              static_cast<long long>(seconds), static_cast<long long>(leaves), f[3].c_str(),
              f[4].c_str(), f[5].c_str(), f[7].c_str(), f[8].c_str());
}

}  // namespace

int main(int argc, char** argv) {
  int64_t events = 50000, proof_log = 100000, proof_seconds = 5, proof_http_seconds = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    int64_t v = 0;
    if (!absl::SimpleAtoi(argv[i + 1], &v)) return 2;
    const std::string flag = argv[i];
    if (flag == "--events") events = v;
    else if (flag == "--proof-log") proof_log = v;
    else if (flag == "--proof-seconds") proof_seconds = v;
    else if (flag == "--proof-http-seconds") proof_http_seconds = v;
    else return 2;
  }
  platform::EnvConfig env;
  platform::PlatformConfig config = platform::PlatformConfig::FromEnv(env, "bench");
  env.ExitOnError();
  platform::log::Init("bench", platform::log::Level::kWarn);
  std::printf("e-file bench (issue 17), %s\n", absl::FormatTime(absl::Now()).c_str());

  std::printf("1. audit log append cost (RFC 9162 tree over perfect-subtree nodes):\n");
  AppendCost(10000);
  AppendCost(1000000);

  // 2. Proofs from Redis.
  platform::redis::Options ropts = config.redis;
  ropts.pool_size = 8;
  platform::redis::Pool pool(ropts);
  auto plan = efile::ParseAktenplan(rathaus::efile::embedded::kKiel);
  const std::string prefix = rathaus::testing::UniqueName("efile-bench") + ":";
  platform::outbox::Outbox outbox("e-file", prefix);
  platform::BlobStore blobs("/tmp/" + prefix.substr(0, prefix.size() - 1) + "-blobs");
  (void)blobs.Open();
  efile::Store store(pool, outbox, blobs, *plan, efile::StoreOptions{.key_prefix = prefix});
  {
    std::vector<std::vector<std::string>> push;
    for (int64_t i = 0; i < proof_log; ++i) {
      push.push_back({"RPUSH", prefix + "audit:entries",
                      absl::StrCat("{\"time\":\"2026-12-05T10:00:00Z\",\"action\":\"FILED\",\"n\":", i, "}")});
      if (push.size() == 5000) {
        (void)pool.Pipeline(push);
        push.clear();
      }
    }
    if (!push.empty()) (void)pool.Pipeline(push);
    const auto t0 = Clock::now();
    int64_t done = 0;
    for (;;) {
      auto n = store.Integrate();
      if (!n.ok() || *n == 0) break;
      done += *n;
    }
    const auto t1 = Clock::now();
    std::printf("2. integrating %lld entries into the tree in Redis: %.2f s (%.0f entries/s)\n",
                static_cast<long long>(done), Seconds(t0, t1), done / Seconds(t0, t1));
  }
  {
    std::atomic<int64_t> proofs{0};
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    const auto t0 = Clock::now();
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back([&, t] {
        uint64_t i = static_cast<uint64_t>(t) * 7919;
        while (!stop.load()) {
          i = (i * 6364136223846793005ull + 1442695040888963407ull);
          auto p = store.InclusionProof(i % static_cast<uint64_t>(proof_log),
                                        static_cast<uint64_t>(proof_log));
          if (p.ok()) proofs.fetch_add(1);
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::seconds(proof_seconds));
    stop = true;
    for (auto& t : threads) t.join();
    const auto t1 = Clock::now();
    std::printf("   inclusion proofs for a log of %lld entries, 2 threads, %llds: %.0f proofs/s "
                "(nodes cached in the process after the first reads; no gRPC/HTTP in this number)\n",
                static_cast<long long>(proof_log), static_cast<long long>(proof_seconds),
                proofs.load() / Seconds(t0, t1));
  }
  std::vector<std::vector<std::string>> cleanup = {
      {"DEL", prefix + "audit:entries", prefix + "audit:nodes", prefix + "audit:byhash",
       prefix + "audit:size"}};
  (void)pool.Pipeline(cleanup);

  // 3. Filing by the real service.
  if (events > 0) {
    const std::string topic = "rathaus.e-invoice.v1";
    if (auto st = platform::kafka::EnsureTopics(config.kafka_brokers, {{topic, 3}}, true); !st.ok()) {
      std::fprintf(stderr, "cannot create topics: %s\n", st.ToString().c_str());
      return 1;
    }
    auto producer = platform::kafka::Producer::Create({.brokers = config.kafka_brokers});
    if (!producer.ok()) return 1;
    const std::string run = rathaus::testing::UniqueName("fb");
    for (int64_t i = 0; i < events; ++i) {
      rathaus::e_invoice::v1::InvoiceReceived r;
      const std::string id = absl::StrCat(run, "-", i);
      r.set_invoice_id(id);
      r.set_invoice_number(absl::StrCat("RE-", i));
      r.set_seller_name("Bench GmbH");
      platform::kafka::Record rec;
      rec.topic = topic;
      rec.key = id;
      rec.value = r.SerializeAsString();
      rec.headers = {{"ce_specversion", "1.0"}, {"ce_id", platform::crypto::NewUuid()},
                     {"ce_source", "/rathaus/e-invoice"},
                     {"ce_type", "rathaus.e_invoice.v1.InvoiceReceived"},
                     {"ce_time", "2026-12-05T10:00:00Z"}, {"ce_subject", id},
                     {"content-type", "application/protobuf"}};
      (*producer)->Send(rec, [](absl::Status) {});
    }
    if (!(*producer)->Flush(absl::Seconds(120)).ok()) return 1;
    const std::string key = "/tmp/" + run + "-audit";
    std::system(absl::StrCat(rathaus::testing::BinaryDir(), "/../gateway/rathaus-dev-token keygen ",
                             key, ".pem ", key, ".pub").c_str());
    // Each event opens a Vorgang of item 20.30 (fresh servers: only this run's): one ZCARD, so
    // counting costs Redis nothing measurable.
    auto counted = [&] {
      auto r = pool.Command({"ZCARD", "efile:list:20.30"});
      return r.ok() ? r->integer : int64_t{-1};
    };
    const auto t0 = Clock::now();
    const int grpc_port = rathaus::testing::FreePort();
    rathaus::testing::Child service(
        rathaus::testing::BinaryDir() + "/../services/e-file/rathaus-e-file", {},
        {{"RATHAUS_REDIS_URL", absl::StrCat("redis://", config.redis.host, ":", config.redis.port)},
         {"RATHAUS_KAFKA_BROKERS", config.kafka_brokers},
         {"RATHAUS_GRPC_LISTEN", absl::StrCat("127.0.0.1:", grpc_port)},
         {"RATHAUS_EFILE_TREE_HEAD_INTERVAL", "1s"},
         {"RATHAUS_EFILE_BLOB_DIR", "/tmp/" + run + "-blobs"},
         {"RATHAUS_EFILE_SIGNING_KEY_FILE", key + ".pem"},
         {"RATHAUS_ENV", "development"},
         {"RATHAUS_LOG_LEVEL", "warn"}});
    int64_t filed = 0;
    Clock::time_point first = Clock::time_point::max(), done = Clock::now();
    while (Seconds(t0, Clock::now()) < 600) {
      filed = counted();
      if (filed > 0 && first == Clock::time_point::max()) first = Clock::now();
      if (filed >= events) {
        done = Clock::now();
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    if (filed >= events && proof_http_seconds > 0) ProofsThroughGateway(grpc_port, proof_http_seconds);
    service.Kill(SIGTERM);
    service.Wait(absl::Seconds(30));
    std::system(absl::StrCat("rm -rf /tmp/", run, "-blobs ", key, ".pem ", key, ".pub").c_str());
    if (filed < events) {
      std::printf("3. filing: only %lld of %lld events filed in 600 s\n",
                  static_cast<long long>(filed), static_cast<long long>(events));
    } else {
      std::printf("3. filing %lld InvoiceReceived events (each a CloudEvents JSON document: blob "
                  "written with fsync, one Lua script) by one rathaus-e-file: %.1f s from start "
                  "(%.1f s from the first filed) = %.0f events/s (%.0f/s after start-up)\n",
                  static_cast<long long>(events), Seconds(t0, done), Seconds(first, done),
                  events / Seconds(t0, done), events / Seconds(first, done));
    }
  }
  return 0;
}
