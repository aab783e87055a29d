// The e-invoice service through a real in-process gRPC server on the ctest fixture's Redis:
// submission with validation, routing, duplicates, the four-eyes workflow, what each step
// writes to the outbox, and the answers to bad input. Invoices are the official test suite's
// 01.01a (../shared/testdata/einvoice) with their number and Leitweg-ID changed per test.
#include <gtest/gtest.h>

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/str_replace.h"
#include "rathaus/e_invoice/v1/e_invoice.grpc.pb.h"
#include "rathaus/e_invoice/v1/events.pb.h"
#include "services/e-invoice/service.h"
#include "services/e-invoice/store.h"
#include "shared/blob/blob_store.h"
#include "shared/grpc/server.h"
#include "shared/outbox/outbox.h"
#include "shared/redis/redis.h"
#include "tests/harness/credentials.h"
#include "tests/harness/harness.h"

namespace rathaus::einvoice {
namespace {

namespace v1 = ::rathaus::e_invoice::v1;
using ::rathaus::testing::SharedServers;
using ::rathaus::testing::SourceDir;
using ::rathaus::testing::UniqueName;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Corpus(const std::string& name) {
  const std::string text = ReadFile(SourceDir() + "/../shared/testdata/einvoice/" + name);
  EXPECT_FALSE(text.empty()) << name;
  return text;
}

// A valid XRechnung (UBL) with this invoice number and Leitweg-ID.
std::string ValidInvoice(const std::string& number, const std::string& leitweg) {
  return absl::StrReplaceAll(Corpus("valid/01.01a-INVOICE_ubl.xml"),
                             {{"<cbc:ID>123456XX</cbc:ID>", absl::StrCat("<cbc:ID>", number, "</cbc:ID>")},
                              {"04011000-12345-03", leitweg}});
}

constexpr char kRouted[] = "01002-6600-95";

class EInvoiceServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto options = platform::redis::Options::FromUrl(SharedServers().redis_url);
    ASSERT_TRUE(options.ok());
    pool_ = std::make_unique<platform::redis::Pool>(*options);
    prefix_ = UniqueName("inv") + ":";
    outbox_ = std::make_unique<platform::outbox::Outbox>(UniqueName("einv"), prefix_);
    blob_dir_ = absl::StrCat("/tmp/", UniqueName("einvoice-blobs"));
    blobs_ = std::make_unique<platform::BlobStore>(blob_dir_);
    ASSERT_TRUE(blobs_->Open().ok());
    auto table = RoutingTable::Parse(absl::StrCat(kRouted, " tiefbauamt\n01002-4000-38 schulamt\n"));
    ASSERT_TRUE(table.ok());
    routing_ = std::make_unique<RoutingTable>(*table);
    store_ = std::make_unique<Store>(*pool_, *outbox_, prefix_);
    service_ = std::make_unique<EInvoiceService>(*routing_, *store_, *blobs_, *outbox_,
                                                 credentials_.callers());
    platform::GrpcServerOptions server_options;
    server_options.listen = "127.0.0.1:0";
    server_options.max_message_bytes = 24 << 20;
    server_ = std::make_unique<platform::GrpcServer>("e-invoice", server_options);
    server_->AddService(service_.get());
    ASSERT_TRUE(server_->Start().ok());
    grpc::ChannelArguments args;
    args.SetMaxSendMessageSize(24 << 20);
    stub_ = v1::EInvoice::NewStub(grpc::CreateCustomChannel(
        absl::StrCat("127.0.0.1:", server_->port()), grpc::InsecureChannelCredentials(), args));
  }
  void TearDown() override {
    server_->RequestShutdown();
    server_->Wait();
    std::system(absl::StrCat("rm -rf '", blob_dir_, "'").c_str());
  }

