// registrations -> id-documents: AddressChanged names the citizen's ID documents by a keyed hash
// of their serial numbers; id-documents makes one "address sticker due" task per document. The
// real id-documents service is SIGKILLed while 3,000 AddressChanged events stream in; after a
// restart every document has exactly one task (read back from Redis: the office's sticker list
// and each application's flag, not the consumer's bookkeeping) and nothing was dead-lettered.
// The hashes use a shared lookup key (RATHAUS_SERIAL_LOOKUP_KEY_FILE), not the data keys.
#include <gtest/gtest.h>

#include <signal.h>

#include <fstream>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "rathaus/registrations/v1/events.pb.h"
#include "shared/crypto/crypto.h"
#include "shared/crypto/personal_data.h"
#include "shared/kafka/admin.h"
#include "shared/kafka/producer.h"
#include "shared/redis/redis.h"
#include "tests/harness/harness.h"

namespace rathaus::testing {
namespace {

using platform::kafka::Producer;
using platform::kafka::Record;

constexpr int kEvents = 3000;
constexpr char kTopic[] = "rathaus.registrations.v1";

Record Changed(const std::string& prefix, int i, const std::string& hash) {
  registrations::v1::AddressChanged changed;
  const std::string registration = absl::StrCat(prefix, "-reg-", i);
  changed.set_registration_id(registration);
  changed.set_office("kiel-mitte");
  changed.set_municipality_key("01002000");
  changed.set_moved_on("2026-12-01");
  changed.add_id_document_hashes(hash);
  Record r;
  r.topic = kTopic;
  r.key = registration;
  r.value = changed.SerializeAsString();
  r.headers = {{"ce_specversion", "1.0"},
               {"ce_id", platform::crypto::NewUuid()},
               {"ce_source", "/rathaus/registrations"},
               {"ce_type", "rathaus.registrations.v1.AddressChanged"},
               {"ce_time", "2026-12-05T10:00:00Z"},
               {"ce_subject", registration},
               {"content-type", "application/protobuf"}};
  return r;
}

std::string WriteFile(const std::string& content) {
  const std::string path = absl::StrCat("/tmp/", UniqueName("sticker-test"));
  std::ofstream(path) << content;
  return path;
}

TEST(AddressStickerTest, IdDocumentsKilledWhileAddressChangesFlowMakesEveryTaskOnce) {
  const Servers& servers = SharedServers();
  platform::redis::Pool pool(*platform::redis::Options::FromUrl(servers.redis_url));
  ASSERT_TRUE(platform::kafka::EnsureTopics(servers.kafka_brokers, {{kTopic, 3}}, true).ok());
  auto producer = Producer::Create({.brokers = servers.kafka_brokers});
  ASSERT_TRUE(producer.ok());
  // The office name is this run's own, so its sticker list holds this run's tasks only.
  const std::string office = UniqueName("st");
  const std::string data_keys = WriteFile(platform::crypto::NewDataKeysFile());
  const std::string shared_key = platform::crypto::Hex(platform::crypto::RandomBytes(32));
  const std::string serial_key_file = WriteFile(shared_key + "\n");
  auto lookup = platform::crypto::SharedLookup::Parse(shared_key);
  ASSERT_TRUE(lookup.ok()) << lookup.status();

  // 3,000 applications as id-documents stores them (only what the task needs: the serial's
  // lookup entry and the application's office).
  std::vector<std::string> ids, hashes;
  std::vector<std::vector<std::string>> writes;
  for (int i = 0; i < kEvents; ++i) {
    ids.push_back(platform::crypto::NewUuid());
    hashes.push_back(lookup->Lookup(absl::StrCat("serial:", office, i)));
    writes.push_back({"SET", absl::StrCat("idd:serial:", hashes.back()), ids.back()});
    writes.push_back({"HSET", absl::StrCat("idd:app:", ids.back()), "office", office, "status",
                      "HANDED_OVER"});
  }
  ASSERT_TRUE(pool.Pipeline(writes).ok());

  auto start = [&] {
    return std::make_unique<Child>(
        BinaryDir() + "/../services/id-documents/rathaus-id-documents", std::vector<std::string>{},
        std::map<std::string, std::string>{{"RATHAUS_REDIS_URL", servers.redis_url},
                                           {"RATHAUS_KAFKA_BROKERS", servers.kafka_brokers},
                                           {"RATHAUS_GRPC_LISTEN", "127.0.0.1:0"},
                                           {"RATHAUS_DATA_KEYS_FILE", data_keys},
                                           {"RATHAUS_SERIAL_LOOKUP_KEY_FILE", serial_key_file},
                                           {"RATHAUS_ENV", "development"},
                                           {"RATHAUS_LOG_LEVEL", "warn"}});
  };
  auto tasks = [&] {
    auto r = pool.Command({"ZCARD", absl::StrCat("idd:stickers:", office)});
    return r.ok() ? static_cast<int>(r->integer) : -1;
  };

  auto service = start();
  std::thread produce([&] {
    for (int i = 0; i < kEvents; ++i) {
      (*producer)->Send(Changed(office, i, hashes[i]), [](absl::Status) {});
      if (i % 100 == 99) absl::SleepFor(absl::Milliseconds(100));  // about 1,000 events/s
    }
    EXPECT_TRUE((*producer)->Flush(absl::Seconds(60)).ok());
  });
  ASSERT_TRUE(WaitFor([&] { return tasks() >= 500; }, absl::Seconds(120))) << service->Stderr();
  service->Kill(SIGKILL);
  service->Wait(absl::Seconds(10));
  const int at_kill = tasks();
  std::cout << "id-documents killed with " << at_kill << " of " << kEvents << " sticker tasks\n";
  EXPECT_LT(at_kill, kEvents) << "all applied before the kill: the test proved nothing";
  produce.join();

  service = start();
  ASSERT_TRUE(WaitFor([&] { return tasks() == kEvents; }, absl::Seconds(180)))
      << tasks() << " of " << kEvents << "\n" << service->Stderr();
  // Exactly the documents of the events, each flagged once.
  auto listed = pool.Command({"ZRANGE", absl::StrCat("idd:stickers:", office), "0", "-1"});
  ASSERT_TRUE(listed.ok());
  std::set<std::string> got;
  for (const auto& e : listed->elements) got.insert(e.str);
  EXPECT_EQ(got, std::set<std::string>(ids.begin(), ids.end()));
  for (int i = 0; i < kEvents; i += 97) {
    auto flag = pool.Command({"HGET", absl::StrCat("idd:app:", ids[i]), "sticker"});
    ASSERT_TRUE(flag.ok());
    EXPECT_EQ(flag->str, "1") << i;
  }
  service->Kill(SIGTERM);
  EXPECT_EQ(service->Wait(absl::Seconds(30)), 0) << service->Stderr();
  EXPECT_EQ(service->Stderr().find("dead-letter topic"), std::string::npos) << service->Stderr();
  std::vector<std::vector<std::string>> cleanup = {{"DEL", absl::StrCat("idd:stickers:", office)}};
  for (int i = 0; i < kEvents; ++i) {
    cleanup.push_back({"DEL", absl::StrCat("idd:serial:", hashes[i]), absl::StrCat("idd:app:", ids[i])});
  }
  ASSERT_TRUE(pool.Pipeline(cleanup).ok());
}

}  // namespace
}  // namespace rathaus::testing
