// The registrations store against real Redis: one clerk's claim at a time, retention (the case
// and its PDFs go, the certificate check and a count stay), and the Rückmeldung's due day (listed
// as overdue until an integrator has fetched past it).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "rathaus/registrations/v1/events.pb.h"
#include "shared/crypto/crypto.h"
#include "shared/status/problem.h"
#include "store.h"
#include "tests/harness/credentials.h"
#include "tests/harness/harness.h"

namespace rathaus::registrations {
namespace {

using rathaus::testing::SharedServers;
using rathaus::testing::UniqueName;
using rathaus::testing::WaitFor;

class RegistrationsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto options = platform::redis::Options::FromUrl(SharedServers().redis_url);
    ASSERT_TRUE(options.ok());
    options->pool_size = 16;
    pool_ = std::make_unique<platform::redis::Pool>(*options);
    service_ = UniqueName("reg-test");
    outbox_ = std::make_unique<platform::outbox::Outbox>(service_, service_ + ":");
    options_.key_prefix = service_ + ":";
    options_.data_keys = &credentials_.data_keys();
    store_ = std::make_unique<Store>(*pool_, *outbox_, options_);
  }

  CaseRecord Submit(const std::string& office = "kiel-mitte",
                    const std::string& citizen = "citizen-1",
                    absl::Time submitted = absl::Now()) {
    CaseRecord r;
    r.id = platform::crypto::NewUuid();
    r.type = "ANMELDUNG";
    r.office = office;
    r.owner = store_->OwnerOf(citizen);
    r.move = "2026-12-01";
    r.due = "2026-12-15";
    r.submitted = submitted;
    r.confirmation = "LANDLORD";
    r.data = "form";
    v1::RegistrationSubmitted event;
    event.set_registration_id(r.id);
    auto stored = store_->Submit(r, outbox_->NewEvent(r.id, event, ""));
    EXPECT_TRUE(stored.ok()) << stored.status();
    return stored.value_or(CaseRecord{});
  }
  Change Claim(const std::string& clerk) {
    Change c;
    c.mode = Change::Mode::kClaim;
    c.actor = clerk;
    c.allowed = {"SUBMITTED"};
    return c;
  }
  // The accept step as the service makes it, with a one-page "PDF" and the given timers.
  Change Accept(const std::string& clerk, const std::string& code,
                std::vector<std::pair<std::string, absl::Time>> timers) {
    Change c;
    c.mode = Change::Mode::kClerk;
    c.actor = clerk;
    c.allowed = {"SUBMITTED"};
    c.new_status = "ACCEPTED";
    c.fields = {{"certs", code}};
    c.certificates.push_back({.code = code, .person = 1, .sha256 = std::string(64, 'a'),
                              .pdf = "%PDF-1.5 ..."});
    c.rueckmeldung = Change::Export{"02000000", "2026-12-09", "<rueckmeldung/>"};
    c.timers = std::move(timers);
    return c;
  }
  int64_t Timers() {
    auto r = store_->FireDueTimers();
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->fired : -1;
  }

  rathaus::testing::TestCredentials credentials_;
  std::unique_ptr<platform::redis::Pool> pool_;
  std::string service_;
  std::unique_ptr<platform::outbox::Outbox> outbox_;
  StoreOptions options_;
  std::unique_ptr<Store> store_;
};

TEST_F(RegistrationsStoreTest, TwentyClerksClaimAtOnceAndOneWins) {
  const CaseRecord c = Submit();
  std::atomic<int> won{0}, claimed{0};
  std::vector<std::thread> clerks;
  for (int i = 0; i < 20; ++i) {
    clerks.emplace_back([&, i] {
      auto r = store_->Apply(c.id, Claim(absl::StrCat("clerk-", i)));
      if (r.ok()) ++won;
      if (platform::ProblemOf(r.status()) == "registration-claimed") ++claimed;
    });
  }
  for (auto& t : clerks) t.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(claimed.load(), 19);
  auto read = store_->Get(c.id);
  ASSERT_TRUE(read.ok());
  EXPECT_FALSE(read->claimed_by.empty());
  // The winner renews; a clerk without the claim may not act.
  EXPECT_TRUE(store_->Apply(c.id, Claim(read->claimed_by)).ok());
  Change act = Accept("someone-else", "AAAAAAAAAA", {});
  EXPECT_EQ(platform::ProblemOf(store_->Apply(c.id, act).status()), "registration-not-claimed");
}

