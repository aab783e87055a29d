// The e-file store and the auto-filing against real Redis: events become Vorgänge and documents
// with Aktenzeichen that are never reused, a redelivered event files nothing twice, a closing
// event sets the disposal date, statistics items count without personal data, and the audit log
// integrates into a Merkle tree whose heads and proofs verify (also after a second store, as a
// second replica, integrated at the same time).
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "domain/merkle.h"
#include "domain/tree_head.h"
#include "filer.h"
#include "rathaus/appointments/v1/events.pb.h"
#include "rathaus/e_invoice/v1/events.pb.h"
#include "rathaus/registrations/v1/events.pb.h"
#include "shared/status/problem.h"
#include "rathaus_efile_domain_embedded.h"
#include "shared/crypto/crypto.h"
#include "store.h"
#include "tests/harness/harness.h"

namespace rathaus::efile {
namespace {

using rathaus::testing::SharedServers;
using rathaus::testing::UniqueName;

class EFileStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto options = platform::redis::Options::FromUrl(SharedServers().redis_url);
    ASSERT_TRUE(options.ok());
    options->command_timeout = absl::Seconds(10);
    pool_ = std::make_unique<platform::redis::Pool>(*options);
    prefix_ = UniqueName("efile-test") + ":";
    outbox_ = std::make_unique<platform::outbox::Outbox>("e-file", prefix_);
    blob_dir_ = absl::StrCat("/tmp/", UniqueName("efile-blobs"));
    blobs_ = std::make_unique<platform::BlobStore>(blob_dir_);
    ASSERT_TRUE(blobs_->Open().ok());
    auto plan = ParseAktenplan(embedded::kKiel);
    ASSERT_TRUE(plan.ok()) << plan.status();
    plan_ = *plan;
    store_ = std::make_unique<Store>(*pool_, *outbox_, *blobs_, plan_,
                                     StoreOptions{.key_prefix = prefix_, .integrate_batch = 7});
    filer_ = std::make_unique<Filer>(*store_, plan_);
  }
  void TearDown() override { std::filesystem::remove_all(blob_dir_); }

  // Applies `payload` as the event `id` of its type with `subject`.
  absl::Status Deliver(const google::protobuf::Message& payload, const std::string& id,
                       const std::string& subject, absl::Time now = absl::Now()) {
    type_ = std::string(payload.GetDescriptor()->full_name());
    platform::EventContext ce;
    ce.id = id;
    ce.type = type_;
    ce.source = "/rathaus/test";
    ce.subject = subject;
    ce.time = "2026-12-05T10:00:00Z";
    ce.inbox_key = absl::StrCat(prefix_, "inbox:", id);
    ce.inbox_ttl = "600";
    return filer_->Apply(payload, ce, now);
  }

  std::string OutboxTypes() {
    auto r = pool_->Command({"XRANGE", outbox_->stream_key(), "-", "+"});
    std::string out;
    if (!r.ok()) return out;
    for (const auto& e : r->elements) {
      const auto& f = e.elements[1].elements;
      for (size_t i = 0; i + 1 < f.size(); i += 2) {
        if (f[i].str == "type") absl::StrAppend(&out, f[i + 1].str.substr(f[i + 1].str.rfind('.') + 1), " ");
      }
    }
    return out;
  }

  std::unique_ptr<platform::redis::Pool> pool_;
  std::string prefix_, blob_dir_, type_;
  std::unique_ptr<platform::outbox::Outbox> outbox_;
  std::unique_ptr<platform::BlobStore> blobs_;
  Aktenplan plan_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Filer> filer_;
};

