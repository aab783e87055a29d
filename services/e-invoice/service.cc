#include "services/e-invoice/service.h"

#include <malloc.h>

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "domain/validator.h"
#include "domain/view.h"
#include "rathaus/e_invoice/v1/events.pb.h"
#include "shared/crypto/crypto.h"
#include "shared/grpc/status.h"
#include "shared/log/log.h"
#include "shared/status/problem.h"

namespace rathaus::einvoice {
namespace {

namespace v1 = ::rathaus::e_invoice::v1;
namespace log = ::rathaus::platform::log;
using platform::InvalidField;

constexpr char kUnavailable[] = "the invoice store is unavailable";
constexpr int kMaxPageSize = 200;

grpc::Status Answer(grpc::ServerContext* ctx, const absl::Status& s) {
  return platform::ToGrpcStatus(ctx, s, kUnavailable);
}

bool IsSafeFilename(std::string_view name) {
  if (name.empty() || name.size() > 128 || name.front() == '.') return false;
  for (char c : name) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_')) {
      return false;
    }
  }
  return true;
}

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

// When a rejected invoice's original was given up ("" while it is kept).
std::string DeletedAt(const StoredInvoice& stored) {
  int64_t ms = 0;
  if (!absl::SimpleAtoi(stored.Field("original_deleted_ms"), &ms)) return "";
  return Rfc3339(absl::FromUnixMillis(ms));
}

std::string HistoryEntry(std::string_view status, std::string_view at, std::string_view by,
                         std::string_view reason) {
  std::string out = "{\"status\":";
  log::AppendJsonString(&out, status);
  out += ",\"at\":";
  log::AppendJsonString(&out, at);
  out += ",\"by\":";
  log::AppendJsonString(&out, by);
  if (!reason.empty()) {
    out += ",\"reason\":";
    log::AppendJsonString(&out, reason);
  }
  out += "}";
  return out;
}

void ToProto(const Finding& f, v1::Finding* out) {
  out->set_rule(f.rule);
  out->set_severity(f.severity == Severity::kFatal ? "fatal" : "warning");
  out->set_message(f.message);
  out->set_location(f.location);
}

v1::ValidationReport ToProto(const Report& r) {
  v1::ValidationReport out;
  out.set_file(r.file);
  out.set_syntax(std::string(SyntaxName(r.syntax)));
  out.set_verdict(r.accepted() ? "accept" : "reject");
  for (const Finding& f : r.errors) ToProto(f, out.add_errors());
  for (const Finding& f : r.warnings) ToProto(f, out.add_warnings());
  return out;
}

Report FromProto(const v1::ValidationReport& r) {
  Report out;
  out.file = r.file();
  for (Syntax s : {Syntax::kUblInvoice, Syntax::kUblCreditNote, Syntax::kCii}) {
    if (SyntaxName(s) == r.syntax()) out.syntax = s;
  }
  for (const v1::Finding& f : r.errors()) {
    out.errors.push_back({f.rule(), Severity::kFatal, f.message(), f.location()});
  }
  for (const v1::Finding& f : r.warnings()) {
    out.warnings.push_back({f.rule(), Severity::kWarning, f.message(), f.location()});
  }
  return out;
}

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  return google::protobuf::util::TimeUtil::MillisecondsToTimestamp(absl::ToUnixMillis(t));
}

}  // namespace

