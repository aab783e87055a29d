// The id-documents store against real Redis: registration, the status import (exact counts,
// idempotent, concurrent), the lookup and its lockout, handover, timers and retention.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "rathaus/id_documents/v1/events.pb.h"
#include "shared/crypto/crypto.h"
#include "shared/status/problem.h"
#include "store.h"
#include "tests/harness/credentials.h"
#include "tests/harness/harness.h"

namespace rathaus::id_documents {
namespace {

using rathaus::testing::SharedServers;
using rathaus::testing::UniqueName;

class IdDocumentsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto options = platform::redis::Options::FromUrl(SharedServers().redis_url);
    ASSERT_TRUE(options.ok());
    options->pool_size = 16;
    options->command_timeout = absl::Seconds(10);
    pool_ = std::make_unique<platform::redis::Pool>(*options);
    service_ = UniqueName("idd-test");
    outbox_ = std::make_unique<platform::outbox::Outbox>(service_, service_ + ":");
    options_.key_prefix = service_ + ":";
    options_.data_keys = &credentials_.data_keys();
    MakeStore();
  }
  void MakeStore() { store_ = std::make_unique<Store>(*pool_, *outbox_, options_); }

  static std::string Serial(int i) { return absl::StrFormat("T%08d", i); }
  ApplicationRecord Register(int i, Delivery delivery = Delivery::kPickup) {
    auto app = store_->Register({.serial = Serial(i), .type = DocumentType::kPersonalausweis,
                                 .office = "kiel-mitte", .birth = absl::CivilDay(1990, 5, 17),
                                 .delivery = delivery},
                                "");
    EXPECT_TRUE(app.ok()) << app.status();
    return app.value_or(ApplicationRecord{});
  }
  // The types of the events in the outbox, in order.
  std::vector<std::string> EventTypes() {
    auto entries = pool_->Command({"XRANGE", outbox_->stream_key(), "-", "+"});
    std::vector<std::string> out;
    if (!entries.ok()) return out;
    for (const auto& e : entries->elements) {
      const auto& f = e.elements[1].elements;
      for (size_t i = 0; i + 1 < f.size(); i += 2) {
        if (f[i].str == "type") out.push_back(f[i + 1].str.substr(f[i + 1].str.rfind('.') + 1));
      }
    }
    return out;
  }
  std::vector<std::string> Payloads(const std::string& type) {
    auto entries = pool_->Command({"XRANGE", outbox_->stream_key(), "-", "+"});
    std::vector<std::string> out;
    for (const auto& e : entries->elements) {
      const auto& f = e.elements[1].elements;
      std::string t, payload;
      for (size_t i = 0; i + 1 < f.size(); i += 2) {
        if (f[i].str == "type") t = f[i + 1].str;
        if (f[i].str == "payload") payload = f[i + 1].str;
      }
      if (absl::EndsWith(t, "." + type)) out.push_back(payload);
    }
    return out;
  }

  rathaus::testing::TestCredentials credentials_;
  std::unique_ptr<platform::redis::Pool> pool_;
  std::string service_;
  std::unique_ptr<platform::outbox::Outbox> outbox_;
  StoreOptions options_;
  std::unique_ptr<Store> store_;
};

// The citizen's e-mail address (for "ready for pickup" and "not collected") is kept sealed only
// while such a message can come: the handover deletes it.
TEST_F(IdDocumentsStoreTest, TheEmailAddressGoesAtTheHandover) {
  auto app = store_->Register({.serial = Serial(7), .type = DocumentType::kPersonalausweis,
                               .office = "kiel-mitte", .birth = absl::CivilDay(1990, 5, 17),
                               .delivery = Delivery::kPickup, .email = "erika@example.org"},
                              "");
  ASSERT_TRUE(app.ok()) << app.status();
  auto raw = pool_->Command({"HGET", absl::StrCat(service_, ":app:", app->id), "email"});
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->str.find("erika"), std::string::npos) << "sealed";
  const absl::Time t0 = absl::Now();
  std::vector<ImportLine> lines;
  int n = 0;
  for (const char* s : {"TRANSMITTED", "IN_PRODUCTION", "SHIPPED_TO_OFFICE", "ARRIVED",
                        "READY_FOR_PICKUP"}) {
    lines.push_back({++n, Serial(7), s, t0 + absl::Seconds(n)});
  }
  ASSERT_TRUE(store_->Import(lines, "").ok());
  EXPECT_EQ(*store_->NotificationEmail(app->id), "erika@example.org") << "ready: still wanted";
  ASSERT_TRUE(store_->HandOver(app->id, true, std::nullopt, "").ok());
  EXPECT_EQ(*store_->NotificationEmail(app->id), "");
  raw = pool_->Command({"HEXISTS", absl::StrCat(service_, ":app:", app->id), "email"});
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->integer, 0);
}

