// The e-file is SIGKILLed while 10,000 invoice events are filed. After a restart every event is
// filed exactly once (one Vorgang per invoice with one document, one FILED audit entry each; read
// back from Redis, not from the consumer's bookkeeping), and the audit log only grew: a
// consistency proof from the head signed before the crash to the head after it verifies against
// the public key.
#include <gtest/gtest.h>

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "domain/tree_head.h"
#include "rathaus/e_invoice/v1/events.pb.h"
#include "rathaus_efile_domain_embedded.h"
#include "shared/crypto/crypto.h"
#include "shared/kafka/admin.h"
#include "shared/kafka/producer.h"
#include "shared/redis/redis.h"
#include "store.h"
#include "tests/harness/harness.h"

namespace rathaus::testing {
namespace {

using platform::kafka::Producer;
using platform::kafka::Record;

constexpr int kEvents = 10000;
constexpr char kTopic[] = "rathaus.e-invoice.v1";

Record Received(const std::string& run, int i) {
  e_invoice::v1::InvoiceReceived received;
  const std::string id = absl::StrCat(run, "-inv-", i);
  received.set_invoice_id(id);
  received.set_invoice_number(absl::StrCat("RE-", i));
  received.set_seller_name("Crash Test GmbH");
  Record r;
  r.topic = kTopic;
  r.key = id;
  r.value = received.SerializeAsString();
  r.headers = {{"ce_specversion", "1.0"},
               {"ce_id", platform::crypto::NewUuid()},
               {"ce_source", "/rathaus/e-invoice"},
               {"ce_type", "rathaus.e_invoice.v1.InvoiceReceived"},
               {"ce_time", "2026-12-05T10:00:00Z"},
               {"ce_subject", id},
               {"content-type", "application/protobuf"}};
  return r;
}

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(EFileCrashTest, KilledWhileFilingEveryRecordOnceAndTheLogOnlyGrew) {
  const Servers& servers = SharedServers();
  platform::redis::Pool pool(*platform::redis::Options::FromUrl(servers.redis_url));
  ASSERT_TRUE(platform::kafka::EnsureTopics(servers.kafka_brokers, {{kTopic, 3}}, true).ok());
  auto producer = Producer::Create({.brokers = servers.kafka_brokers});
  ASSERT_TRUE(producer.ok());
  const std::string run = UniqueName("crash");
  const std::string key = absl::StrCat("/tmp/", run, "-audit");
  RunTool(absl::StrCat(BinaryDir(), "/../gateway/rathaus-dev-token keygen ", key, ".pem ", key, ".pub"));
  const std::string blob_dir = absl::StrCat("/tmp/", run, "-blobs");

  auto start = [&] {
    return std::make_unique<Child>(
        BinaryDir() + "/../services/e-file/rathaus-e-file", std::vector<std::string>{},
        std::map<std::string, std::string>{{"RATHAUS_REDIS_URL", servers.redis_url},
                                           {"RATHAUS_KAFKA_BROKERS", servers.kafka_brokers},
                                           {"RATHAUS_GRPC_LISTEN", "127.0.0.1:0"},
                                           {"RATHAUS_EFILE_BLOB_DIR", blob_dir},
                                           {"RATHAUS_EFILE_SIGNING_KEY_FILE", key + ".pem"},
                                           {"RATHAUS_EFILE_INTEGRATE_INTERVAL", "50ms"},
                                           {"RATHAUS_EFILE_TREE_HEAD_INTERVAL", "1s"},
                                           {"RATHAUS_ENV", "development"},
                                           {"RATHAUS_LOG_LEVEL", "warn"}});
  };
  // How many of this run's invoices have their Vorgang.
  auto filed = [&] {
    std::vector<std::vector<std::string>> commands;
    for (int i = 0; i < kEvents; ++i) {
      commands.push_back({"EXISTS", absl::StrCat("efile:src:e-invoice:", run, "-inv-", i)});
    }
    auto r = pool.Pipeline(commands);
    int n = 0;
    if (!r.ok()) return -1;
    for (const auto& e : *r) n += e.ok() ? static_cast<int>(e->integer) : 0;
    return n;
  };
  auto head = [&] {
    e_file::v1::SignedTreeHead sth;
    auto r = pool.Command({"GET", "efile:audit:sth"});
    if (r.ok() && !r->is_nil()) sth.ParseFromString(r->str);
    return sth;
  };

  auto service = start();
  std::thread produce([&] {
    for (int i = 0; i < kEvents; ++i) {
      (*producer)->Send(Received(run, i), [](absl::Status) {});
      if (i % 200 == 199) absl::SleepFor(absl::Milliseconds(100));  // about 2,000 events/s
    }
    EXPECT_TRUE((*producer)->Flush(absl::Seconds(60)).ok());
  });
  ASSERT_TRUE(WaitFor([&] { return filed() >= 1500; }, absl::Seconds(120))) << service->Stderr();
  // A head signed while the filing runs: the one the log must extend after the crash.
  absl::SleepFor(absl::Milliseconds(1200));
  const e_file::v1::SignedTreeHead before = head();
  service->Kill(SIGKILL);
  service->Wait(absl::Seconds(10));
  const int at_kill = filed();
  std::cout << "e-file killed with " << at_kill << " of " << kEvents << " invoices filed; head "
            << before.tree_size() << "\n";
  EXPECT_LT(at_kill, kEvents) << "all filed before the kill: the test proved nothing";
  ASSERT_GT(before.tree_size(), 0u);
  produce.join();

  service = start();
  ASSERT_TRUE(WaitFor([&] { return filed() == kEvents; }, absl::Seconds(240)))
      << filed() << " of " << kEvents << "\n" << service->Stderr();
  // Every invoice: one Vorgang with one document.
  std::vector<std::vector<std::string>> commands;
  for (int i = 0; i < kEvents; ++i) {
    commands.push_back({"GET", absl::StrCat("efile:src:e-invoice:", run, "-inv-", i)});
  }
  auto vorgaenge = pool.Pipeline(commands);
  ASSERT_TRUE(vorgaenge.ok());
  std::set<std::string> aktenzeichen;
  commands.clear();
  for (const auto& v : *vorgaenge) {
    ASSERT_TRUE(v.ok());
    aktenzeichen.insert(v->str);
    commands.push_back({"HGET", absl::StrCat("efile:v:", v->str), "docs"});
  }
  EXPECT_EQ(aktenzeichen.size(), static_cast<size_t>(kEvents)) << "an Aktenzeichen given twice";
  auto docs = pool.Pipeline(commands);
  ASSERT_TRUE(docs.ok());
  int wrong = 0;
  for (const auto& d : *docs) wrong += (!d.ok() || d->str != "1") ? 1 : 0;
  EXPECT_EQ(wrong, 0) << "Vorgänge without exactly one document";

  // The audit log has one FILED entry per document of this run, and it is all integrated and
  // signed (wait for the head to cover it).
  auto entries = pool.Command({"LRANGE", "efile:audit:entries", "0", "-1"});
  ASSERT_TRUE(entries.ok());
  int this_run = 0;
  for (const auto& e : entries->elements) {
    const size_t at = e.str.find("\"aktenzeichen\":\"");
    if (at == std::string::npos || !absl::StrContains(e.str, "\"action\":\"FILED\"")) continue;
    const size_t from = at + 16;
    const std::string az = e.str.substr(from, e.str.find('"', from) - from);
    if (aktenzeichen.count(az.substr(0, az.rfind('-')))) ++this_run;
  }
  EXPECT_EQ(this_run, kEvents);
  const uint64_t total = entries->elements.size();
  ASSERT_TRUE(WaitFor([&] { return head().tree_size() >= total; }, absl::Seconds(60)));
  const e_file::v1::SignedTreeHead after = head();

  // The head from before the crash is a prefix of the one after it.
  auto plan = efile::ParseAktenplan(efile::embedded::kKiel);
  ASSERT_TRUE(plan.ok());
  platform::outbox::Outbox outbox("e-file", "efile:");
  platform::BlobStore blobs(blob_dir);
  efile::Store store(pool, outbox, blobs, *plan);
  auto proof = store.ConsistencyProof(before.tree_size(), after.tree_size());
  ASSERT_TRUE(proof.ok()) << proof.status();
  e_file::v1::ConsistencyProof p;
  p.set_first(before.tree_size());
  p.set_second(after.tree_size());
  for (const std::string& node : *proof) p.add_path(platform::crypto::Hex(node));
  const std::string pub = Read(key + ".pub");
  EXPECT_TRUE(efile::VerifyConsistencyAgainst(pub, before, after, p).ok())
      << efile::VerifyConsistencyAgainst(pub, before, after, p);

  service->Kill(SIGTERM);
  EXPECT_EQ(service->Wait(absl::Seconds(30)), 0) << service->Stderr();
  EXPECT_EQ(service->Stderr().find("dead-letter topic"), std::string::npos) << service->Stderr();
  std::filesystem::remove_all(blob_dir);
}

}  // namespace
}  // namespace rathaus::testing
