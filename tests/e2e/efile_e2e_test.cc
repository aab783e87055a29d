// The e-file end to end, through the gateway and real Kafka: an invoice taken from submission to
// release lands in its Vorgang of item 20.30 with every workflow step as a document, byte-exact
// and closed with its disposal date; a booking is counted in its office's day statistics (10.40)
// without its code; a read shows up in the audit log, and `rathaus-e-file verify` accepts the
// proofs against the signed heads and refuses them after one byte of an entry or of a stored
// document is changed.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "rathaus/appointments/v1/appointments.pb.h"
#include "rathaus/e_file/v1/e_file.pb.h"
#include "rathaus/e_invoice/v1/e_invoice.grpc.pb.h"
#include "rathaus/e_invoice/v1/e_invoice.pb.h"
#include "shared/crypto/crypto.h"
#include "tests/e2e/system.h"

namespace rathaus::testing {
namespace {

namespace v1 = ::rathaus::e_file::v1;

System* sys = nullptr;

std::string EFileCli() { return BinaryDir() + "/../services/e-file/rathaus-e-file"; }

std::string CorpusFile(const std::string& name) {
  std::ifstream in(SourceDir() + "/../shared/testdata/einvoice/" + name, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The official 01.01a invoice with its own number, routed to Kiel's Tiefbauamt.
std::string KielInvoice(const std::string& number) {
  return absl::StrReplaceAll(CorpusFile("valid/01.01a-INVOICE_ubl.xml"),
                             {{"<cbc:ID>123456XX</cbc:ID>", absl::StrCat("<cbc:ID>", number, "</cbc:ID>")},
                              {"04011000-12345-03", "01002-6600-95"}});
}

// Runs a command; its exit code and what it printed.
int RunCommand(const std::string& command, std::string* out) {
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  size_t n;
  out->clear();
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out->append(buf, n);
  const int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class EFileE2eTest : public ::testing::Test {
 protected:
  // The system starts in the first case's SetUp, not in SetUpTestSuite: a failure there would
  // mark every case "skipped", which ctest counts as not run instead of failed.
  void SetUp() override {
    if (sys == nullptr) sys = new System();
  }
  static void TearDownTestSuite() {
    delete sys;
    sys = nullptr;
  }
  static std::map<std::string, std::string> Bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
  }
  Answer Get(const std::string& path, const std::string& token = "") {
    return Send(sys->port(), http::verb::get, path, "",
                token.empty() ? std::map<std::string, std::string>{} : Bearer(token));
  }
  Answer Post(const std::string& path, const std::string& body,
              const std::map<std::string, std::string>& headers) {
    return Send(sys->port(), http::verb::post, path, body, headers);
  }

  // The Vorgang of a source aggregate once `done` holds for it (events travel through Kafka).
  v1::Vorgang WaitForVorgang(const std::string& q, const std::string& token,
                             const std::function<bool(const v1::Vorgang&)>& done) {
    v1::Vorgang found;
    Answer list;
    const bool ok = WaitFor(
        [&] {
          list = Get(absl::StrCat("/api/v1/files?q=", q), token);
          if (list.status != 200) return false;
          auto files = Parse<v1::ListFilesResponse>(list);
          if (files.files_size() != 1) return false;
          Answer one = Get("/api/v1/files/" + files.files(0).aktenzeichen(), token);
          if (one.status != 200) return false;
          found = Parse<v1::Vorgang>(one);
          return done(found);
        },
        absl::Seconds(60));
    EXPECT_TRUE(ok) << "no Vorgang for " << q << " as expected; last: " << found.DebugString()
                    << "\nlist: " << list.status << " " << list.body
                    << "\ne-file: " << sys->efile_stderr();
    return found;
  }

  v1::SignedTreeHead HeadOfAtLeast(uint64_t size) {
    v1::SignedTreeHead sth;
    EXPECT_TRUE(WaitFor(
        [&] {
          Answer a = Get("/api/v1/audit/tree-head");
          if (a.status != 200) return false;
          sth = Parse<v1::SignedTreeHead>(a);
          return sth.tree_size() >= size;
        },
        absl::Seconds(30)))
        << "no signed head of " << size << " entries";
    return sth;
  }
};

TEST_F(EFileE2eTest, InvoiceIsFiledStepByStepAndTheAuditLogVerifies) {
  const std::string archivist = sys->ArchivistToken("archie");
  // Submit, route (the demo table), approve with four eyes, release.
  const std::string number = UniqueName("RE");
  const std::string xml = KielInvoice(number);
  Answer submitted = Post("/api/v1/invoices?filename=re.xml", xml,
                          {{"Content-Type", "application/xml"}});
  ASSERT_EQ(submitted.status, 201) << submitted.body;
  const auto sub = Parse<rathaus::e_invoice::v1::SubmitInvoiceResponse>(submitted);
  const std::string path = "/api/v1/invoices/" + sub.id();
  const std::string anna = sys->InvoiceClerkToken("tiefbauamt", "anna");
  const std::string bernd = sys->InvoiceClerkToken("tiefbauamt", "bernd");
  ASSERT_EQ(Post(path + "/factual-approval", "", Bearer(anna)).status, 200);
  ASSERT_EQ(Post(path + "/arithmetic-approval", "", Bearer(bernd)).status, 200);
  ASSERT_EQ(Post(path + "/release", "", Bearer(bernd)).status, 200);

  // Received, routed, two approvals, released: five event documents; the release closes the
  // Vorgang. The original XML and the validation report are fetched by reference: seven.
  const v1::Vorgang v = WaitForVorgang(sub.id(), archivist, [](const v1::Vorgang& v) {
    return v.document_count() == 7 && v.status() == "CLOSED";
  });
  ASSERT_EQ(v.documents_size(), 7);
  EXPECT_EQ(v.item(), "20.30");
  EXPECT_TRUE(absl::StartsWith(v.aktenzeichen(), "20.30-")) << v.aktenzeichen();
  EXPECT_EQ(v.source_service(), "e-invoice");
  EXPECT_EQ(v.source_id(), sub.id());
  EXPECT_EQ(v.department(), "tiefbauamt");
  EXPECT_TRUE(absl::StrContains(v.subject(), number)) << v.subject();
  EXPECT_EQ(v.disposal(), "V");
  // 10 years after the end of the year of closing.
  absl::TimeZone berlin;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Berlin", &berlin));
  const int64_t year = absl::ToCivilYear(absl::Now(), berlin).year();
  EXPECT_EQ(v.disposal_date(), absl::StrCat(year + 11, "-01-01"));
  EXPECT_EQ(v.documents(0).title().substr(0, 15), "InvoiceReceived");
  int events = 0;
  for (const v1::Document& d : v.documents()) {
    if (d.kind() == "event") ++events;
    if (d.kind() == "original") {
      // Byte-identical to what the supplier sent.
      EXPECT_EQ(d.sha256(), platform::crypto::Hex(platform::crypto::Sha256(xml)));
      EXPECT_EQ(d.media_type(), "application/xml");
      Answer original = Get("/api/v1/documents/" + d.aktenzeichen() + "/content", archivist);
      ASSERT_EQ(original.status, 200);
      EXPECT_EQ(original.body, xml);
    }
    if (d.kind() == "report") {
      Answer report = Get("/api/v1/documents/" + d.aktenzeichen() + "/content", archivist);
      EXPECT_TRUE(absl::StrContains(report.body, "\"verdict\": \"accept\"")) << report.body;
    }
  }
  EXPECT_EQ(events, 5);

  // The document is byte-exact: its bytes hash to the filed SHA-256, and it is the event.
  const v1::Document& received = v.documents(0);
  EXPECT_EQ(received.aktenzeichen(), v.aktenzeichen() + "-1");
  Answer content = Get("/api/v1/documents/" + received.aktenzeichen() + "/content", archivist);
  ASSERT_EQ(content.status, 200) << content.body;
  EXPECT_EQ(content.Header("content-type"), "application/cloudevents+json");
  EXPECT_EQ(platform::crypto::Hex(platform::crypto::Sha256(content.body)), received.sha256());
  EXPECT_TRUE(absl::StrContains(content.body, "\"type\":\"rathaus.e_invoice.v1.InvoiceReceived\""));
  EXPECT_TRUE(absl::StrContains(content.body, number));

  // Who may look: file clerks of the department, the archivist; nobody else.
  EXPECT_EQ(Get("/api/v1/files/" + v.aktenzeichen()).status, 401);
  EXPECT_EQ(Get("/api/v1/files/" + v.aktenzeichen(), sys->ClerkToken("kiel-mitte")).status, 403);
  EXPECT_EQ(Get("/api/v1/files/" + v.aktenzeichen(), sys->FileClerkToken("schulamt", "sven")).status,
            404);
  EXPECT_EQ(Get("/api/v1/documents/" + received.aktenzeichen() + "/content",
                sys->FileClerkToken("schulamt", "sven"))
                .status,
            404);
  const std::string tiefbau = sys->FileClerkToken("tiefbauamt", "tina");
  EXPECT_EQ(Get("/api/v1/files/" + v.aktenzeichen(), tiefbau).status, 200);
  EXPECT_EQ(Get("/api/v1/files/20.30-x", archivist).status, 400);
  EXPECT_EQ(Get("/api/v1/files/20.30-999.1", archivist).status, 404);
  EXPECT_EQ(Get("/api/v1/files?item=99.99", archivist).status, 400);
  EXPECT_EQ(Get("/api/v1/files?from=2026-13-01", archivist).status, 400);

  // The read is in the audit log: find its entry (the newest READ of this document).
  Answer tina_read = Get("/api/v1/documents/" + received.aktenzeichen() + "/content", tiefbau);
  ASSERT_EQ(tina_read.status, 200);
  v1::SignedTreeHead first = HeadOfAtLeast(1);
  v1::AuditEntry read_entry;
  ASSERT_TRUE(WaitFor(
      [&] {
        const v1::SignedTreeHead head = HeadOfAtLeast(1);
        for (uint64_t i = head.tree_size(); i-- > 0;) {
          Answer e = Get(absl::StrCat("/api/v1/audit/entries/", i), archivist);
          if (e.status != 200) return false;
          auto entry = Parse<v1::AuditEntry>(e);
          if (entry.action() == "READ" && entry.aktenzeichen() == received.aktenzeichen() &&
              absl::StrContains(entry.entry(), "tina")) {
            read_entry = entry;
            return true;
          }
        }
        return false;
      },
      absl::Seconds(30)));
  EXPECT_EQ(read_entry.sha256(), received.sha256());
  EXPECT_EQ(Get(absl::StrCat("/api/v1/audit/entries/", read_entry.index())).status, 401);

  // Its inclusion proof verifies offline against the signed head and the public key.
  const v1::SignedTreeHead head = HeadOfAtLeast(read_entry.index() + 1);
  Answer proof = Get(absl::StrCat("/api/v1/audit/proofs/inclusion?leaf=", read_entry.index(),
                                  "&treeSize=", head.tree_size()));
  ASSERT_EQ(proof.status, 200) << proof.body;
  Answer by_hash = Get(absl::StrCat("/api/v1/audit/proofs/inclusion?leaf=", read_entry.leaf_hash(),
                                    "&treeSize=", head.tree_size()));
  ASSERT_EQ(by_hash.status, 200) << by_hash.body;
  EXPECT_EQ(by_hash.body, proof.body);
  const std::string sth_file = WriteTemp("sth.json", Get("/api/v1/audit/tree-head").body);
  Answer head_now = Get("/api/v1/audit/tree-head");
  const auto head_proto = Parse<v1::SignedTreeHead>(head_now);
  // Prove against the head just fetched (it may have grown since `head`).
  Answer proof_now = Get(absl::StrCat("/api/v1/audit/proofs/inclusion?leaf=", read_entry.index(),
                                      "&treeSize=", head_proto.tree_size()));
  ASSERT_EQ(proof_now.status, 200) << proof_now.body;
  const std::string head_file = WriteTemp("sth.json", head_now.body);
  const std::string proof_file = WriteTemp("inclusion.json", proof_now.body);
  const std::string entry_file = WriteTemp("entry.json", read_entry.entry());
  const std::string doc_file = WriteTemp("doc.json", content.body);
  const std::string verify = absl::StrCat(EFileCli(), " verify --public-key ",
                                          sys->audit_public_key(), " --tree-head ", head_file,
                                          " --inclusion ", proof_file, " --entry ");
  std::string out;
  EXPECT_EQ(RunCommand(verify + entry_file + " --document " + doc_file, &out), 0) << out;
  EXPECT_TRUE(absl::StartsWith(out, "OK: ")) << out;
  // One byte of the entry changed: refused.
  std::string changed = read_entry.entry();
  changed[changed.find("READ")] = 'D';
  EXPECT_EQ(RunCommand(verify + WriteTemp("entry.json", changed), &out), 1) << out;
  EXPECT_TRUE(absl::StartsWith(out, "FAILED: ")) << out;
  // Another key: refused.
  const std::string other = absl::StrCat("/tmp/", UniqueName("other"));
  RunTool(absl::StrCat(DevTokenBinary(), " keygen ", other, ".pem ", other, ".pub"));
  EXPECT_EQ(RunCommand(absl::StrCat(EFileCli(), " verify --public-key ", other, ".pub --tree-head ",
                                    head_file, " --inclusion ", proof_file, " --entry ", entry_file),
                       &out),
            1)
      << out;

  // The log only grew: the first head is a prefix of the newest one.
  Answer consistency = Get(absl::StrCat("/api/v1/audit/proofs/consistency?from=",
                                        first.tree_size(), "&to=", head_proto.tree_size()));
  ASSERT_EQ(consistency.status, 200) << consistency.body;
  std::string first_json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(first, &first_json).ok());
  EXPECT_EQ(RunCommand(absl::StrCat(EFileCli(), " verify --public-key ", sys->audit_public_key(),
                                    " --tree-head ", WriteTemp("old.json", first_json),
                                    " --tree-head ", head_file, " --consistency ",
                                    WriteTemp("consistency.json", consistency.body)),
                       &out),
            0)
      << out;
  EXPECT_EQ(Get("/api/v1/audit/proofs/consistency?from=0&to=1").status, 400);
  EXPECT_EQ(Get("/api/v1/audit/proofs/inclusion?leaf=abc").status, 400);

  // One byte of the stored document changed on disk: the service refuses to serve it, and the
  // verifier refuses the changed bytes against the entry that filed it.
  const std::string blob = absl::StrCat(sys->efile_blob_dir(), "/", received.sha256().substr(0, 2),
                                        "/", received.sha256());
  ASSERT_TRUE(std::filesystem::exists(blob)) << blob;
  std::string bytes;
  {
    std::ifstream in(blob, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    bytes = s.str();
  }
  std::string tampered = bytes;
  tampered[tampered.find("InvoiceReceived")] = 'X';
  std::filesystem::permissions(blob, std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  std::ofstream(blob, std::ios::binary | std::ios::trunc) << tampered;
  Answer damaged = Get("/api/v1/documents/" + received.aktenzeichen() + "/content", archivist);
  EXPECT_EQ(damaged.status, 500) << damaged.body;
  EXPECT_EQ(RunCommand(verify + entry_file + " --document " + WriteTemp("doc.json", tampered), &out),
            1)
      << out;
  EXPECT_TRUE(absl::StrContains(out, "the document was changed")) << out;
  std::ofstream(blob, std::ios::binary | std::ios::trunc) << bytes;  // repaired
  EXPECT_EQ(Get("/api/v1/documents/" + received.aktenzeichen() + "/content", archivist).status, 200);

  // Retention through the gateway: not due before 2037, a hold with its reason, the due list is
  // the archivist's.
  const std::string file = "/api/v1/files/" + v.aktenzeichen();
  const std::map<std::string, std::string> as_archivist = Bearer(archivist);
  Answer early = Post(file + "/dispose", "{}", as_archivist);
  EXPECT_EQ(early.status, 409) << early.body;
  EXPECT_TRUE(absl::StrContains(early.body, "urn:rathaus:problem:retention-not-over")) << early.body;
  EXPECT_EQ(Post(file + "/dispose", "{}", Bearer(tiefbau)).status, 403);  // file clerks don't
  EXPECT_EQ(Post(file + "/dispose", R"({"decision":"burn"})", as_archivist).status, 400);
  EXPECT_EQ(Post(file + "/hold", R"({"reason":""})", Bearer(tiefbau)).status, 400);
  Answer held = Post(file + "/hold", R"({"reason":"Prüfung durch das Rechnungsprüfungsamt"})",
                     Bearer(tiefbau));
  ASSERT_EQ(held.status, 200) << held.body;
  EXPECT_TRUE(Parse<v1::Vorgang>(held).legal_hold());
  EXPECT_EQ(Parse<v1::Vorgang>(held).legal_hold_reason(), "Prüfung durch das Rechnungsprüfungsamt");
  Answer released = Post(file + "/release-hold", "{}", as_archivist);
  ASSERT_EQ(released.status, 200) << released.body;
  EXPECT_FALSE(Parse<v1::Vorgang>(released).legal_hold());
  Answer due = Get("/api/v1/retention/due?until=2037-01-01", archivist);
  ASSERT_EQ(due.status, 200) << due.body;
  EXPECT_TRUE(absl::StrContains(due.body, v.aktenzeichen()));
  EXPECT_FALSE(absl::StrContains(Get("/api/v1/retention/due?until=2036-12-31", archivist).body,
                                 v.aktenzeichen()));
  EXPECT_EQ(Get("/api/v1/retention/due", tiefbau).status, 403);

  // The archivist's export package: downloaded byte-exact, its files check out offline, one
  // changed byte does not.
  EXPECT_EQ(Post("/api/v1/exports", absl::StrCat(R"({"files":[")", v.aktenzeichen(), R"("]})"),
                 Bearer(tiefbau)).status,
            403);
  EXPECT_EQ(Post("/api/v1/exports", R"({"files":[]})", as_archivist).status, 400);
  Answer created = Post("/api/v1/exports", absl::StrCat(R"({"files":[")", v.aktenzeichen(), R"("]})"),
                        as_archivist);
  ASSERT_EQ(created.status, 201) << created.body;
  const auto package = Parse<v1::Export>(created);
  EXPECT_EQ(package.documents(), 7);
  Answer zip = Get("/api/v1/exports/" + package.id() + ".zip", archivist);
  ASSERT_EQ(zip.status, 200);
  EXPECT_EQ(zip.Header("content-type"), "application/zip");
  EXPECT_EQ(platform::crypto::Hex(platform::crypto::Sha256(zip.body)), package.sha256());
  EXPECT_EQ(RunCommand(absl::StrCat(EFileCli(), " verify-export ", WriteTemp("abgabe.zip", zip.body)), &out), 0)
      << out;
  EXPECT_TRUE(absl::StartsWith(out, "OK: ")) << out;
  std::string damaged_zip = zip.body;
  damaged_zip[damaged_zip.find("InvoiceRouted")] = 'X';
  EXPECT_EQ(RunCommand(absl::StrCat(EFileCli(), " verify-export ", WriteTemp("abgabe.zip", damaged_zip)), &out), 1)
      << out;
  EXPECT_EQ(Parse<v1::Vorgang>(Get(file, archivist)).export_id(), package.id());
}

TEST_F(EFileE2eTest, BookingsAreCountedPerOfficeAndDayWithoutTheirCodes) {
  const std::string archivist = sys->ArchivistToken("archie");
  Answer offices = Get("/api/v1/offices");
  ASSERT_EQ(offices.status, 200);
  const std::string office =
      Parse<rathaus::appointments::v1::ListOfficesResponse>(offices).offices(1).id();
  Answer services = Get("/api/v1/services?office=" + office);
  const std::string service =
      Parse<rathaus::appointments::v1::ListServicesResponse>(services).services(0).id();
  Answer slots = Get(absl::StrCat("/api/v1/availability?office=", office, "&service=", service));
  ASSERT_EQ(slots.status, 200);
  const auto free = Parse<rathaus::appointments::v1::GetAvailabilityResponse>(slots);
  ASSERT_GT(free.slots_size(), 3);
  const std::string start = free.slots(3).start();
  const std::string day = start.substr(0, 10);
  Answer made = Post("/api/v1/bookings",
                     absl::StrCat(R"({"office":")", office, R"(","services":[{"id":")", service,
                                  R"(","quantity":1}],"start":")", start,
                                  R"(","name":"Efile Test","email":"efile.test@example.org"})"),
                     {});
  ASSERT_EQ(made.status, 201) << made.body;
  const auto booking = Parse<rathaus::appointments::v1::Booking>(made);