TEST_F(EFileStoreTest, AnInvoiceBecomesAVorgangWithOneDocumentPerStep) {
  e_invoice::v1::InvoiceReceived received;
  received.set_invoice_id("inv-1");
  received.set_invoice_number("RE-2026-7");
  received.set_seller_name("Tiefbau Nord GmbH");
  ASSERT_TRUE(Deliver(received, "e1", "inv-1").ok());
  ASSERT_TRUE(Deliver(received, "e1", "inv-1").ok());  // redelivered: nothing again
  e_invoice::v1::InvoiceRouted routed;
  routed.set_invoice_id("inv-1");
  routed.set_department("tiefbauamt");
  ASSERT_TRUE(Deliver(routed, "e2", "inv-1").ok());
  e_invoice::v1::InvoiceReceived other;
  other.set_invoice_id("inv-2");
  ASSERT_TRUE(Deliver(other, "e3", "inv-2").ok());

  auto page = store_->List({.q = "inv-1", .departments = {"*"}});
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->files.size(), 1u);
  const std::string az = page->files[0].aktenzeichen();
  auto v = store_->GetVorgang(az, true);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->item(), "20.30");
  EXPECT_EQ(v->subject(), "E-Rechnung RE-2026-7 (Tiefbau Nord GmbH)");
  EXPECT_EQ(v->department(), "tiefbauamt");
  EXPECT_EQ(v->status(), "OPEN");
  ASSERT_EQ(v->documents_size(), 2);
  EXPECT_EQ(v->documents(0).aktenzeichen(), az + "-1");
  EXPECT_EQ(v->documents(1).aktenzeichen(), az + "-2");
  // One Akte per year for invoices; the second invoice is the next Vorgang of the same Akte.
  auto second = store_->List({.q = "inv-2", .departments = {"*"}});
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->files.size(), 1u);
  auto first_az = ParseAktenzeichen(az);
  auto second_az = ParseAktenzeichen(second->files[0].aktenzeichen());
  ASSERT_TRUE(first_az.ok() && second_az.ok());
  EXPECT_EQ(second_az->akte, first_az->akte);
  EXPECT_EQ(second_az->vorgang, first_az->vorgang + 1);
  // Department scoping: a clerk of another department does not find it.
  auto hidden = store_->List({.q = "inv-1", .departments = {"schulamt"}});
  ASSERT_TRUE(hidden.ok());
  EXPECT_EQ(hidden->files.size(), 0u);

  // The document is the event, byte-exact, and reading it is audited.
  auto doc = store_->ReadDocument(az + "-1", 0, "file-clerk:tina", absl::Now());
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(platform::crypto::Hex(platform::crypto::Sha256(doc->bytes)), v->documents(0).sha256());
  EXPECT_TRUE(absl::StrContains(doc->bytes, "\"invoiceNumber\":\"RE-2026-7\""));
  EXPECT_EQ(OutboxTypes(), "DocumentFiled DocumentFiled DocumentFiled ");
  // Entries: 3 filings and 1 read.
  auto sequenced = store_->SequencedSize();
  ASSERT_TRUE(sequenced.ok());
  EXPECT_EQ(*sequenced, 4u);
  auto last = store_->Entry(3);
  ASSERT_TRUE(last.ok());
  EXPECT_TRUE(absl::StrContains(last->entry, "\"action\":\"READ\"")) << last->entry;
  EXPECT_TRUE(absl::StrContains(last->entry, "tina")) << last->entry;
}

TEST_F(EFileStoreTest, TheClosingEventClosesWithTheDisposalDateOfThePlan) {
  e_invoice::v1::InvoiceReceived received;
  received.set_invoice_id("inv-9");
  ASSERT_TRUE(Deliver(received, "c1", "inv-9").ok());
  e_invoice::v1::InvoiceReleasedForPayment released;
  released.set_invoice_id("inv-9");
  released.set_department("tiefbauamt");
  absl::TimeZone berlin;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Berlin", &berlin));
  // Closed on 31 December 2026 at 23:30 in Kiel (22:30 UTC): retention counts from the end of 2026.
  const absl::Time closing = absl::FromCivil(absl::CivilSecond(2026, 12, 31, 23, 30, 0), berlin);
  ASSERT_TRUE(Deliver(released, "c2", "inv-9", closing).ok());
  auto page = store_->List({.q = "inv-9", .departments = {"*"}});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->files.size(), 1u);
  EXPECT_EQ(page->files[0].status(), "CLOSED");
  EXPECT_EQ(page->files[0].disposal_date(), "2037-01-01");
  EXPECT_EQ(page->files[0].disposal(), "V");
  EXPECT_EQ(OutboxTypes(), "DocumentFiled DocumentFiled VorgangClosed ");
}