  grpc::Status Submit(const std::string& xml, v1::SubmitInvoiceResponse* resp,
                      const std::string& content_type = "application/xml",
                      const std::string& filename = "") {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + credentials_.Token("supplier", {}, "supplier-1"));
    v1::SubmitInvoiceRequest req;
    req.set_content(xml);
    req.set_content_type(content_type);
    req.set_filename(filename);
    grpc::Status s = stub_->SubmitInvoice(&ctx, req, resp);
    last_field_ = Trailer(ctx, "rathaus-field");
    last_problem_ = Trailer(ctx, "rathaus-problem");
    return s;
  }

  std::string SubmitRouted(const std::string& number) {
    v1::SubmitInvoiceResponse resp;
    grpc::Status s = Submit(ValidInvoice(number, kRouted), &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(resp.status(), "ROUTED");
    return resp.id();
  }

  // A verified invoice clerk of `depts` (comma-separated), as the gateway forwards it.
  void AsClerk(grpc::ClientContext* ctx, const std::string& who, const std::string& depts) {
    std::vector<std::string> scope = absl::StrSplit(depts, ',', absl::SkipEmpty());
    ctx->AddMetadata("authorization",
                     "Bearer " + credentials_.Token("invoice-clerk", scope, who));
  }

  static std::string Trailer(const grpc::ClientContext& ctx, const std::string& key) {
    auto it = ctx.GetServerTrailingMetadata().find(key);
    return it == ctx.GetServerTrailingMetadata().end()
               ? ""
               : std::string(it->second.data(), it->second.size());
  }

  // One workflow step by `who` of `depts`.
  grpc::Status Act(const std::string& step, const std::string& id, const std::string& who,
                   const std::string& depts = "tiefbauamt", v1::Invoice* out = nullptr) {
    grpc::ClientContext ctx;
    AsClerk(&ctx, who, depts);
    v1::InvoiceActionRequest req;
    req.set_id(id);
    v1::Invoice resp;
    grpc::Status s;
    if (step == "factual") s = stub_->ApproveFactually(&ctx, req, &resp);
    if (step == "arithmetic") s = stub_->ApproveArithmetically(&ctx, req, &resp);
    if (step == "release") s = stub_->ReleaseForPayment(&ctx, req, &resp);
    last_problem_ = Trailer(ctx, "rathaus-problem");
    if (out != nullptr) *out = resp;
    return s;
  }

  grpc::Status Get(const std::string& id, const std::string& depts, v1::Invoice* out) {
    grpc::ClientContext ctx;
    AsClerk(&ctx, "reader", depts);
    v1::GetInvoiceRequest req;
    req.set_id(id);
    return stub_->GetInvoice(&ctx, req, out);
  }

  // The event types in the outbox for this invoice, oldest first.
  std::vector<std::string> EventTypes(const std::string& id) {
    auto r = pool_->Command({"XRANGE", outbox_->stream_key(), "-", "+"});
    EXPECT_TRUE(r.ok());
    std::vector<std::string> types;
    for (const auto& entry : r->elements) {
      const auto& f = entry.elements[1].elements;
      std::string key, type;
      for (size_t i = 0; i + 1 < f.size(); i += 2) {
        if (f[i].str == "key") key = f[i + 1].str;
        if (f[i].str == "type") type = f[i + 1].str;
      }
      if (key == id) types.push_back(type.substr(type.rfind('.') + 1));
    }
    return types;
  }

  std::string PayloadOf(const std::string& id, const std::string& type_suffix) {
    auto r = pool_->Command({"XRANGE", outbox_->stream_key(), "-", "+"});
    for (const auto& entry : r->elements) {
      const auto& f = entry.elements[1].elements;
      std::string key, type, payload;
      for (size_t i = 0; i + 1 < f.size(); i += 2) {
        if (f[i].str == "key") key = f[i + 1].str;
        if (f[i].str == "type") type = f[i + 1].str;
        if (f[i].str == "payload") payload = f[i + 1].str;
      }
      if (key == id && absl::EndsWith(type, type_suffix)) return payload;
    }
    return "";
  }

  std::unique_ptr<platform::redis::Pool> pool_;
  std::string prefix_, blob_dir_, last_field_, last_problem_;
  std::unique_ptr<platform::outbox::Outbox> outbox_;
  std::unique_ptr<platform::BlobStore> blobs_;
  std::unique_ptr<RoutingTable> routing_;
  std::unique_ptr<Store> store_;
  rathaus::testing::TestCredentials credentials_;
  std::unique_ptr<EInvoiceService> service_;
  std::unique_ptr<platform::GrpcServer> server_;
  std::unique_ptr<v1::EInvoice::Stub> stub_;
};