v1::Invoice ToProto(const StoredInvoice& s, bool with_history) {
  v1::Invoice out;
  out.set_id(s.Field("id"));
  out.set_status(s.Field("status"));
  out.set_syntax(s.Field("syntax"));
  out.set_verdict(s.Field("verdict"));
  out.set_invoice_number(s.Field("number"));
  out.set_issue_date(s.Field("issue_date"));
  out.set_type_code(s.Field("type_code"));
  out.set_currency(s.Field("currency"));
  out.set_payable_amount(s.Field("payable"));
  out.set_seller_name(s.Field("seller_name"));
  out.set_seller_vat_id(s.Field("seller_vat_id"));
  out.set_buyer_name(s.Field("buyer_name"));
  out.set_leitweg_id(s.Field("leitweg_id"));
  out.set_department(s.Field("department"));
  out.set_sha256(s.Field("sha256"));
  int64_t size = 0;
  if (absl::SimpleAtoi(s.Field("size"), &size)) out.set_size_bytes(size);
  out.set_filename(s.Field("filename"));
  out.set_channel(s.Field("channel"));
  out.set_received_at(s.Field("received_at"));
  out.set_factually_approved_by(s.Field("factual_by"));
  out.set_arithmetically_approved_by(s.Field("arithmetic_by"));
  out.set_released_by(s.Field("released_by"));
  out.set_original_deleted_at(DeletedAt(s));
  out.set_rejection_reason(s.Field("rejection_reason"));
  int count = 0;
  if (absl::SimpleAtoi(s.Field("errors"), &count)) out.set_error_count(count);
  if (absl::SimpleAtoi(s.Field("warnings"), &count)) out.set_warning_count(count);
  if (with_history) {
    for (const std::string& entry : s.history) {
      v1::Transition t;
      if (google::protobuf::util::JsonStringToMessage(entry, &t).ok()) {
        *out.add_history() = std::move(t);
      } else {
        log::Error("invoice history entry does not parse", {{"invoice", s.Field("id")}});
      }
    }
  }
  return out;
}

EInvoiceService::EInvoiceService(const RoutingTable& routing, Store& store,
                                 const platform::BlobStore& blobs,
                                 const platform::outbox::Outbox& outbox,
                                 const platform::auth::CallerAuth& callers,
                                 std::function<absl::Time()> now)
    : routing_(routing),
      store_(store),
      blobs_(blobs),
      outbox_(outbox),
      callers_(callers),
      now_(std::move(now)) {}

std::string EInvoiceService::NowText() const { return Rfc3339(now_()); }

std::string EInvoiceService::RetainUntil() const {
  return absl::StrCat(absl::ToUnixMillis(now_() + rejected_retention_));
}

namespace {

// NOT_FOUND for an original given up after the retention for rejected invoices.
absl::Status OriginalGivenUp(const StoredInvoice& stored) {
  return absl::NotFoundError(absl::StrCat(
      "the original of this rejected invoice was deleted after the retention for rejected "
      "invoices (RATHAUS_EINVOICE_REJECTED_RETENTION) on ", DeletedAt(stored)));
}

}  // namespace

grpc::Status EInvoiceService::GetSubmissionStatus(grpc::ServerContext* ctx,
                                                  const v1::GetSubmissionStatusRequest* req,
                                                  v1::SubmissionStatus* resp) {
  // No sign-in: the token from the submission answer is the credential. Unknown id, wrong or
  // missing token: one answer, so nothing tells which.
  const absl::Status unknown = absl::NotFoundError("no invoice with this id and token");
  if (req->token().empty() || req->token().size() > 128 || req->id().size() > 64) {
    return Answer(ctx, unknown);
  }
  absl::StatusOr<StoredInvoice> stored = store_.Get(req->id());
  if (!stored.ok() && stored.status().code() != absl::StatusCode::kNotFound) {
    return Answer(ctx, stored.status());
  }
  const std::string presented = platform::crypto::Hex(platform::crypto::Sha256(req->token()));
  const std::string kept = stored.ok() ? stored->Field("submission_token_sha256")
                                       : std::string(presented.size(), '-');
  if (!stored.ok() || kept.empty() || !platform::crypto::ConstantTimeEquals(presented, kept)) {
    return Answer(ctx, unknown);
  }
  resp->set_id(req->id());
  resp->set_status(stored->Field("status"));
  if (stored->Field("status") == "RELEASED_FOR_PAYMENT") {
    resp->set_released_at(stored->Field("released_at"));
  }
  return grpc::Status::OK;
}