TEST_F(EFileStoreTest, BookingsAreCountedPerOfficeAndDayNotFiled) {
  appointments::v1::AppointmentBooked booked;
  booked.set_code("SECRETCD");
  booked.set_office("kiel-mitte");
  absl::TimeZone berlin;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Berlin", &berlin));
  // 00:30 in Kiel is still the 7th in UTC's 23:30 of the 6th: the office's day counts.
  const absl::Time start = absl::FromCivil(absl::CivilSecond(2026, 12, 7, 0, 30, 0), berlin);
  booked.mutable_start()->set_seconds(absl::ToUnixSeconds(start));
  ASSERT_TRUE(Deliver(booked, "b1", "SECRETCD").ok());
  booked.set_code("OTHERCOD");
  ASSERT_TRUE(Deliver(booked, "b2", "OTHERCOD").ok());
  appointments::v1::AppointmentCancelled cancelled;
  cancelled.set_code("OTHERCOD");
  cancelled.set_office("kiel-mitte");
  *cancelled.mutable_start() = booked.start();
  ASSERT_TRUE(Deliver(cancelled, "b3", "OTHERCOD").ok());
  auto page = store_->List({.q = "kiel-mitte/2026-12-07", .departments = {"kiel-mitte"}});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->files.size(), 1u);
  auto v = store_->GetVorgang(page->files[0].aktenzeichen(), true);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->item(), "10.40");
  EXPECT_EQ(v->subject(), "Tagesstatistik kiel-mitte 2026-12-07");
  EXPECT_EQ(v->statistics().at("AppointmentBooked"), 2);
  EXPECT_EQ(v->statistics().at("AppointmentCancelled"), 1);
  EXPECT_EQ(v->document_count(), 0);
  // When the day is over, its statistics document is filed and the Vorgang closes (2 years).
  auto none = store_->CloseDays(absl::FromCivil(absl::CivilSecond(2026, 12, 7, 23, 59, 0), berlin));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0);
  auto closed = store_->CloseDays(absl::FromCivil(absl::CivilSecond(2026, 12, 8, 0, 1, 0), berlin));
  ASSERT_TRUE(closed.ok()) << closed.status();
  EXPECT_EQ(*closed, 1);
  auto day = store_->GetVorgang(page->files[0].aktenzeichen(), true);
  ASSERT_TRUE(day.ok());
  EXPECT_EQ(day->status(), "CLOSED");
  EXPECT_EQ(day->disposal_date(), "2029-01-01");
  ASSERT_EQ(day->documents_size(), 1);
  EXPECT_EQ(day->documents(0).kind(), "statistics");
  auto doc = store_->ReadDocument(day->documents(0).aktenzeichen(), 0, "archivist:a", absl::Now());
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->bytes, "{\"office\":\"kiel-mitte\",\"day\":\"2026-12-07\",\"counts\":"
                        "{\"AppointmentBooked\":2,\"AppointmentCancelled\":1}}\n");
  auto again = store_->CloseDays(absl::FromCivil(absl::CivilSecond(2026, 12, 9, 0, 1, 0), berlin));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
  // No booking code anywhere under the prefix.
  auto keys = pool_->Command({"KEYS", prefix_ + "*"});
  ASSERT_TRUE(keys.ok());
  for (const auto& k : keys->elements) {
    EXPECT_FALSE(absl::StrContains(k.str, "SECRETCD")) << k.str;
    auto dump = pool_->Command({"DUMP", k.str});
    ASSERT_TRUE(dump.ok());
    EXPECT_FALSE(absl::StrContains(dump->str, "SECRETCD")) << k.str;
  }
}