// A case whose sealed form cannot be opened (its key is gone) is listed without the form; it
// does not take the office's whole queue down. Reading it alone says DATA_LOSS.
TEST_F(RegistrationsStoreTest, AnUnreadableCaseDoesNotHideTheQueue) {
  const CaseRecord good = Submit("kiel-suchsdorf");
  const CaseRecord bad = Submit("kiel-suchsdorf");
  ASSERT_TRUE(pool_->Command({"HSET", absl::StrCat(service_, ":case:", bad.id), "data",
                              "pd1.k9.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}).ok());
  EXPECT_TRUE(absl::IsDataLoss(store_->Get(bad.id).status()));
  int64_t total = 0;
  auto listed = store_->List("kiel-suchsdorf", "", 0, 50, &total);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 2u);
  // Both were submitted within the same millisecond at times: the list's order is then by id,
  // so find each by its id.
  for (const CaseRecord& r : *listed) {
    if (r.id == good.id) {
      EXPECT_EQ(r.data, "form");
    } else {
      EXPECT_EQ(r.id, bad.id);
      EXPECT_EQ(r.data, "");
    }
  }
}

// The status page: a citizen's own cases, newest first, none of another citizen's; a case gone
// by retention leaves the list.
TEST_F(RegistrationsStoreTest, ACitizenListsTheirOwnCasesNewestFirst) {
  const std::string erika = UniqueName("erika"), max = UniqueName("max");
  const absl::Time t0 = absl::Now();
  const CaseRecord first = Submit("kiel-mitte", erika, t0 - absl::Seconds(2));
  const CaseRecord other = Submit("kiel-mitte", max, t0 - absl::Seconds(1));
  const CaseRecord second = Submit("kiel-suchsdorf", erika, t0);
  int64_t total = 0;
  auto own = store_->ListOwn(store_->OwnerOf(erika), 0, 20, &total);
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_EQ(total, 2);
  ASSERT_EQ(own->size(), 2u);
  EXPECT_EQ((*own)[0].id, second.id);
  EXPECT_EQ((*own)[1].id, first.id);
  auto page2 = store_->ListOwn(store_->OwnerOf(erika), 1, 1, &total);
  ASSERT_TRUE(page2.ok());
  ASSERT_EQ(page2->size(), 1u);
  EXPECT_EQ((*page2)[0].id, first.id);
  auto theirs = store_->ListOwn(store_->OwnerOf(max), 0, 20, &total);
  ASSERT_TRUE(theirs.ok());
  ASSERT_EQ(theirs->size(), 1u);
  EXPECT_EQ((*theirs)[0].id, other.id);

  ASSERT_TRUE(store_->Apply(first.id, Claim("anna")).ok());
  ASSERT_TRUE(store_->Apply(first.id, Accept("anna", "Q7M3K9XP2W",
                                             {{absl::StrCat("purge|", first.id),
                                               absl::Now() + absl::Milliseconds(100)}}))
                  .ok());
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(Timers(), 1);
  own = store_->ListOwn(store_->OwnerOf(erika), 0, 20, &total);
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(total, 1) << "the purged case left the citizen's index";
  ASSERT_EQ(own->size(), 1u);
  EXPECT_EQ((*own)[0].id, second.id);
}

// The citizen's e-mail address is sealed apart from the form and deleted by its own, shorter
// timer after the case ended; the case stays.
TEST_F(RegistrationsStoreTest, TheEmailAddressIsDeletedBeforeTheCase) {
  CaseRecord c;
  c.id = platform::crypto::NewUuid();
  c.type = "ANMELDUNG";
  c.office = "kiel-mitte";
  c.owner = store_->OwnerOf("citizen-mail");
  c.move = "2026-12-01";
  c.due = "2026-12-15";
  c.submitted = absl::Now();
  c.confirmation = "LANDLORD";
  c.data = "form";
  c.email = "erika.mustermann@example.org";
  v1::RegistrationSubmitted event;
  event.set_registration_id(c.id);
  ASSERT_TRUE(store_->Submit(c, outbox_->NewEvent(c.id, event, "")).ok());
  auto raw = pool_->Command({"HGET", absl::StrCat(service_, ":case:", c.id), "email"});
  ASSERT_TRUE(raw.ok());
  EXPECT_FALSE(raw->str.empty());
  EXPECT_EQ(raw->str.find("mustermann"), std::string::npos) << "sealed";
  auto read = store_->Get(c.id);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->email, "erika.mustermann@example.org");
  ASSERT_TRUE(store_->Apply(c.id, Claim("anna")).ok());
  ASSERT_TRUE(store_->Apply(c.id, Accept("anna", "K7M3Q9XP3W",
                                         {{absl::StrCat("email|", c.id), absl::Now() + absl::Milliseconds(200)},
                                          {absl::StrCat("purge|", c.id), absl::Now() + absl::Hours(1)}}))
                  .ok());
  EXPECT_EQ(store_->Get(c.id)->email, "erika.mustermann@example.org") << "not due yet";
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(Timers(), 1);
  read = store_->Get(c.id);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->email, "");
  EXPECT_EQ(read->data, "form") << "the case itself stays until its retention";
  EXPECT_EQ(read->status, "ACCEPTED");
}