TEST_F(EInvoiceServiceTest, ValidInvoiceIsStoredRoutedAndReadableByItsDepartment) {
  const std::string xml = ValidInvoice("R-2026-0001", kRouted);
  v1::SubmitInvoiceResponse resp;
  ASSERT_TRUE(Submit(xml, &resp, "application/xml", "r-2026-0001.xml").ok());
  EXPECT_EQ(resp.verdict(), "accept");
  EXPECT_EQ(resp.status(), "ROUTED");
  EXPECT_EQ(resp.department(), "tiefbauamt");
  EXPECT_FALSE(resp.has_problem());
  EXPECT_EQ(resp.report().errors_size(), 0);
  EXPECT_EQ(resp.report().syntax(), "UBL-Invoice");
  EXPECT_EQ(EventTypes(resp.id()), (std::vector<std::string>{"InvoiceReceived", "InvoiceRouted"}));
  v1::InvoiceRouted routed;
  ASSERT_TRUE(routed.ParseFromString(PayloadOf(resp.id(), "InvoiceRouted")));
  EXPECT_EQ(routed.department(), "tiefbauamt");
  EXPECT_EQ(routed.leitweg_id(), kRouted);

  v1::Invoice inv;
  ASSERT_TRUE(Get(resp.id(), "tiefbauamt", &inv).ok());
  EXPECT_EQ(inv.invoice_number(), "R-2026-0001");
  EXPECT_EQ(inv.issue_date(), "2016-04-04");
  EXPECT_EQ(inv.seller_vat_id(), "DE 123456789");
  EXPECT_EQ(inv.leitweg_id(), kRouted);
  EXPECT_EQ(inv.filename(), "r-2026-0001.xml");
  EXPECT_EQ(inv.size_bytes(), static_cast<int64_t>(xml.size()));
  ASSERT_EQ(inv.history_size(), 2);
  EXPECT_EQ(inv.history(0).status(), "RECEIVED");
  EXPECT_EQ(inv.history(1).status(), "ROUTED");
  // Another department does not learn that it exists; the invoice office sees everything.
  v1::Invoice other;
  EXPECT_EQ(Get(resp.id(), "schulamt", &other).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(Get(resp.id(), "*", &other).ok());

  grpc::ClientContext c1;
  AsClerk(&c1, "reader", "tiefbauamt");
  v1::GetInvoiceRequest get;
  get.set_id(resp.id());
  common::v1::File original;
  ASSERT_TRUE(stub_->GetInvoiceOriginal(&c1, get, &original).ok());
  EXPECT_EQ(original.content(), xml);  // byte-exact
  EXPECT_EQ(original.content_type(), "application/xml");
  EXPECT_EQ(inv.sha256().size(), 64u);

  grpc::ClientContext c2;
  AsClerk(&c2, "reader", "tiefbauamt");
  common::v1::File view;
  ASSERT_TRUE(stub_->GetInvoiceView(&c2, get, &view).ok());
  EXPECT_TRUE(absl::StartsWith(view.content_type(), "text/html"));
  EXPECT_TRUE(absl::StrContains(view.content(), "R-2026-0001"));
  EXPECT_TRUE(absl::StrContains(view.content(), "Positionen"));
  EXPECT_FALSE(absl::StrContains(view.content(), "<script"));

  grpc::ClientContext c3;
  AsClerk(&c3, "reader", "tiefbauamt");
  v1::ValidationReport report;
  ASSERT_TRUE(stub_->GetInvoiceReport(&c3, get, &report).ok());
  EXPECT_EQ(report.verdict(), "accept");
}

// The blob collection keeps every original an invoice names (rejected ones too) and removes an
// old original that none names (the service stopped before the record was written).
// Suppliers sign in: without a token, or with another role's, nothing is stored. Anonymous
// submissions only with the development setting, and a token sent anyway is still checked.
TEST_F(EInvoiceServiceTest, SubmissionsNeedASupplierUnlessAnonymousIsAllowed) {
  v1::SubmitInvoiceRequest req;
  req.set_content(ValidInvoice(UniqueName("RE"), kRouted));
  req.set_content_type("application/xml");
  v1::SubmitInvoiceResponse resp;
  grpc::ClientContext anonymous;
  EXPECT_EQ(stub_->SubmitInvoice(&anonymous, req, &resp).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  grpc::ClientContext clerk;
  clerk.AddMetadata("authorization", "Bearer " + credentials_.Token("invoice-clerk", {"*"}, "anna"));
  EXPECT_EQ(stub_->SubmitInvoice(&clerk, req, &resp).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(resp.id().empty());

  service_->set_anonymous_submission(true);
  grpc::ClientContext allowed;
  ASSERT_TRUE(stub_->SubmitInvoice(&allowed, req, &resp).ok());
  EXPECT_EQ(resp.status(), "ROUTED");
  grpc::ClientContext forged;
  forged.AddMetadata("authorization", "Bearer not-a-token");
  req.set_content(ValidInvoice(UniqueName("RE"), kRouted));
  EXPECT_EQ(stub_->SubmitInvoice(&forged, req, &resp).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

// Validations beyond the bound wait for a slot, then answer UNAVAILABLE (503, retry) without
// storing anything; with a slot free the same invoice goes through.
TEST_F(EInvoiceServiceTest, ValidationsBeyondTheBoundAreAnsweredUnavailable) {
  service_->set_validation_limit(0, absl::Milliseconds(50));  // no slot at all
  v1::SubmitInvoiceResponse resp;
  const std::string xml = ValidInvoice(UniqueName("RE"), kRouted);
  EXPECT_EQ(Submit(xml, &resp).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(resp.id().empty());
  service_->set_validation_limit(1, absl::Seconds(1));
  EXPECT_TRUE(Submit(xml, &resp).ok());
  EXPECT_EQ(resp.status(), "ROUTED");
}

TEST_F(EInvoiceServiceTest, BlobCollectionKeepsEveryNamedOriginal) {
  v1::SubmitInvoiceResponse accepted, rejected;
  ASSERT_TRUE(Submit(ValidInvoice("R-2026-GC1", kRouted), &accepted, "application/xml", "a.xml").ok());
  ASSERT_TRUE(Submit(Corpus("invalid/01.01a-INVOICE_ubl__drop-BT-3.xml"), &rejected,
                     "application/xml", "b.xml").ok());
  const std::string orphan = *blobs_->Put("an original without its record");
  auto in_use = store_->BlobsInUse();
  ASSERT_TRUE(in_use.ok()) << in_use.status();
  EXPECT_EQ(in_use->size(), 2u);
  EXPECT_FALSE(in_use->contains(orphan));
  // Everything is "old" with a grace of zero: only the orphan goes.
  auto done = blobs_->Collect(absl::ZeroDuration(), [&] { return store_->BlobsInUse(); });
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->removed, 1);
  EXPECT_EQ(blobs_->Get(orphan).status().code(), absl::StatusCode::kNotFound);
  for (const std::string& sha : *in_use) EXPECT_TRUE(blobs_->Get(sha).ok()) << sha;
}

TEST_F(EInvoiceServiceTest, FourEyesWorkflowToPayment) {
  const std::string id = SubmitRouted("R-4E-1");
  EXPECT_EQ(Act("arithmetic", id, "anna").error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Act("release", id, "anna").error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  ASSERT_TRUE(Act("factual", id, "anna").ok());
  EXPECT_EQ(Act("factual", id, "bernd").error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  // The clerk who confirmed the goods may not also check the arithmetic.
  grpc::Status same = Act("arithmetic", id, "anna");
  EXPECT_EQ(same.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(last_problem_, "four-eyes");
  ASSERT_TRUE(Act("arithmetic", id, "bernd").ok());
  EXPECT_EQ(Act("release", id, "anna").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  v1::Invoice released;
  ASSERT_TRUE(Act("release", id, "bernd", "tiefbauamt", &released).ok());
  EXPECT_EQ(released.status(), "RELEASED_FOR_PAYMENT");
  EXPECT_EQ(released.factually_approved_by(), "anna");
  EXPECT_EQ(released.arithmetically_approved_by(), "bernd");
  EXPECT_EQ(released.released_by(), "bernd");
  ASSERT_EQ(released.history_size(), 5);
  EXPECT_EQ(released.history(4).by(), "bernd");
  EXPECT_EQ(EventTypes(id),
            (std::vector<std::string>{"InvoiceReceived", "InvoiceRouted", "InvoiceFactuallyApproved",
                                      "InvoiceArithmeticallyApproved",
                                      "InvoiceReleasedForPayment"}));
  v1::InvoiceReleasedForPayment paid;
  ASSERT_TRUE(paid.ParseFromString(PayloadOf(id, "InvoiceReleasedForPayment")));
  EXPECT_EQ(paid.invoice_number(), "R-4E-1");
  EXPECT_FALSE(paid.payable_amount().empty());
  // Closed: nothing more happens to it, not even a rejection.
  grpc::ClientContext ctx;
  AsClerk(&ctx, "carla", "tiefbauamt");
  v1::RejectInvoiceRequest reject;
  reject.set_id(id);
  reject.set_reason("zu spät");
  v1::Invoice out;
  EXPECT_EQ(stub_->RejectInvoice(&ctx, reject, &out).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  // A clerk of another department cannot act on it at all.
  const std::string second = SubmitRouted("R-4E-2");
  EXPECT_EQ(Act("factual", second, "sven", "schulamt").error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(EInvoiceServiceTest, ConcurrentApprovalsWinOnce) {
  const std::string id = SubmitRouted("R-RACE-1");
  std::atomic<int> ok{0}, refused{0}, other{0};
  std::vector<std::thread> clerks;
  for (int i = 0; i < 8; ++i) {
    clerks.emplace_back([&, i] {
      grpc::Status s = Act("factual", id, absl::StrCat("clerk-", i));
      if (s.ok()) {
        ++ok;
      } else if (s.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
        ++refused;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : clerks) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(refused.load(), 7);
  EXPECT_EQ(other.load(), 0);
  std::vector<std::string> types = EventTypes(id);
  EXPECT_EQ(std::count(types.begin(), types.end(), "InvoiceFactuallyApproved"), 1);
}

TEST_F(EInvoiceServiceTest, DuplicatesAreRefusedUntilTheFirstIsRejected) {
  const std::string first = SubmitRouted("R-DUP-1");
  v1::SubmitInvoiceResponse resp;
  grpc::Status again = Submit(ValidInvoice("R-DUP-1", kRouted), &resp);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(last_problem_, "duplicate-invoice");
  EXPECT_TRUE(absl::StrContains(again.error_message(), first)) << again.error_message();
  // Other bytes, same seller + number + date (another Leitweg-ID): still the same invoice.
  EXPECT_EQ(Submit(ValidInvoice("R-DUP-1", "01002-4000-38"), &resp).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  // Another number is another invoice.
  EXPECT_FALSE(SubmitRouted("R-DUP-2").empty());

  grpc::ClientContext ctx;
  AsClerk(&ctx, "anna", "tiefbauamt");
  v1::RejectInvoiceRequest reject;
  reject.set_id(first);
  reject.set_reason("Bestellnummer fehlt; bitte neu einreichen.");
  v1::Invoice rejected;
  ASSERT_TRUE(stub_->RejectInvoice(&ctx, reject, &rejected).ok());
  EXPECT_EQ(rejected.status(), "REJECTED");
  EXPECT_EQ(rejected.rejection_reason(), "Bestellnummer fehlt; bitte neu einreichen.");
  v1::InvoiceRejected event;
  ASSERT_TRUE(event.ParseFromString(PayloadOf(first, "InvoiceRejected")));
  EXPECT_EQ(event.reason(), "Bestellnummer fehlt; bitte neu einreichen.");
  EXPECT_EQ(event.invoice_number(), "R-DUP-1");
  EXPECT_EQ(event.previous_status(), "ROUTED");
  // After the rejection the supplier may send the invoice again.
  EXPECT_NE(SubmitRouted("R-DUP-1"), first);
}

TEST_F(EInvoiceServiceTest, RuleViolationsAreKeptAsRejectedWithTheReport) {
  const std::string xml = Corpus("invalid/01.01a-INVOICE_ubl__drop-BT-3.xml");
  v1::SubmitInvoiceResponse resp;
  ASSERT_TRUE(Submit(xml, &resp).ok());
  EXPECT_EQ(resp.verdict(), "reject");
  EXPECT_EQ(resp.status(), "REJECTED");
  ASSERT_TRUE(resp.has_problem());
  EXPECT_EQ(resp.problem().status(), 422);
  EXPECT_EQ(resp.problem().type(), "invoice-rejected");
  ASSERT_GT(resp.report().errors_size(), 0);
  EXPECT_EQ(resp.report().errors(0).rule(), "BR-04");
  EXPECT_EQ(EventTypes(resp.id()), (std::vector<std::string>{"InvoiceReceived", "InvoiceRejected"}));
  v1::InvoiceRejected event;
  ASSERT_TRUE(event.ParseFromString(PayloadOf(resp.id(), "InvoiceRejected")));
  EXPECT_EQ(event.rejected_by(), "system");
  ASSERT_GT(event.errors_size(), 0);
  EXPECT_EQ(event.errors(0).rule(), "BR-04");
  // A rejected invoice is no duplicate: the same file again is a new submission.
  v1::SubmitInvoiceResponse again;
  ASSERT_TRUE(Submit(xml, &again).ok());
  EXPECT_NE(again.id(), resp.id());

}

// Unreadable, hostile and non-invoice XML get the 422 report with XML-PARSE, but nothing of them
// is kept: no invoice record, no original, no event, no submission token (issue 14).
TEST_F(EInvoiceServiceTest, UploadsThatAreNoInvoiceAreAnsweredButNotKept) {
  for (const std::string& bad :
       {std::string("not xml at all"),
        std::string("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
                    "<x>&e;</x>"),
        std::string("<Invoice xmlns=\"urn:example:other\"/>")}) {
    v1::SubmitInvoiceResponse r;
    ASSERT_TRUE(Submit(bad, &r).ok());
    EXPECT_EQ(r.verdict(), "reject");
    EXPECT_EQ(r.id(), "");
    EXPECT_EQ(r.status(), "");
    EXPECT_EQ(r.submission_token(), "");
    ASSERT_TRUE(r.has_problem());
    EXPECT_EQ(r.problem().status(), 422);
    EXPECT_EQ(r.problem().type(), "invoice-rejected");
    ASSERT_GT(r.report().errors_size(), 0);
    EXPECT_EQ(r.report().errors(0).rule(), "XML-PARSE");
    EXPECT_FALSE(absl::StrContains(r.report().errors(0).message(), "root:"));
  }
  auto keys = pool_->Command({"KEYS", prefix_ + "*"});
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->elements.size(), 0u);
  auto len = pool_->Command({"XLEN", outbox_->stream_key()});
  ASSERT_TRUE(len.ok());
  EXPECT_EQ(len->integer, 0);
  auto in_use = store_->BlobsInUse();
  ASSERT_TRUE(in_use.ok());
  EXPECT_TRUE(in_use->empty());
  int originals = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(blob_dir_)) {
    originals += e.is_regular_file() && e.path().filename().string().size() == 64;
  }
  EXPECT_EQ(originals, 0);
}

// The supplier learns its invoice's status with the token from the submission answer, and
// nothing else; a wrong token and an unknown id get the same NOT_FOUND.
TEST_F(EInvoiceServiceTest, SuppliersReadTheStatusWithTheirSubmissionToken) {
  v1::SubmitInvoiceResponse submitted;
  ASSERT_TRUE(Submit(ValidInvoice("R-STATUS-1", kRouted), &submitted).ok());
  const std::string id = submitted.id();
  const std::string token = submitted.submission_token();
  ASSERT_EQ(token.size(), 43u) << token;  // 256 bits, base64url without padding
  auto status = [&](const std::string& for_id, const std::string& with, v1::SubmissionStatus* out,
                    std::string* message = nullptr) {
    grpc::ClientContext ctx;  // no credential: the token is the credential
    v1::GetSubmissionStatusRequest req;
    req.set_id(for_id);
    req.set_token(with);
    grpc::Status s = stub_->GetSubmissionStatus(&ctx, req, out);
    if (message != nullptr) *message = s.error_message();
    return s.error_code();
  };
  v1::SubmissionStatus out;
  ASSERT_EQ(status(id, token, &out), grpc::StatusCode::OK);
  EXPECT_EQ(out.id(), id);
  EXPECT_EQ(out.status(), "ROUTED");
  EXPECT_EQ(out.released_at(), "");

  std::string wrong_message, unknown_message;
  std::string wrong = token;
  wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
  EXPECT_EQ(status(id, wrong, &out, &wrong_message), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status("00000000-0000-4000-8000-000000000000", token, &out, &unknown_message),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(wrong_message, unknown_message);
  EXPECT_EQ(status(id, "", &out), grpc::StatusCode::NOT_FOUND);

  // The token is kept only as a hash.
  auto fields = pool_->Command({"HGETALL", prefix_ + "inv:" + id});
  ASSERT_TRUE(fields.ok());
  for (const auto& f : fields->elements) EXPECT_FALSE(absl::StrContains(f.str, token));

  ASSERT_TRUE(Act("factual", id, "anna").ok());
  ASSERT_TRUE(Act("arithmetic", id, "ben").ok());
  ASSERT_TRUE(Act("release", id, "ben").ok());
  ASSERT_EQ(status(id, token, &out), grpc::StatusCode::OK);
  EXPECT_EQ(out.status(), "RELEASED_FOR_PAYMENT");
  EXPECT_EQ(out.released_at().size(), 24u) << out.released_at();  // 2026-12-05T16:40:00.000Z

  // A rejected invoice has a token too.
  v1::SubmitInvoiceResponse rejected;
  ASSERT_TRUE(Submit(Corpus("invalid/01.01a-INVOICE_ubl__drop-BT-3.xml"), &rejected).ok());
  ASSERT_FALSE(rejected.submission_token().empty());
  ASSERT_EQ(status(rejected.id(), rejected.submission_token(), &out), grpc::StatusCode::OK);
  EXPECT_EQ(out.status(), "REJECTED");
}

// A rejected invoice's original is kept for the retention (RATHAUS_EINVOICE_REJECTED_RETENTION),
// then no record names it (the blob collection removes it); accepted invoices keep theirs.
TEST_F(EInvoiceServiceTest, RejectedOriginalsAreGivenUpAfterTheRetention) {
  service_->set_rejected_retention(absl::Seconds(1));
  v1::SubmitInvoiceResponse rejected;
  ASSERT_TRUE(Submit(Corpus("invalid/01.01a-INVOICE_ubl__drop-BT-3.xml"), &rejected).ok());
  const std::string by_clerk = SubmitRouted("R-RETAIN-1");
  const std::string kept = SubmitRouted("R-RETAIN-2");
  grpc::ClientContext ctx;
  AsClerk(&ctx, "anna", "tiefbauamt");
  v1::RejectInvoiceRequest reject;
  reject.set_id(by_clerk);
  reject.set_reason("Bestellnummer fehlt");
  v1::Invoice out;
  ASSERT_TRUE(stub_->RejectInvoice(&ctx, reject, &out).ok());

  auto original = [&](const std::string& id) {
    grpc::ClientContext c;
    AsClerk(&c, "reader", "*");
    v1::GetInvoiceRequest req;
    req.set_id(id);
    common::v1::File file;
    return stub_->GetInvoiceOriginal(&c, req, &file);
  };
  ASSERT_TRUE(original(rejected.id()).ok());
  auto early = store_->ExpireRejectedOriginals(100);
  ASSERT_TRUE(early.ok()) << early.status();
  EXPECT_EQ(early->fired, 0);
  ASSERT_TRUE(early->next.has_value());

  absl::SleepFor(absl::Milliseconds(1200));
  auto due = store_->ExpireRejectedOriginals(100);
  ASSERT_TRUE(due.ok()) << due.status();
  EXPECT_EQ(due->fired, 2);
  EXPECT_FALSE(due->next.has_value());
  for (const std::string& id : {rejected.id(), by_clerk}) {
    grpc::Status s = original(id);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << id;
    EXPECT_TRUE(absl::StrContains(s.error_message(), "retention")) << s.error_message();
  }
  EXPECT_TRUE(original(kept).ok());
  auto in_use = store_->BlobsInUse();
  ASSERT_TRUE(in_use.ok());
  EXPECT_EQ(in_use->size(), 1u);  // only the accepted invoice's original is still named
  // The record stays (the supplier's status, the clerks' list): only the original goes.
  v1::Invoice record;
  EXPECT_TRUE(Get(rejected.id(), "*", &record).ok());
  EXPECT_EQ(record.status(), "REJECTED");
}

TEST_F(EInvoiceServiceTest, UnroutableGoesToTheInvoiceOfficeWhichAssignsIt) {
  v1::SubmitInvoiceResponse resp;
  ASSERT_TRUE(Submit(ValidInvoice("R-UNR-1", "99999999-0000-00"), &resp).ok());
  EXPECT_EQ(resp.status(), "UNROUTABLE");
  EXPECT_EQ(EventTypes(resp.id()),
            (std::vector<std::string>{"InvoiceReceived", "InvoiceUnroutable"}));
  v1::Invoice inv;
  EXPECT_EQ(Get(resp.id(), "tiefbauamt", &inv).error_code(), grpc::StatusCode::NOT_FOUND);

  auto list = [&](const std::string& status, const std::string& depts, const std::string& dept) {
    grpc::ClientContext ctx;
    AsClerk(&ctx, "office", depts);
    v1::ListInvoicesRequest req;
    req.set_status(status);
    req.set_department(dept);
    v1::ListInvoicesResponse out;
    grpc::Status s = stub_->ListInvoices(&ctx, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  };
  v1::ListInvoicesResponse unroutable = list("UNROUTABLE", "*", "");
  ASSERT_EQ(unroutable.invoices_size(), 1);
  EXPECT_EQ(unroutable.invoices(0).id(), resp.id());

  auto assign = [&](const std::string& depts) {
    grpc::ClientContext ctx;
    AsClerk(&ctx, "office", depts);
    v1::AssignInvoiceRequest req;
    req.set_id(resp.id());
    req.set_department("schulamt");
    v1::Invoice out;
    return stub_->AssignInvoice(&ctx, req, &out);
  };
  EXPECT_EQ(assign("schulamt").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(assign("*").ok());
  ASSERT_TRUE(Get(resp.id(), "schulamt", &inv).ok());
  EXPECT_EQ(inv.status(), "ROUTED");
  EXPECT_EQ(inv.department(), "schulamt");
  EXPECT_EQ(list("UNROUTABLE", "*", "").invoices_size(), 0);
  EXPECT_EQ(list("ROUTED", "schulamt", "").invoices_size(), 1);
  EXPECT_EQ(list("ROUTED", "schulamt,tiefbauamt", "schulamt").invoices_size(), 1);
  EXPECT_EQ(EventTypes(resp.id()).back(), "InvoiceRouted");
}

TEST_F(EInvoiceServiceTest, ListsNewestFirstInPages) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(SubmitRouted(absl::StrCat("R-PAGE-", i)));
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    grpc::ClientContext ctx;
    AsClerk(&ctx, "anna", "tiefbauamt");
    v1::ListInvoicesRequest req;
    req.set_status("ROUTED");
    req.set_page_size(2);
    req.set_page_token(token);
    v1::ListInvoicesResponse out;
    ASSERT_TRUE(stub_->ListInvoices(&ctx, req, &out).ok());
    for (const auto& inv : out.invoices()) seen.push_back(inv.id());
    token = out.next_page_token();
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen.front(), ids.back());
  EXPECT_EQ(seen.back(), ids.front());
}

TEST_F(EInvoiceServiceTest, BadInputIsRefusedWithTheFieldAndChangesNothing) {
  v1::SubmitInvoiceResponse resp;
  const std::string xml = ValidInvoice("R-BAD-1", kRouted);
  EXPECT_EQ(Submit(xml, &resp, "application/json").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(last_field_, "contentType");
  EXPECT_EQ(Submit("", &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(last_field_, "content");
  EXPECT_EQ(Submit(xml, &resp, "application/xml", "../etc/passwd").error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(last_field_, "filename");
  // Nothing was stored: the same invoice is accepted as new.
  auto keys = pool_->Command({"KEYS", prefix_ + "inv:*"});
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->elements.size(), 0u);
  EXPECT_FALSE(SubmitRouted("R-BAD-1").empty());

  const std::string id = SubmitRouted("R-BAD-2");
  grpc::ClientContext ctx;
  AsClerk(&ctx, "anna", "tiefbauamt");
  v1::RejectInvoiceRequest reject;
  reject.set_id(id);
  reject.set_reason("   ");
  v1::Invoice out;
  EXPECT_EQ(stub_->RejectInvoice(&ctx, reject, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  // Without a verified invoice clerk nothing is shown; metadata alone proves nothing.
  grpc::ClientContext anonymous;
  v1::GetInvoiceRequest get;
  get.set_id(id);
  EXPECT_EQ(stub_->GetInvoice(&anonymous, get, &out).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  grpc::ClientContext forged;
  forged.AddMetadata("rathaus-clerk-subject", "anna");
  forged.AddMetadata("rathaus-clerk-departments", "*");
  EXPECT_EQ(stub_->GetInvoice(&forged, get, &out).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  grpc::ClientContext counter_clerk;
  counter_clerk.AddMetadata("authorization",
                            "Bearer " + credentials_.Token("clerk", {"*"}, "anna"));
  EXPECT_EQ(stub_->GetInvoice(&counter_clerk, get, &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  grpc::ClientContext list_ctx;
  AsClerk(&list_ctx, "anna", "tiefbauamt");
  v1::ListInvoicesRequest bad_list;
  bad_list.set_status("PAID");
  v1::ListInvoicesResponse listed;
  EXPECT_EQ(stub_->ListInvoices(&list_ctx, bad_list, &listed).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace rathaus::einvoice