TEST_F(EFileStoreTest, TheAuditLogIntegratesAndItsProofsVerify) {
  e_invoice::v1::InvoiceReceived received;
  for (int i = 0; i < 40; ++i) {
    received.set_invoice_id(absl::StrCat("audit-", i));
    ASSERT_TRUE(Deliver(received, absl::StrCat("a", i), absl::StrCat("audit-", i)).ok());
  }
  // Two replicas integrate at the same time: the same tree, the size moves forward once.
  Store replica(*pool_, *outbox_, *blobs_, plan_, StoreOptions{.key_prefix = prefix_, .integrate_batch = 5});
  std::thread other([&] {
    for (int k = 0; k < 20; ++k) ASSERT_TRUE(replica.Integrate().ok());
  });
  for (int k = 0; k < 20; ++k) ASSERT_TRUE(store_->Integrate().ok());
  other.join();
  for (;;) {
    auto n = store_->Integrate();
    ASSERT_TRUE(n.ok());
    if (*n == 0) break;
  }
  auto size = store_->IntegratedSize();
  ASSERT_TRUE(size.ok());
  ASSERT_EQ(*size, 40u);
  // The tree from the entries themselves, in memory, has the same head.
  merkle::MemoryNodes memory;
  merkle::Tree reference(memory);
  for (uint64_t i = 0; i < 40; ++i) {
    auto e = store_->Entry(i);
    ASSERT_TRUE(e.ok());
    reference.Append(merkle::LeafHash(e->entry));
  }
  auto root = store_->Root(40);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(*root, *reference.Root(40));
  auto root13 = store_->Root(13);
  ASSERT_TRUE(root13.ok());
  EXPECT_EQ(*root13, *reference.Root(13));
  for (uint64_t i : {0u, 12u, 31u, 39u}) {
    auto proof = store_->InclusionProof(i, 40);
    ASSERT_TRUE(proof.ok());
    auto e = store_->Entry(i);
    EXPECT_TRUE(merkle::VerifyInclusion(i, 40, merkle::LeafHash(e->entry), *proof, *root)) << i;
    auto index = store_->IndexOfLeaf(merkle::LeafHash(e->entry));
    ASSERT_TRUE(index.ok());
    EXPECT_EQ(*index, i);
  }
  auto consistency = store_->ConsistencyProof(13, 40);
  ASSERT_TRUE(consistency.ok());
  EXPECT_TRUE(merkle::VerifyConsistency(13, 40, *root13, *root, *consistency));
  EXPECT_FALSE(store_->Root(41).ok());
  // A changed entry no longer proves.
  auto e12 = store_->Entry(12);
  std::string changed = e12->entry;
  changed[2] ^= 1;
  EXPECT_FALSE(merkle::VerifyInclusion(12, 40, merkle::LeafHash(changed), *store_->InclusionProof(12, 40),
                                       *root));
}