EInvoiceService::ValidationSlot::ValidationSlot(EInvoiceService* service, size_t bytes)
    : service_(service), bytes_(bytes) {
  absl::MutexLock lock(&service_->validation_mu_);
  auto free = [s = service_] { return s->validations_ < s->max_parallel_validations_; };
  acquired_ = service_->validation_mu_.AwaitWithTimeout(absl::Condition(&free),
                                                         service_->validation_wait_);
  if (acquired_) ++service_->validations_;
}

EInvoiceService::ValidationSlot::~ValidationSlot() {
  if (!acquired_) return;
  bool last = false;
  {
    absl::MutexLock lock(&service_->validation_mu_);
    last = --service_->validations_ == 0;
  }
  if (last && bytes_ >= (1u << 20)) malloc_trim(0);
}

grpc::Status EInvoiceService::SubmitInvoice(grpc::ServerContext* ctx,
                                            const v1::SubmitInvoiceRequest* req,
                                            v1::SubmitInvoiceResponse* resp) {
  // Suppliers sign in (role supplier); anonymous submissions only where the setting allows them
  // (development). A token that is sent is checked either way.
  const bool has_credential = ctx->client_metadata().count("authorization") > 0;
  if (!anonymous_submission_ || has_credential) {
    auto supplier = callers_.Require(ctx, "supplier");
    if (!supplier.ok()) return Answer(ctx, supplier.status());
  }
  return Answer(ctx, DoSubmit(*req, platform::Traceparent(ctx), resp));
}