TEST_F(RegistrationsStoreTest, RetentionDeletesTheCaseAndKeepsTheCertificateCheck) {
  const CaseRecord c = Submit();
  ASSERT_TRUE(store_->Apply(c.id, Claim("anna")).ok());
  const std::string code = "K7M3Q9XP2W";
  auto accepted = store_->Apply(
      c.id, Accept("anna", code, {{absl::StrCat("purge|", c.id), absl::Now() + absl::Milliseconds(300)}}));
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ(accepted->status, "ACCEPTED");
  ASSERT_TRUE(store_->Certificate(c.id, 1).ok());
  EXPECT_EQ(Timers(), 0) << "not due yet";
  absl::SleepFor(absl::Milliseconds(400));
  EXPECT_EQ(Timers(), 1);
  EXPECT_TRUE(absl::IsNotFound(store_->Get(c.id).status()));
  EXPECT_TRUE(absl::IsNotFound(store_->Certificate(c.id, 1).status()));
  int64_t total = 0;
  auto listed = store_->List("kiel-mitte", "", 0, 50, &total);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(total, 0);
  auto verified = store_->Verify(code);
  ASSERT_TRUE(verified.ok()) << "the check of an issued certificate outlives the case";
  EXPECT_EQ(verified->sha256, std::string(64, 'a'));
  auto stats = pool_->Command({"HGET", service_ + ":stats", "ANMELDUNG|ACCEPTED"});
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->str, "1");
}

TEST_F(RegistrationsStoreTest, Bmg33RueckmeldungIsOverdueUntilAnIntegratorFetchedPastIt) {
  const CaseRecord a = Submit("kiel-mitte");
  const CaseRecord b = Submit("kiel-mitte");
  for (const CaseRecord* c : {&a, &b}) {
    ASSERT_TRUE(store_->Apply(c->id, Claim("anna")).ok());
    ASSERT_TRUE(store_->Apply(c->id, Accept("anna", c == &a ? "AAAAAAAA22" : "AAAAAAAA33",
                                            {{absl::StrCat("rueck|", c->id),
                                              absl::Now() + absl::Milliseconds(200)}}))
                    .ok());
  }
  auto all = store_->Exports("", 10);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].registration_id, a.id);
  EXPECT_EQ((*all)[0].xml, "<rueckmeldung/>");
  // Fetching from the start acknowledges nothing: both become overdue at their due time.
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(Timers(), 2);
  int64_t total = 0;
  auto overdue = store_->ListRueckmeldungOverdue("kiel-mitte", 0, 50, &total);
  ASSERT_TRUE(overdue.ok());
  EXPECT_EQ(total, 2);
  EXPECT_EQ(store_->ListRueckmeldungOverdue("kiel-gaarden", 0, 50, &total)->size(), 0u);
  // Continuing after a's cursor: a was processed, b not yet.
  auto rest = store_->Exports((*all)[0].cursor, 10);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].registration_id, b.id);
  overdue = store_->ListRueckmeldungOverdue("kiel-mitte", 0, 50, &total);
  ASSERT_TRUE(overdue.ok());
  ASSERT_EQ(overdue->size(), 1u);
  EXPECT_EQ((*overdue)[0].id, b.id);
  ASSERT_TRUE(store_->Exports((*all)[1].cursor, 10).ok());
  EXPECT_EQ(store_->ListRueckmeldungOverdue("kiel-mitte", 0, 50, &total)->size(), 0u);
  EXPECT_EQ(platform::FieldOf(store_->Exports("no-cursor", 10).status()), "after");
  // A message that cannot be opened is named with an error, the others still come.
  ASSERT_TRUE(pool_->Command({"XADD", service_ + ":exports", "*", "id", "x", "ags", "03241000",
                              "due", "2026-12-09", "xml", "pd1.k9.AAAAAAAAAAAAAAAAAAAAAAAA"}).ok());
  auto with_bad = store_->Exports("", 10);
  ASSERT_TRUE(with_bad.ok()) << with_bad.status();
  ASSERT_EQ(with_bad->size(), 3u);
  EXPECT_TRUE((*with_bad)[2].xml.empty());
  EXPECT_FALSE((*with_bad)[2].error.empty());
  EXPECT_TRUE((*with_bad)[0].error.empty());
}

}  // namespace
}  // namespace rathaus::registrations