TEST_F(IdDocumentsStoreTest, FromApplicationToHandover) {
  ApplicationRecord app = Register(1);
  const absl::Time t0 = absl::Now();
  EXPECT_EQ(app.status, State::kApplied);
  auto again = store_->Register({.serial = Serial(1), .type = DocumentType::kReisepass,
                                 .office = "kiel-mitte", .birth = absl::CivilDay(1990, 5, 17)}, "");
  EXPECT_EQ(platform::ProblemOf(again.status()), "serial-in-use");

  auto found = store_->Lookup(Serial(1), absl::CivilDay(1990, 5, 17));
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->status, State::kApplied);
  auto wrong = store_->Lookup(Serial(1), absl::CivilDay(1990, 5, 18));
  auto unknown = store_->Lookup(Serial(2), absl::CivilDay(1990, 5, 17));
  EXPECT_EQ(platform::ProblemOf(wrong.status()), "document-unknown");
  EXPECT_EQ(wrong.status(), unknown.status()) << "the same answer for both";

  std::vector<ImportLine> lines;
  int n = 0;
  for (const char* s : {"TRANSMITTED", "IN_PRODUCTION", "SHIPPED_TO_OFFICE", "ARRIVED",
                        "READY_FOR_PICKUP"}) {
    lines.push_back({++n, Serial(1), s, t0 + absl::Seconds(n)});
  }
  auto r = store_->Import(lines, "");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->accepted, 5);
  for (const auto& [line, reason] : r->rejected) ADD_FAILURE() << line << ": " << reason;
  found = store_->Lookup(Serial(1), absl::CivilDay(1990, 5, 17));
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->status, State::kReadyForPickup);
  EXPECT_EQ(found->pickup_code.size(), 8u);
  auto handed = store_->HandOver(app.id, true, ProxyPerson{"Max Mustermann", absl::CivilDay(1980, 1, 1)}, "");
  ASSERT_TRUE(handed.ok()) << handed.status();
  EXPECT_EQ(handed->status, State::kHandedOver);
  EXPECT_TRUE(handed->handed_to_proxy);
  EXPECT_TRUE(handed->old_document_invalidated);
  EXPECT_EQ(platform::ProblemOf(store_->HandOver(app.id, true, std::nullopt, "").status()),
            "document-not-ready");
  EXPECT_EQ(EventTypes(),
            (std::vector<std::string>{"ApplicationRegistered", "DocumentStatusChanged",
                                      "DocumentStatusChanged", "DocumentStatusChanged",
                                      "DocumentStatusChanged", "DocumentStatusChanged",
                                      "DocumentReadyForPickup", "DocumentStatusChanged",
                                      "DocumentHandedOver"}));
  v1::DocumentReadyForPickup ready;
  ASSERT_TRUE(ready.ParseFromString(Payloads("DocumentReadyForPickup").at(0)));
  EXPECT_EQ(ready.pickup_code(), found->pickup_code);
  EXPECT_EQ(ready.application_id(), app.id);
  // No serial number, name or birth date in Redis in clear, nor in any event.
  auto keys = pool_->Command({"KEYS", service_ + ":*"});
  for (const auto& k : keys->elements) {
    EXPECT_EQ(k.str.find(Serial(1)), std::string::npos) << k.str;
    auto type = pool_->Command({"TYPE", k.str});
    if (type->str != "hash") continue;
    auto all = pool_->Command({"HGETALL", k.str});
    for (const auto& v : all->elements) {
      EXPECT_EQ(v.str.find(Serial(1)), std::string::npos) << k.str;
      EXPECT_EQ(v.str.find("Mustermann"), std::string::npos) << k.str;
      EXPECT_EQ(v.str.find("1990-05-17"), std::string::npos) << k.str;
    }
  }
  // A new application for the serial once the old one is closed.
  EXPECT_TRUE(store_->Register({.serial = Serial(1), .type = DocumentType::kReisepass,
                                .office = "kiel-mitte", .birth = absl::CivilDay(1990, 5, 17)}, "").ok());
}

