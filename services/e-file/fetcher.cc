#include "fetcher.h"

#include <google/protobuf/util/json_util.h>

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "shared/crypto/crypto.h"
#include "shared/log/log.h"

namespace rathaus::efile {

Fetcher::Fetcher(Store& store, Options options) : store_(store), options_(std::move(options)) {
  const std::shared_ptr<grpc::ChannelCredentials> credentials =
      platform::ClientCredentials(options_.tls);
  if (!options_.einvoice_addr.empty()) {
    einvoice_ = e_invoice::v1::EInvoice::NewStub(
        grpc::CreateChannel(options_.einvoice_addr, credentials));
  }
  if (!options_.registrations_addr.empty()) {
    registrations_ = registrations::v1::Registrations::NewStub(
        grpc::CreateChannel(options_.registrations_addr, credentials));
  }
}

void Fetcher::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable() || (einvoice_ == nullptr && registrations_ == nullptr)) return;
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void Fetcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

absl::Status Fetcher::Call(const std::string& bearer, const std::string& what,
                           const std::function<grpc::Status(grpc::ClientContext*)>& call) const {
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + bearer);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  const grpc::Status s = call(&ctx);
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                      absl::StrCat(what, ": ", s.error_message()));
}

absl::StatusOr<std::string> Fetcher::Token() const {
  std::ifstream in(options_.token_file);
  std::stringstream token;
  if (in) token << in.rdbuf();
  std::string bearer(absl::StripAsciiWhitespace(token.str()));
  if (bearer.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("no service token in ", options_.token_file, " (RATHAUS_EFILE_SERVICE_TOKEN_FILE)"));
  }
  return bearer;
}

absl::Status Fetcher::FetchCertificates(const std::string& case_id, const std::string& office,
                                        const std::string& shas, absl::Time now) {
  if (registrations_ == nullptr) {
    return absl::UnavailableError("RATHAUS_REGISTRATIONS_ADDR is unset: certificates wait");
  }
  auto bearer = Token();
  if (!bearer.ok()) return bearer.status();
  const AktenplanItem* item = store_.plan().ForEvent("rathaus.registrations.v1.RegistrationAccepted");
  if (item == nullptr) return absl::OkStatus();  // this plan files no registrations
  Filing filing;
  filing.service = "registrations";
  filing.source_id = case_id;
  filing.item = item;
  filing.akte_group = office;
  filing.akte_title = office;
  filing.subject = absl::StrCat("Meldefall ", case_id);
  filing.actor = "e-file:fetch";
  const std::vector<std::string> expected = absl::StrSplit(shas, ',', absl::SkipEmpty());
  for (size_t i = 0; i < expected.size(); ++i) {
    registrations::v1::GetCertificateRequest req;
    req.set_id(case_id);
    req.set_person(absl::StrCat(i + 1));
    common::v1::File pdf;
    if (absl::Status s = Call(*bearer, absl::StrCat("registrations certificate ", i + 1),
                              [&](grpc::ClientContext* ctx) {
                                return registrations_->GetCertificateForClerk(ctx, req, &pdf);
                              });
        !s.ok()) {
      return s;
    }
    const std::string actual = platform::crypto::Hex(platform::crypto::Sha256(pdf.content()));
    if (actual != expected[i]) {
      return absl::DataLossError(absl::StrCat("certificate ", i + 1, " of registration ", case_id,
                                              " has the SHA-256 ", actual,
                                              ", its RegistrationAccepted event named ", expected[i]));
    }
    filing.documents.push_back({.title = absl::StrCat("Meldebestätigung Person ", i + 1),
                                .kind = "certificate", .media_type = "application/pdf",
                                .bytes = pdf.content(), .source_event_id = ""});
  }
  auto filed = store_.File(filing, "", "", now);
  return filed.ok() ? absl::OkStatus() : filed.status();
}