absl::Status EInvoiceService::DoSubmit(const v1::SubmitInvoiceRequest& req,
                                       const std::string& traceparent,
                                       v1::SubmitInvoiceResponse* resp) {
  const std::string content_type = absl::AsciiStrToLower(req.content_type());
  if (content_type != "application/xml" && content_type != "text/xml") {
    return InvalidField("contentType", "the invoice must be application/xml or text/xml");
  }
  if (req.content().empty()) return InvalidField("content", "the invoice is empty");
  const XmlLimits limits;
  if (req.content().size() > limits.max_bytes) {
    return InvalidField("content", absl::StrCat("the invoice may be at most ", limits.max_bytes,
                                                " bytes"));
  }
  if (!req.filename().empty() && !IsSafeFilename(req.filename())) {
    return InvalidField("filename", "1 to 128 characters of A-Z, a-z, 0-9, '.', '-' and '_'");
  }
  const std::string channel = req.channel().empty() ? "api" : req.channel();
  if (channel != "api" && channel != "peppol" && channel != "portal" && channel != "mail") {
    return InvalidField("channel", "one of api, peppol, portal, mail");
  }

  // Validation holds about 1.5x the invoice in memory (bench --peak-memory): only so many at
  // once, so a replica's memory is bounded by its limit, not by how many suppliers upload.
  ValidationSlot slot(this, req.content().size());
  if (!slot.acquired()) {
    return absl::UnavailableError("too many invoices are being validated; retry shortly");
  }
  const absl::Time now = now_();
  const std::string id = platform::crypto::NewUuid();
  Examination exam = Examine(req.content(), req.filename().empty() ? id + ".xml" : req.filename(),
                             limits);
  const Report& report = exam.report;
  const bool accepted = report.accepted();
  if (report.syntax == Syntax::kUnknown) {
    // Not XML, hostile XML or another document: the supplier gets the report, the city keeps
    // nothing of it (no record, no original, no event).
    log::Info("upload is no invoice; not kept", {{"bytes", req.content().size()},
                                                 {"rule", report.errors.empty() ? "" : report.errors[0].rule}});
    resp->set_verdict("reject");
    *resp->mutable_report() = ToProto(report);
    common::v1::Problem* p = resp->mutable_problem();
    p->set_type("invoice-rejected");
    p->set_title("Invoice rejected");
    p->set_status(422);
    p->set_detail("The upload is no UBL or CII invoice that can be read; nothing of it was kept. "
                  "The report says why.");
    return absl::OkStatus();
  }
  const InvoiceDigest digest = exam.digest.value_or(InvoiceDigest{});
  const std::string dup_key = accepted ? digest.DuplicateKey() : "";

  // A duplicate is refused before its bytes are kept (Submit checks again, atomically).
  auto first = store_.FindDuplicate(dup_key);
  if (!first.ok()) return first.status();
  if (!first->empty()) {
    log::Info("duplicate invoice refused", {{"duplicate_of", *first}});
    return DuplicateInvoice(*first);
  }
  // The original goes to disk (fsync) before anything names it.
  absl::StatusOr<std::string> sha = blobs_.Put(req.content());
  if (!sha.ok()) return absl::UnavailableError(absl::StrCat("blob store: ", sha.status().message()));

  InvoiceStatus status = InvoiceStatus::kRejected;
  std::string department;
  if (accepted) {
    std::optional<std::string> routed = routing_.Route(digest.buyer_reference);
    status = routed ? InvoiceStatus::kRouted : InvoiceStatus::kUnroutable;
    department = routed.value_or("");
  }
  const std::string at = Rfc3339(now);
  const v1::ValidationReport report_proto = ToProto(report);
  Fields f = {{"id", id},
              {"status", std::string(StatusName(status))},
              {"syntax", std::string(SyntaxName(report.syntax))},
              {"verdict", accepted ? "accept" : "reject"},
              {"number", digest.number},
              {"issue_date", digest.issue_date},
              {"type_code", digest.type_code},
              {"currency", digest.currency},
              {"payable", digest.payable_amount},
              {"seller_name", digest.seller_name},
              {"seller_vat_id", digest.seller_vat_id},
              {"buyer_name", digest.buyer_name},
              {"leitweg_id", digest.buyer_reference},
              {"department", department},
              {"sha256", *sha},
              {"size", absl::StrCat(req.content().size())},
              {"filename", req.filename()},
              {"channel", channel},
              {"received_at", at},
              {"received_ms", absl::StrCat(absl::ToUnixMillis(now))},
              {"errors", absl::StrCat(report.errors.size())},
              {"warnings", absl::StrCat(report.warnings.size())},
              {"report", report_proto.SerializeAsString()}};
  const std::string reason =
      accepted ? "" : absl::StrCat(report.errors.size(), " fatal finding(s) of the EN 16931 / XRechnung rules");
  if (!accepted) {
    f["rejected_by"] = "system";
    f["rejection_reason"] = reason;
    f["original_until_ms"] = RetainUntil();
  }
  // The supplier's credential for GetSubmissionStatus; only its hash is kept.
  const std::string token = platform::crypto::RandomToken(32);
  f["submission_token_sha256"] = platform::crypto::Hex(platform::crypto::Sha256(token));
  std::vector<std::string> history = {HistoryEntry("RECEIVED", at, "system", ""),
                                      HistoryEntry(StatusName(status), at, "system", reason)};

  v1::InvoiceReceived received;
  received.set_invoice_id(id);
  received.set_sha256(*sha);
  received.set_size_bytes(static_cast<int64_t>(req.content().size()));
  received.set_syntax(std::string(SyntaxName(report.syntax)));
  received.set_channel(channel);
  received.set_invoice_number(digest.number);
  received.set_issue_date(digest.issue_date);
  received.set_seller_name(digest.seller_name);
  received.set_seller_vat_id(digest.seller_vat_id);
  *received.mutable_received_at() = ToTimestamp(now);
  std::vector<platform::outbox::OutgoingEvent> events = {outbox_.NewEvent(id, received, traceparent)};
  if (status == InvoiceStatus::kRejected) {
    v1::InvoiceRejected e;
    e.set_invoice_id(id);
    e.set_invoice_number(digest.number);
    e.set_issue_date(digest.issue_date);
    e.set_seller_name(digest.seller_name);
    e.set_seller_vat_id(digest.seller_vat_id);
    e.set_reason(reason);
    // Events stay small (a 33 KB invoice can have 8,000 findings): the first ones and the count.
    constexpr int kEventFindings = 20;
    for (int i = 0; i < report_proto.errors_size() && i < kEventFindings; ++i) {
      *e.add_errors() = report_proto.errors(i);
    }
    e.set_errors_total(report_proto.errors_size());
    e.set_rejected_by("system");
    e.set_previous_status("RECEIVED");
    events.push_back(outbox_.NewEvent(id, e, traceparent));
  } else if (status == InvoiceStatus::kRouted) {
    v1::InvoiceRouted e;
    e.set_invoice_id(id);
    e.set_leitweg_id(digest.buyer_reference);
    e.set_department(department);
    e.set_assigned_by("system");
    e.set_currency(digest.currency);
    e.set_payable_amount(digest.payable_amount);
    events.push_back(outbox_.NewEvent(id, e, traceparent));
  } else {
    v1::InvoiceUnroutable e;
    e.set_invoice_id(id);
    e.set_leitweg_id(digest.buyer_reference);
    events.push_back(outbox_.NewEvent(id, e, traceparent));
  }
  std::string first_id;
  if (absl::Status s = store_.Submit(f, dup_key, history, events, &first_id); !s.ok()) {
    if (s.code() == absl::StatusCode::kAlreadyExists) {
      log::Info("duplicate invoice refused", {{"duplicate_of", first_id}});
    }
    return s;
  }
  log::Info("invoice received", {{"invoice", id},
                                 {"status", StatusName(status)},
                                 {"syntax", SyntaxName(report.syntax)},
                                 {"errors", report.errors.size()},
                                 {"warnings", report.warnings.size()},
                                 {"bytes", req.content().size()}});
  resp->set_id(id);
  resp->set_status(std::string(StatusName(status)));
  resp->set_verdict(accepted ? "accept" : "reject");
  resp->set_department(department);
  resp->set_submission_token(token);
  *resp->mutable_report() = report_proto;
  if (!accepted) {
    common::v1::Problem* p = resp->mutable_problem();
    p->set_type("invoice-rejected");
    p->set_title("Invoice rejected");
    p->set_status(422);
    p->set_detail(absl::StrCat("The invoice violates ", report.errors.size(),
                               " rule(s) of EN 16931 / XRechnung and is not processed; the "
                               "report lists them. Send a corrected invoice."));
  }
  return absl::OkStatus();
}