// 10,000 lines: every kind of line, exact counts; the same import again changes nothing.
// registrations' AddressChanged: a task per known document, once per event (inbox) and once per
// document; unknown hashes are counted; a handover puts the sticker on.
TEST_F(IdDocumentsStoreTest, AddressChangedMakesStickerTasksThatAHandoverCompletes) {
  ApplicationRecord ready = Register(11);
  ApplicationRecord old = Register(12);
  const absl::Time t0 = absl::Now();
  std::vector<ImportLine> lines;
  int n = 0;
  for (const char* s : {"TRANSMITTED", "IN_PRODUCTION", "SHIPPED_TO_OFFICE", "ARRIVED",
                        "READY_FOR_PICKUP"}) {
    lines.push_back({++n, Serial(11), s, t0 + absl::Seconds(n)});
  }
  ASSERT_TRUE(store_->Import(lines, "").ok());
  const platform::crypto::DataKeys& keys = credentials_.data_keys();
  const std::vector<std::string> hashes = {keys.Lookup("serial:" + Serial(11)),
                                           keys.Lookup("serial:" + Serial(12)),
                                           keys.Lookup("serial:" + Serial(13))};  // unknown
  const std::string inbox = absl::StrCat(service_, ":inbox:", platform::crypto::NewUuid());
  int64_t created = 0, unknown = 0;
  ASSERT_TRUE(store_->ApplyAddressChanged(hashes, inbox, "3600", &created, &unknown).ok());
  EXPECT_EQ(created, 2);
  EXPECT_EQ(unknown, 1);
  // The same event again (a redelivery) and another event naming the same documents: no more.
  ASSERT_TRUE(store_->ApplyAddressChanged(hashes, inbox, "3600", &created, &unknown).ok());
  EXPECT_EQ(created, 0);
  ASSERT_TRUE(store_->ApplyAddressChanged(hashes, inbox + "-2", "3600", &created, &unknown).ok());
  EXPECT_EQ(created, 0);
  int64_t total = 0;
  auto due = store_->ListAddressStickers("kiel-mitte", 0, 50, &total);
  ASSERT_TRUE(due.ok()) << due.status();
  EXPECT_EQ(total, 2);
  ASSERT_EQ(due->size(), 2u);
  EXPECT_TRUE((*due)[0].address_sticker_due);

  ASSERT_TRUE(store_->HandOver(ready.id, true, std::nullopt, "").ok());
  EXPECT_FALSE(store_->Get(ready.id)->address_sticker_due) << "put on at the handover";
  auto done = store_->ConfirmAddressSticker(old.id);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_FALSE(done->address_sticker_due);
  EXPECT_EQ(platform::ProblemOf(store_->ConfirmAddressSticker(old.id).status()),
            "no-address-sticker-due");
  ASSERT_TRUE(store_->ListAddressStickers("kiel-mitte", 0, 50, &total).ok());
  EXPECT_EQ(total, 0);
}