  const v1::Vorgang v = WaitForVorgang(absl::StrCat(office, "/", day), archivist,
                                       [](const v1::Vorgang& v) {
                                         return v.statistics().count("AppointmentBooked") == 1 &&
                                                v.statistics().at("AppointmentBooked") >= 1;
                                       });
  EXPECT_EQ(v.item(), "10.40");
  EXPECT_EQ(v.department(), office);
  EXPECT_EQ(v.document_count(), 0);
  EXPECT_EQ(v.source_id(), absl::StrCat(office, "/", day));
  EXPECT_TRUE(absl::StrContains(v.subject(), day)) << v.subject();
  // The booking code reaches the e-file nowhere.
  Answer all = Get("/api/v1/files?item=10.40&pageSize=200", archivist);
  ASSERT_EQ(all.status, 200);
  EXPECT_FALSE(absl::StrContains(all.body, booking.code()));
  EXPECT_FALSE(absl::StrContains(Get("/api/v1/files/" + v.aktenzeichen(), archivist).body,
                                 booking.code()));
}

// e-invoice lets the e-file's credential (integrator, scope invoices:read) read originals and
// reports, and nothing else; an integrator without the scope reads nothing.
TEST_F(EFileE2eTest, TheEFilesCredentialReadsInvoicesOnly) {
  Answer submitted = Post("/api/v1/invoices?filename=re.xml", KielInvoice(UniqueName("RE")),
                          {{"Content-Type", "application/xml"}});
  ASSERT_EQ(submitted.status, 201) << submitted.body;
  const auto sub = Parse<rathaus::e_invoice::v1::SubmitInvoiceResponse>(submitted);
  auto stub = rathaus::e_invoice::v1::EInvoice::NewStub(
      grpc::CreateChannel(sys->invoices_addr(), grpc::InsecureChannelCredentials()));
  auto call = [&](const std::string& token, auto method) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + token);
    return method(&ctx);
  };
  rathaus::e_invoice::v1::GetInvoiceRequest req;
  req.set_id(sub.id());
  const std::string reader = sys->IntegratorToken("invoices:read");
  const std::string other = sys->IntegratorToken("id-documents:status");
  rathaus::common::v1::File file;
  rathaus::e_invoice::v1::ValidationReport report;
  rathaus::e_invoice::v1::Invoice invoice;
  EXPECT_EQ(call(reader, [&](grpc::ClientContext* c) { return stub->GetInvoiceOriginal(c, req, &file); })
                .error_code(),
            grpc::StatusCode::OK);
  EXPECT_FALSE(file.content().empty());
  EXPECT_EQ(call(reader, [&](grpc::ClientContext* c) { return stub->GetInvoiceReport(c, req, &report); })
                .error_code(),
            grpc::StatusCode::OK);
  EXPECT_EQ(call(other, [&](grpc::ClientContext* c) { return stub->GetInvoiceOriginal(c, req, &file); })
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(call(reader, [&](grpc::ClientContext* c) { return stub->GetInvoice(c, req, &invoice); })
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  rathaus::e_invoice::v1::InvoiceActionRequest action;
  action.set_id(sub.id());
  EXPECT_EQ(call(reader, [&](grpc::ClientContext* c) { return stub->ApproveFactually(c, action, &invoice); })
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace rathaus::testing