absl::StatusOr<EInvoiceService::Clerk> EInvoiceService::ClerkOf(grpc::ServerContext* ctx) const {
  absl::StatusOr<platform::auth::Caller> caller = callers_.Require(ctx, "invoice-clerk");
  if (!caller.ok()) return caller.status();
  return Clerk{caller->subject, caller->scope};
}

absl::StatusOr<StoredInvoice> EInvoiceService::Visible(grpc::ServerContext* ctx,
                                                       const std::string& id, bool archive_read) {
  // The e-file reads originals and reports to file them (issue 17): a service token of role
  // integrator with the scope invoices:read, every department, read only.
  if (archive_read) {
    auto caller = callers_.Require(ctx, "invoice-clerk integrator");
    if (!caller.ok()) return caller.status();
    if (caller->role == "integrator") {
      if (!caller->MayAccess("invoices:read")) {
        return absl::PermissionDeniedError("this call needs the scope invoices:read");
      }
      if (id.empty()) return InvalidField("id", "the invoice id is required");
      return store_.Get(id);
    }
  }
  auto clerk = ClerkOf(ctx);
  if (!clerk.ok()) return clerk.status();
  if (id.empty()) return InvalidField("id", "the invoice id is required");
  auto stored = store_.Get(id);
  if (!stored.ok()) return stored.status();
  if (!MayAccess(clerk->departments, stored->Field("department"))) {
    return absl::NotFoundError("invoice not found");
  }
  return stored;
}