TEST_F(IdDocumentsStoreTest, TenThousandLinesGiveExactCountsAndAgainChangeNothing) {
  constexpr int kApps = 1000;
  for (int i = 0; i < kApps; ++i) Register(i);
  const absl::Time t0 = absl::Now();  // the Fachverfahren's times come after the registration
  std::vector<ImportLine> lines;
  auto add = [&](int app, const std::string& status, absl::Time at) {
    lines.push_back({static_cast<int>(lines.size()) + 1, Serial(app), status, at});
  };
  const std::vector<std::string> path = {"TRANSMITTED", "IN_PRODUCTION", "SHIPPED_TO_OFFICE",
                                         "ARRIVED", "READY_FOR_PICKUP"};
  for (int i = 0; i < kApps; ++i) {
    for (size_t k = 0; k < path.size(); ++k) add(i, path[k], t0 + absl::Seconds(k + 1));  // 5000
  }
  for (int i = 0; i < kApps; ++i) add(i, "PIN_LETTER_SENT", t0 + absl::Seconds(2));         // 1000
  for (int i = 0; i < kApps; ++i) add(i, "READY_FOR_PICKUP", t0 + absl::Seconds(5));        // dup
  for (int i = 0; i < kApps; ++i) add(i, "TRANSMITTED", t0 + absl::Seconds(1));             // dup
  for (int i = 0; i < kApps; ++i) add(i, "ARRIVED", t0);                                     // stale
  for (int i = 0; i < kApps / 2; ++i) add(i, "IN_PRODUCTION", t0 + absl::Seconds(6));       // illegal
  for (int i = 0; i < kApps / 2; ++i) add(kApps + i, "ARRIVED", t0 + absl::Seconds(6));     // unknown
  ASSERT_EQ(lines.size(), 10000u);

  const absl::Time start = absl::Now();
  auto first = store_->Import(lines, "");
  const absl::Duration took = absl::Now() - start;
  ASSERT_TRUE(first.ok()) << first.status();
  std::cout << "10,000 lines imported in " << took << "\n";
  EXPECT_EQ(first->accepted, 6000);
  EXPECT_EQ(first->duplicates, 2000);
  EXPECT_EQ(first->stale, 1000);
  ASSERT_EQ(first->rejected.size(), 1000u);
  EXPECT_EQ(first->rejected[0].first, 9001);
  EXPECT_NE(first->rejected[0].second.find("cannot follow"), std::string::npos) << first->rejected[0].second;
  EXPECT_EQ(first->rejected[999].second, "unknown serial number");
  const size_t events = EventTypes().size();
  EXPECT_EQ(events, static_cast<size_t>(kApps + 5 * kApps + kApps + kApps));  // + ready + pin

  auto second = store_->Import(lines, "");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->accepted, 0);
  EXPECT_EQ(second->duplicates, 8000);
  EXPECT_EQ(second->stale, 1000);
  EXPECT_EQ(second->rejected.size(), 1000u);
  EXPECT_EQ(EventTypes().size(), events) << "no event twice";
  auto app = store_->Lookup(Serial(7), absl::CivilDay(1990, 5, 17));
  ASSERT_TRUE(app.ok());
  EXPECT_EQ(app->status, State::kReadyForPickup);
  EXPECT_TRUE(app->pin_letter_sent);
}

// Two imports of the same lines at the same time: each line takes effect once.
TEST_F(IdDocumentsStoreTest, ConcurrentImportsApplyEachLineOnce) {
  constexpr int kApps = 200;
  for (int i = 0; i < kApps; ++i) Register(i);
  const absl::Time t0 = absl::Now();
  std::vector<ImportLine> lines;
  for (int i = 0; i < kApps; ++i) {
    int k = 0;
    for (const char* s : {"TRANSMITTED", "IN_PRODUCTION", "SHIPPED_TO_OFFICE", "ARRIVED",
                          "READY_FOR_PICKUP"}) {
      lines.push_back({static_cast<int>(lines.size()) + 1, Serial(i), s, t0 + absl::Seconds(++k)});
    }
  }
  ImportResult a, b;
  std::thread other([&] { a = *store_->Import(lines, ""); });
  b = *store_->Import(lines, "");
  other.join();
  EXPECT_EQ(a.accepted + b.accepted, 5 * kApps);
  EXPECT_EQ(a.accepted + a.duplicates + a.stale, 5 * kApps) << "nothing rejected";
  EXPECT_EQ(b.accepted + b.duplicates + b.stale, 5 * kApps);
  EXPECT_EQ(Payloads("DocumentReadyForPickup").size(), static_cast<size_t>(kApps));
}