TEST_F(EFileStoreTest, RetentionHoldAndDisposalLeaveNoContentBehind) {
  absl::TimeZone berlin;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Berlin", &berlin));
  auto at = [&](int y, int m, int d) { return absl::FromCivil(absl::CivilSecond(y, m, d, 12, 0, 0), berlin); };
  e_invoice::v1::InvoiceReceived received;
  received.set_invoice_id("inv-r1");
  received.set_seller_name("Erika Mustermann Hausmeisterdienste");  // a sole trader: a person
  ASSERT_TRUE(Deliver(received, "r1", "inv-r1", at(2026, 6, 1)).ok());
  e_invoice::v1::InvoiceReleasedForPayment released;
  released.set_invoice_id("inv-r1");
  released.set_seller_name("Erika Mustermann Hausmeisterdienste");
  ASSERT_TRUE(Deliver(released, "r2", "inv-r1", at(2026, 6, 2)).ok());
  auto page = store_->List({.q = "inv-r1", .departments = {"*"}});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->files.size(), 1u);
  const std::string az = page->files[0].aktenzeichen();
  auto before = store_->GetVorgang(az, true);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->disposal_date(), "2037-01-01");
  ASSERT_EQ(before->documents_size(), 2);

  auto due = [&](absl::CivilDay until) {
    auto p = store_->ListDue(until, 0, 200);
    EXPECT_TRUE(p.ok()) << p.status();
    bool found = false;
    for (const auto& v : p->files) found = found || v.aktenzeichen() == az;
    return found;
  };
  EXPECT_FALSE(due(absl::CivilDay(2036, 12, 31)));
  EXPECT_TRUE(due(absl::CivilDay(2037, 1, 1)));
  absl::Status early = store_->Dispose(az, "", "archivist:a", at(2036, 12, 31));
  EXPECT_EQ(platform::ProblemOf(early), "retention-not-over") << early;

  // A legal hold keeps it off the due list and blocks disposal until it is released.
  ASSERT_TRUE(store_->SetHold(az, true, "Klage vor dem VG Schleswig", "archivist:a", at(2036, 1, 1)).ok());
  EXPECT_FALSE(due(absl::CivilDay(2037, 1, 1)));
  absl::Status held = store_->Dispose(az, "", "archivist:a", at(2037, 1, 2));
  EXPECT_EQ(platform::ProblemOf(held), "legal-hold") << held;
  ASSERT_TRUE(store_->SetHold(az, false, "", "archivist:a", at(2037, 1, 2)).ok());
  EXPECT_TRUE(due(absl::CivilDay(2037, 1, 2)));

  // V: the content and the personal data go; the audit log keeps its hashes.
  ASSERT_TRUE(store_->Dispose(az, "", "archivist:a", at(2037, 1, 2)).ok());
  auto after = store_->GetVorgang(az, true);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->status(), "DISPOSED");
  EXPECT_EQ(after->subject(), "");
  EXPECT_EQ(after->source_id(), "");
  for (const auto& d : after->documents()) {
    EXPECT_TRUE(d.disposed());
    EXPECT_FALSE(std::filesystem::exists(absl::StrCat(blob_dir_, "/", d.sha256().substr(0, 2), "/", d.sha256())))
        << d.aktenzeichen();
  }
  auto read = store_->ReadDocument(az + "-1", 0, "archivist:a", at(2037, 1, 2));
  EXPECT_EQ(platform::ProblemOf(read.status()), "document-disposed") << read.status();
  EXPECT_FALSE(due(absl::CivilDay(2040, 1, 1)));
  EXPECT_EQ(platform::ProblemOf(store_->Dispose(az, "", "archivist:a", at(2037, 1, 3))), "vorgang-disposed");
  // Nothing of the person is left in the e-file's Redis but the outbox stream of events already
  // taken by the relay (here no relay runs): every other key is clean.
  auto keys = pool_->Command({"KEYS", prefix_ + "*"});
  ASSERT_TRUE(keys.ok());
  for (const auto& k : keys->elements) {
    if (k.str == outbox_->stream_key()) continue;
    auto dump = pool_->Command({"DUMP", k.str});
    ASSERT_TRUE(dump.ok());
    EXPECT_FALSE(absl::StrContains(dump->str, "Mustermann")) << k.str;
  }
  auto entries = store_->SequencedSize();
  ASSERT_TRUE(entries.ok());
  auto last = store_->Entry(*entries - 1);
  ASSERT_TRUE(last.ok());
  EXPECT_TRUE(absl::StrContains(last->entry, "\"action\":\"DISPOSED\"")) << last->entry;
}

TEST_F(EFileStoreTest, AppraisalNeedsTheArchivistsDecision) {
  registrations::v1::RegistrationSubmitted submitted;
  submitted.set_registration_id("reg-b1");
  submitted.set_office("kiel-mitte");
  const absl::Time june = absl::FromUnixSeconds(1780000000);  // 2026-05-28
  ASSERT_TRUE(Deliver(submitted, "g1", "reg-b1", june).ok());
  registrations::v1::RegistrationAccepted accepted;
  accepted.set_registration_id("reg-b1");
  accepted.set_office("kiel-mitte");
  ASSERT_TRUE(Deliver(accepted, "g2", "reg-b1", june).ok());
  auto page = store_->List({.q = "reg-b1", .departments = {"kiel-mitte"}});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->files.size(), 1u);
  const std::string az = page->files[0].aktenzeichen();
  EXPECT_EQ(page->files[0].item(), "32.10");
  EXPECT_EQ(page->files[0].disposal(), "B");
  EXPECT_EQ(page->files[0].disposal_date(), "2032-01-01");
  const absl::Time later = absl::FromUnixSeconds(1988000000);  // 2032-12-30
  EXPECT_EQ(platform::ProblemOf(store_->Dispose(az, "", "archivist:a", later)), "decision-required");
  EXPECT_EQ(platform::ProblemOf(store_->Dispose(az, "archive", "archivist:a", later)), "export-required");
  ASSERT_TRUE(store_->Dispose(az, "destroy", "archivist:a", later).ok());
  auto v = store_->GetVorgang(az, false);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->status(), "DISPOSED");
  // An open Vorgang cannot be disposed of.
  submitted.set_registration_id("reg-b2");
  ASSERT_TRUE(Deliver(submitted, "g3", "reg-b2", june).ok());
  auto open = store_->List({.q = "reg-b2", .departments = {"*"}});
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->files.size(), 1u);
  EXPECT_EQ(platform::ProblemOf(store_->Dispose(open->files[0].aktenzeichen(), "destroy", "a", later)),
            "vorgang-open");
}