grpc::Status EInvoiceService::GetInvoice(grpc::ServerContext* ctx, const v1::GetInvoiceRequest* req,
                                         v1::Invoice* resp) {
  auto stored = Visible(ctx, req->id());
  if (!stored.ok()) return Answer(ctx, stored.status());
  *resp = ToProto(*stored, /*with_history=*/true);
  return grpc::Status::OK;
}

grpc::Status EInvoiceService::GetInvoiceReport(grpc::ServerContext* ctx,
                                               const v1::GetInvoiceRequest* req,
                                               v1::ValidationReport* resp) {
  auto stored = Visible(ctx, req->id(), /*archive_read=*/true);
  if (!stored.ok()) return Answer(ctx, stored.status());
  if (!resp->ParseFromString(stored->Field("report"))) {
    return Answer(ctx, absl::DataLossError(absl::StrCat("invoice ", req->id(), ": bad report")));
  }
  return grpc::Status::OK;
}

grpc::Status EInvoiceService::GetInvoiceOriginal(grpc::ServerContext* ctx,
                                                 const v1::GetInvoiceRequest* req,
                                                 common::v1::File* resp) {
  auto stored = Visible(ctx, req->id(), /*archive_read=*/true);
  if (!stored.ok()) return Answer(ctx, stored.status());
  if (stored->Field("sha256").empty()) return Answer(ctx, OriginalGivenUp(*stored));
  auto bytes = blobs_.Get(stored->Field("sha256"));
  if (!bytes.ok()) return Answer(ctx, absl::DataLossError(bytes.status().ToString()));
  resp->set_content_type("application/xml");
  resp->set_filename(stored->Field("filename").empty() ? req->id() + ".xml"
                                                       : stored->Field("filename"));
  resp->set_content(std::move(*bytes));
  return grpc::Status::OK;
}

grpc::Status EInvoiceService::GetInvoiceView(grpc::ServerContext* ctx,
                                             const v1::GetInvoiceRequest* req,
                                             common::v1::File* resp) {
  auto stored = Visible(ctx, req->id());
  if (!stored.ok()) return Answer(ctx, stored.status());
  if (stored->Field("sha256").empty()) return Answer(ctx, OriginalGivenUp(*stored));
  auto bytes = blobs_.Get(stored->Field("sha256"));
  if (!bytes.ok()) return Answer(ctx, absl::DataLossError(bytes.status().ToString()));
  v1::ValidationReport report;
  report.ParseFromString(stored->Field("report"));
  ViewHeader header{req->id(), stored->Field("status"), stored->Field("department"),
                    stored->Field("received_at"), stored->Field("filename")};
  resp->set_content_type("text/html; charset=utf-8");
  resp->set_content(RenderInvoiceHtml(*bytes, FromProto(report), header));
  return grpc::Status::OK;
}

grpc::Status EInvoiceService::ListInvoices(grpc::ServerContext* ctx,
                                           const v1::ListInvoicesRequest* req,
                                           v1::ListInvoicesResponse* resp) {
  auto clerk = ClerkOf(ctx);
  if (!clerk.ok()) return Answer(ctx, clerk.status());
  if (!ParseStatus(req->status())) {
    return Answer(ctx, InvalidField("status", "one of RECEIVED, REJECTED, ROUTED, UNROUTABLE, "
                                              "FACTUALLY_APPROVED, ARITHMETICALLY_APPROVED, "
                                              "RELEASED_FOR_PAYMENT"));
  }
  std::string department = req->department();
  const bool office = MayAccess(clerk->departments, "");  // the invoice office ("*")
  if (department.empty()) {
    if (office) {
      department = "*";
    } else if (clerk->departments.size() == 1) {
      department = clerk->departments.front();
    } else {
      return Answer(ctx, InvalidField("department", "name one of your departments"));
    }
  } else if (!IsValidDepartment(department)) {
    return Answer(ctx, InvalidField("department", "1 to 64 characters of a-z, 0-9 and -"));
  } else if (!MayAccess(clerk->departments, department)) {
    return Answer(ctx, absl::PermissionDeniedError("not one of your departments"));
  }
  const int size = req->page_size() == 0 ? 50 : req->page_size();
  if (size < 1 || size > kMaxPageSize) {
    return Answer(ctx, InvalidField("pageSize", "1 to 200"));
  }
  int offset = 0;
  if (!req->page_token().empty() &&
      (!absl::SimpleAtoi(req->page_token(), &offset) || offset < 0 || offset > 1000000)) {
    return Answer(ctx, InvalidField("pageToken", "a token from an earlier answer"));
  }
  int64_t total = 0;
  auto page = store_.List(req->status(), department, offset, size, &total);
  if (!page.ok()) return Answer(ctx, page.status());
  for (const StoredInvoice& s : *page) *resp->add_invoices() = ToProto(s, false);
  if (offset + size < total) resp->set_next_page_token(absl::StrCat(offset + size));
  return grpc::Status::OK;
}