// Direktversand: a failed delivery goes back to the office and is picked up there.
TEST_F(IdDocumentsStoreTest, AFailedHomeDeliveryComesBackAsReady) {
  ApplicationRecord app = Register(3, Delivery::kDirectDelivery);
  EXPECT_EQ(app.fee_cents, 1500);
  const absl::Time t0 = absl::Now();
  int n = 0;
  std::vector<ImportLine> lines;
  for (const char* s : {"TRANSMITTED", "IN_PRODUCTION", "IN_DIRECT_DELIVERY", "DELIVERY_FAILED"}) {
    lines.push_back({++n, Serial(3), s, t0 + absl::Seconds(n)});
  }
  lines.push_back({++n, Serial(3), "SHIPPED_TO_OFFICE", t0 + absl::Seconds(n)});  // pickup path
  auto r = store_->Import(lines, "");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->accepted, 4);
  ASSERT_EQ(r->rejected.size(), 1u);
  EXPECT_NE(r->rejected[0].second.find("delivery DIRECT_DELIVERY"), std::string::npos) << r->rejected[0].second;
  auto failed = store_->Lookup(Serial(3), absl::CivilDay(1990, 5, 17));
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(CitizenStatus(failed->status), "DIREKTVERSAND_FEHLGESCHLAGEN");
  r = store_->Import({{1, Serial(3), "RETURNED_TO_OFFICE", t0 + absl::Seconds(10)},
                      {2, Serial(3), "READY_FOR_PICKUP", t0 + absl::Seconds(11)}},
                     "");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->accepted, 2);
  auto ready = store_->Lookup(Serial(3), absl::CivilDay(1990, 5, 17));
  ASSERT_TRUE(ready.ok());
  EXPECT_EQ(CitizenStatus(ready->status), "BEREIT_ZUR_ABHOLUNG");
  EXPECT_EQ(ready->pickup_code.size(), 8u);
  EXPECT_EQ(Payloads("DirectDeliveryFailed").size(), 1u);
  EXPECT_EQ(Payloads("DocumentReadyForPickup").size(), 1u);
}

TEST_F(IdDocumentsStoreTest, FiveWrongBirthDatesLockTheSerialForAnHour) {
  Register(1);
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(store_->Lookup(Serial(1), absl::CivilDay(2000, 1, 1 + i)).ok());
  }
  auto right = store_->Lookup(Serial(1), absl::CivilDay(1990, 5, 17));
  EXPECT_EQ(platform::ProblemOf(right.status()), "document-unknown") << "locked";
  auto ttl = pool_->Command({"TTL", absl::StrCat(options_.key_prefix, "fail:",
                                                 credentials_.data_keys().Lookup("serial:" + Serial(1)))});
  ASSERT_TRUE(ttl.ok());
  EXPECT_GT(ttl->integer, 3500);
  // Another serial is not affected.
  Register(2);
  EXPECT_TRUE(store_->Lookup(Serial(2), absl::CivilDay(1990, 5, 17)).ok());
}

TEST_F(IdDocumentsStoreTest, OverdueReminderAndRetentionFireOnTime) {
  options_.pickup_reminder = absl::Milliseconds(300);
  options_.retention = absl::Milliseconds(300);
  MakeStore();
  ApplicationRecord app = Register(1);
  ApplicationRecord other = Register(2, Delivery::kDirectDelivery);
  const absl::Time now = absl::Now();
  auto r = store_->Import({{1, Serial(1), "READY_FOR_PICKUP", now},
                           {2, Serial(2), "IN_DIRECT_DELIVERY", now},
                           {3, Serial(2), "DELIVERED", now}},
                          "");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->accepted, 3);
  auto early = store_->FireDueTimers();
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(early->fired, 0);
  absl::SleepFor(absl::Milliseconds(400));
  auto due = store_->FireDueTimers();
  ASSERT_TRUE(due.ok()) << due.status();
  EXPECT_EQ(due->fired, 2);
  EXPECT_EQ(Payloads("DocumentPickupOverdue").size(), 1u);
  EXPECT_EQ(store_->Get(other.id).status().code(), absl::StatusCode::kNotFound) << "purged";
  auto stats = pool_->Command({"HGET", options_.key_prefix + "stats", "PERSONALAUSWEIS|DELIVERED"});
  EXPECT_EQ(stats->str, "1");
  EXPECT_EQ(platform::ProblemOf(store_->Lookup(Serial(2), absl::CivilDay(1990, 5, 17)).status()),
            "document-unknown");
  // Handover ends the reminder and starts the retention.
  ASSERT_TRUE(store_->Get(app.id).ok());
}

}  // namespace
}  // namespace rathaus::id_documents