absl::Status Fetcher::FetchInvoice(const std::string& invoice_id, const std::string& sha256,
                                   absl::Time now) {
  if (einvoice_ == nullptr) return absl::UnavailableError("RATHAUS_E_INVOICE_ADDR is unset: invoices wait");
  auto token = Token();
  if (!token.ok()) return token.status();
  const std::string& bearer = *token;
  e_invoice::v1::GetInvoiceRequest req;
  req.set_id(invoice_id);
  common::v1::File original;
  if (absl::Status s = Call(bearer, "e-invoice original", [&](grpc::ClientContext* ctx) {
        return einvoice_->GetInvoiceOriginal(ctx, req, &original);
      });
      !s.ok()) {
    return s;
  }
  e_invoice::v1::ValidationReport report;
  if (absl::Status s = Call(bearer, "e-invoice report", [&](grpc::ClientContext* ctx) {
        return einvoice_->GetInvoiceReport(ctx, req, &report);
      });
      !s.ok()) {
    return s;
  }
  const std::string actual = platform::crypto::Hex(platform::crypto::Sha256(original.content()));
  if (actual != sha256) {
    return absl::DataLossError(absl::StrCat("the original of invoice ", invoice_id, " has the SHA-256 ",
                                            actual, ", its InvoiceReceived event named ", sha256));
  }
  std::string report_json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  (void)google::protobuf::util::MessageToJsonString(report, &report_json, options);
  const AktenplanItem* item = store_.plan().ForEvent("rathaus.e_invoice.v1.InvoiceReceived");
  if (item == nullptr) return absl::OkStatus();  // this plan files no invoices
  Filing filing;
  filing.service = "e-invoice";
  filing.source_id = invoice_id;
  filing.item = item;
  filing.akte_group = absl::StrCat(absl::ToCivilYear(now, absl::UTCTimeZone()).year());
  filing.akte_title = filing.akte_group;
  filing.subject = absl::StrCat("E-Rechnung ", invoice_id);
  filing.actor = "e-file:fetch";
  filing.documents.push_back({.title = "Rechnung (Original)", .kind = "original",
                              .media_type = "application/xml", .bytes = original.content(),
                              .source_event_id = ""});
  filing.documents.push_back({.title = "Prüfbericht", .kind = "report",
                              .media_type = "application/json", .bytes = report_json,
                              .source_event_id = ""});
  auto filed = store_.File(filing, "", "", now);
  return filed.ok() ? absl::OkStatus() : filed.status();
}

absl::StatusOr<int> Fetcher::RunOnce(absl::Time now) {
  if (einvoice_ == nullptr && registrations_ == nullptr) return 0;
  auto due = store_.DueFetches(now, 20);
  if (!due.ok()) return due.status();
  int filed = 0;
  for (const std::string& ref : *due) {
    // "e-invoice|<invoice id>|<sha256>" or "registrations|<case id>|<office>|<sha256>,…"
    const std::vector<std::string> parts = absl::StrSplit(ref, '|');
    absl::Status s =
        parts.size() == 3 && parts[0] == "e-invoice"
            ? FetchInvoice(parts[1], parts[2], now)
        : parts.size() == 4 && parts[0] == "registrations"
            ? FetchCertificates(parts[1], parts[2], parts[3], now)
            : absl::InvalidArgumentError(absl::StrCat("unknown reference ", ref));
    if (s.ok()) {
      if (auto done = store_.FetchDone(ref); !done.ok()) return done;
      ++filed;
      continue;
    }
    // A mismatch or an unknown reference will not get better by waiting: logged, left queued
    // for an operator (with the longest pause), never filed wrong.
    const bool permanent = absl::IsDataLoss(s) || absl::IsInvalidArgument(s);
    if (permanent) {
      platform::log::Error("document by reference not filed", {{"reference", ref}, {"error", s.ToString()}});
    } else {
      platform::log::Warn("document by reference not fetched yet; trying again",
                          {{"reference", ref}, {"error", s.ToString()}});
    }
    if (auto later = store_.FetchLater(ref, now, permanent); !later.ok()) return later;
  }
  return filed;
}

void Fetcher::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    absl::StatusOr<int> n = RunOnce(absl::Now());
    if (!n.ok()) platform::log::Warn("fetching by reference failed", {{"error", n.status().ToString()}});
    lock.lock();
    if (n.ok() && *n > 0) continue;  // more may be due
    cv_.wait_for(lock, std::chrono::milliseconds(500), [this] { return stop_; });
  }
}

}  // namespace rathaus::efile