absl::Status EInvoiceService::Step(grpc::ServerContext* ctx, const std::string& id, Action action,
                                   const std::string& department, const std::string& reason,
                                   v1::Invoice* resp) {
  auto clerk = ClerkOf(ctx);
  if (!clerk.ok()) return clerk.status();
  const ActionRule& rule = RuleFor(action);
  if (rule.invoice_office_only && !MayAccess(clerk->departments, "")) {
    return absl::PermissionDeniedError("only the invoice office (departments *) assigns invoices");
  }
  const std::string traceparent = platform::Traceparent(ctx);
  // Read, check, write if unchanged; a concurrent change makes the script refuse, then the
  // next round judges the new status.
  for (int round = 0; round < 3; ++round) {
    auto stored = Visible(ctx, id);
    if (!stored.ok()) return stored.status();
    std::optional<InvoiceStatus> current = ParseStatus(stored->Field("status"));
    if (!current) return absl::DataLossError(absl::StrCat("invoice ", id, " has a bad status"));
    if (absl::Status s = CheckAction(action, *current, clerk->subject, stored->Field("factual_by"));
        !s.ok()) {
      return s;
    }
    const std::string at = NowText();
    TransitionStep step;
    step.id = id;
    step.expected = std::string(StatusName(*current));
    step.next = std::string(StatusName(rule.to));
    step.actor = clerk->subject;
    step.four_eyes = rule.not_by_factual_approver;
    step.history = HistoryEntry(step.next, at, clerk->subject, reason);
    const std::string& dept = stored->Field("department");
    platform::outbox::OutgoingEvent event;
    switch (action) {
      case Action::kAssign: {
        step.department = department;
        step.set = {{"department", department}};
        v1::InvoiceRouted e;
        e.set_invoice_id(id);
        e.set_leitweg_id(stored->Field("leitweg_id"));
        e.set_department(department);
        e.set_assigned_by(clerk->subject);
        e.set_currency(stored->Field("currency"));
        e.set_payable_amount(stored->Field("payable"));
        event = outbox_.NewEvent(id, e, traceparent);
        break;
      }
      case Action::kApproveFactually: {
        step.set = {{"factual_by", clerk->subject}};
        v1::InvoiceFactuallyApproved e;
        e.set_invoice_id(id);
        e.set_department(dept);
        e.set_approved_by(clerk->subject);
        event = outbox_.NewEvent(id, e, traceparent);
        break;
      }
      case Action::kApproveArithmetically: {
        step.set = {{"arithmetic_by", clerk->subject}};
        v1::InvoiceArithmeticallyApproved e;
        e.set_invoice_id(id);
        e.set_department(dept);
        e.set_approved_by(clerk->subject);
        event = outbox_.NewEvent(id, e, traceparent);
        break;
      }
      case Action::kRelease: {
        step.set = {{"released_by", clerk->subject}, {"released_at", at}};
        v1::InvoiceReleasedForPayment e;
        e.set_invoice_id(id);
        e.set_department(dept);
        e.set_released_by(clerk->subject);
        e.set_currency(stored->Field("currency"));
        e.set_payable_amount(stored->Field("payable"));
        e.set_invoice_number(stored->Field("number"));
        e.set_seller_name(stored->Field("seller_name"));
        e.set_seller_vat_id(stored->Field("seller_vat_id"));
        event = outbox_.NewEvent(id, e, traceparent);
        break;
      }
      case Action::kReject: {
        step.set = {{"rejected_by", clerk->subject}, {"rejection_reason", reason},
                    {"original_until_ms", RetainUntil()}};
        step.release_duplicate_key = true;
        v1::InvoiceRejected e;
        e.set_invoice_id(id);
        e.set_invoice_number(stored->Field("number"));
        e.set_issue_date(stored->Field("issue_date"));
        e.set_seller_name(stored->Field("seller_name"));
        e.set_seller_vat_id(stored->Field("seller_vat_id"));
        e.set_reason(reason);
        e.set_rejected_by(clerk->subject);
        e.set_previous_status(step.expected);
        event = outbox_.NewEvent(id, e, traceparent);
        break;
      }
    }
    absl::Status s = store_.Transition(step, event);
    if (s.code() == absl::StatusCode::kAborted) continue;
    if (!s.ok()) return s;
    log::Info("invoice status changed", {{"invoice", id}, {"from", step.expected}, {"to", step.next}});
    auto after = store_.Get(id);
    if (!after.ok()) return after.status();
    *resp = ToProto(*after, /*with_history=*/true);
    return absl::OkStatus();
  }
  return absl::AbortedError("the invoice is being changed by others; try again");
}