TEST_F(EFileStoreTest, ArchiveItemsGoToTheArchiveAsAnExportPackageFirst) {
  // The Kiel plan destroys invoices (V); a city that archives them (A) says so in its plan.
  auto plan = ParseAktenplan(R"({"name":"Archiv-Test","items":[{"number":"20.30","title":"Rechnungen",
      "retentionYears":0,"disposal":"A","departmentField":"department",
      "eventTypes":["rathaus.e_invoice.v1.InvoiceReceived","rathaus.e_invoice.v1.InvoiceReleasedForPayment"],
      "closingEventTypes":["rathaus.e_invoice.v1.InvoiceReleasedForPayment"]}]})");
  ASSERT_TRUE(plan.ok()) << plan.status();
  plan_ = *plan;
  store_ = std::make_unique<Store>(*pool_, *outbox_, *blobs_, plan_, StoreOptions{.key_prefix = prefix_});
  filer_ = std::make_unique<Filer>(*store_, plan_);
  e_invoice::v1::InvoiceReceived received;
  received.set_invoice_id("inv-a1");
  received.set_invoice_number("RE-A-1");
  ASSERT_TRUE(Deliver(received, "x1", "inv-a1").ok());
  auto open = store_->List({.q = "inv-a1", .departments = {"*"}});
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->files.size(), 1u);
  const std::string az = open->files[0].aktenzeichen();
  EXPECT_EQ(platform::ProblemOf(store_->CreateExport({az}, "Stadt", "archivist:a", 1 << 20, absl::Now()).status()),
            "vorgang-open");
  e_invoice::v1::InvoiceReleasedForPayment released;
  released.set_invoice_id("inv-a1");
  ASSERT_TRUE(Deliver(released, "x2", "inv-a1").ok());
  const absl::Time next_year = absl::Now() + absl::Hours(24 * 400);
  EXPECT_EQ(platform::ProblemOf(store_->Dispose(az, "", "archivist:a", next_year)), "export-required");
  EXPECT_EQ(store_->CreateExport({az}, "Stadt", "archivist:a", 10, absl::Now()).status().code(),
            absl::StatusCode::kResourceExhausted);

  auto exported = store_->CreateExport({az}, "Landeshauptstadt Kiel", "archivist:a", 1 << 20, absl::Now());
  ASSERT_TRUE(exported.ok()) << exported.status();
  EXPECT_EQ(exported->documents(), 2);
  auto zip = store_->ExportZip(exported->id());
  ASSERT_TRUE(zip.ok());
  EXPECT_EQ(platform::crypto::Hex(platform::crypto::Sha256(*zip)), exported->sha256());
  auto check = VerifyAbgabe(*zip);
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_EQ(check->vorgaenge, 1);
  EXPECT_EQ(check->documents, 2);
  // The documents in the package are the filed bytes.
  auto v = store_->GetVorgang(az, true);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->export_id(), exported->id());
  auto entries = ReadStoredZip(*zip);
  ASSERT_TRUE(entries.ok());
  int matched = 0;
  for (const auto& d : v->documents()) {
    for (const ZipEntry& e : *entries) {
      if (e.name == absl::StrCat("vorgaenge/", az, "/dokumente/", d.aktenzeichen(), "/inhalt.json")) {
        EXPECT_EQ(platform::crypto::Hex(platform::crypto::Sha256(e.data)), d.sha256());
        ++matched;
      }
    }
  }
  EXPECT_EQ(matched, 2);
  // Now the content may go; the package stays.
  ASSERT_TRUE(store_->Dispose(az, "", "archivist:a", next_year).ok());
  EXPECT_TRUE(store_->ExportZip(exported->id()).ok());
  EXPECT_EQ(store_->ExportZip("0b5c2a9e-5f7e-4d4a-9b1e-2f0c8d7a6e51").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace rathaus::efile