grpc::Status EInvoiceService::AssignInvoice(grpc::ServerContext* ctx,
                                            const v1::AssignInvoiceRequest* req,
                                            v1::Invoice* resp) {
  // The caller first: an unauthenticated call learns nothing, not even which input is wrong.
  if (auto clerk = ClerkOf(ctx); !clerk.ok()) return Answer(ctx, clerk.status());
  if (!IsValidDepartment(req->department())) {
    return Answer(ctx, InvalidField("department", "1 to 64 characters of a-z, 0-9 and -"));
  }
  return Answer(ctx, Step(ctx, req->id(), Action::kAssign, req->department(), "", resp));
}

grpc::Status EInvoiceService::ApproveFactually(grpc::ServerContext* ctx,
                                               const v1::InvoiceActionRequest* req,
                                               v1::Invoice* resp) {
  return Answer(ctx, Step(ctx, req->id(), Action::kApproveFactually, "", "", resp));
}

grpc::Status EInvoiceService::ApproveArithmetically(grpc::ServerContext* ctx,
                                                    const v1::InvoiceActionRequest* req,
                                                    v1::Invoice* resp) {
  return Answer(ctx, Step(ctx, req->id(), Action::kApproveArithmetically, "", "", resp));
}

grpc::Status EInvoiceService::ReleaseForPayment(grpc::ServerContext* ctx,
                                                const v1::InvoiceActionRequest* req,
                                                v1::Invoice* resp) {
  return Answer(ctx, Step(ctx, req->id(), Action::kRelease, "", "", resp));
}

grpc::Status EInvoiceService::RejectInvoice(grpc::ServerContext* ctx,
                                            const v1::RejectInvoiceRequest* req,
                                            v1::Invoice* resp) {
  if (auto clerk = ClerkOf(ctx); !clerk.ok()) return Answer(ctx, clerk.status());
  const std::string reason(absl::StripAsciiWhitespace(req->reason()));
  if (reason.empty() || reason.size() > 1000) {
    return Answer(ctx, InvalidField("reason", "1 to 1000 characters: what the supplier is told"));
  }
  return Answer(ctx, Step(ctx, req->id(), Action::kReject, "", reason, resp));
}

}  // namespace rathaus::einvoice
