#include "sender.h"

#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "domain/links.h"
#include "domain/templates.h"
#include "shared/log/log.h"

namespace rathaus::notifications {
namespace {

namespace log = ::rathaus::platform::log;

absl::Time ParseRfc3339(const std::string& text) {
  absl::Time t = absl::InfinitePast();
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &error)) return absl::InfinitePast();
  return t;
}

std::string DomainOf(const std::string& address) {
  const size_t at = address.rfind('@');
  return at == std::string::npos ? "localhost" : address.substr(at + 1);
}

}  // namespace

Sender::Sender(Store& store, SenderOptions options, platform::metrics::Registry* metrics)
    : store_(store), options_(std::move(options)), metrics_(metrics) {
  for (int i = 0; i < std::max(1, options_.senders); ++i) {
    smtp_.push_back(std::make_unique<SmtpClient>(options_.smtp));
  }
  if (!options_.appointments_addr.empty()) {
    appointments_ = appointments::v1::Appointments::NewStub(grpc::CreateChannel(
        options_.appointments_addr, platform::ClientCredentials(options_.tls)));
  }
  if (!options_.id_documents_addr.empty()) {
    id_documents_ = id_documents::v1::IdDocuments::NewStub(grpc::CreateChannel(
        options_.id_documents_addr, platform::ClientCredentials(options_.tls)));
  }
  if (!options_.registrations_addr.empty()) {
    registrations_ = registrations::v1::Registrations::NewStub(grpc::CreateChannel(
        options_.registrations_addr, platform::ClientCredentials(options_.tls)));
  }
  if (metrics_ != nullptr) {
    metrics_->Describe("rathaus_notifications_messages_total", "counter",
                       "Messages handled, by kind and outcome (sent, failed, skipped, retry).");
  }
}

absl::StatusOr<std::string> Sender::Token() const {
  std::ifstream in(options_.token_file);
  std::stringstream token;
  if (in) token << in.rdbuf();
  std::string bearer(absl::StripAsciiWhitespace(token.str()));
  if (bearer.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no service token in ", options_.token_file, " (RATHAUS_NOTIFY_SERVICE_TOKEN_FILE)"));
  }
  return bearer;
}

absl::StatusOr<Sender::Run> Sender::RunDue() {
  const int workers = static_cast<int>(smtp_.size());
  auto claimed = store_.ClaimDue(10 * workers);
  if (!claimed.ok()) return claimed.status();
  Run run{.handled = 0, .next = claimed->next, .now = claimed->now};
  // The claimed messages are sent by `workers` threads, each with its own SMTP connection and
  // one message at a time (so a crash repeats at most one message per sender thread).
  std::mutex mu;
  absl::Status failure;
  // Each thread takes the next message that nobody has taken yet (a slow message does not hold
  // up the ones behind it in another thread's share).
  std::atomic<size_t> next{0};
  const auto work = [&](int w) {
    for (size_t i = next++; i < claimed->jobs.size(); i = next++) {
      absl::Time retry_at = absl::InfinitePast();
      absl::Status s = Process(claimed->jobs[i], *smtp_[static_cast<size_t>(w)], claimed->now,
                               &retry_at);
      std::lock_guard lock(mu);
      if (!s.ok()) {
        if (failure.ok()) failure = s;
        return;
      }
      ++run.handled;
      if (retry_at != absl::InfinitePast() && (!run.next || retry_at < *run.next)) {
        run.next = retry_at;
      }
    }
  };
  if (claimed->jobs.size() <= 1 || workers == 1) {
    work(0);
    for (int w = 1; w < workers; ++w) work(w);
  } else {
    std::vector<std::thread> threads;
    const int used = std::min(workers, static_cast<int>(claimed->jobs.size()));
    for (int w = 0; w < used; ++w) threads.emplace_back(work, w);
    for (std::thread& t : threads) t.join();
  }
  if (!failure.ok()) return failure;
  if (!claimed->jobs.empty()) {
    // The ones just leased are due again only if they fail: ask the store what is next.
    run.next = claimed->now;
  }
  return run;
}

absl::Status Sender::Process(Job job, SmtpClient& smtp, absl::Time claimed_at,
                             absl::Time* retry_at) {
  // Still this sender's? (Its lease may have run out while the messages before it were slow;
  // then another sender has it and this one must not send it too.) While the lease surely
  // outlasts this message — its age plus the longest a message can take (the notice call's
  // 10 s, the SMTP timeout, 5 s to spare) is below the lease — nobody else can have it, and the
  // Redis step is saved (one write with fsync per message; a backlog is sent in young batches).
  const absl::Duration age = absl::FromChrono(std::chrono::steady_clock::now() - job.claimed);
  if (age + absl::Seconds(15) + options_.smtp.timeout >= store_.options().lease) {
    auto held = store_.Hold(job);
    if (!held.ok()) return held.status();
    if (!*held) return absl::OkStatus();
  }
  int smtp_reply = 0;
  const std::string outcome = Handle(job, absl::Now(), smtp, &smtp_reply);
  if (metrics_ != nullptr) {
    metrics_->Increment("rathaus_notifications_messages_total",
                        {{"kind", job.kind}, {"outcome", outcome}});
  }
  if (outcome == "retry") {
    // 30 s doubling to 1 h; given up once the message is older than the store's give_up.
    absl::Duration after = options_.retry_min;
    for (int i = 0; i < job.attempts && after < options_.retry_max; ++i) after *= 2;
    after = std::min(after, options_.retry_max);
    if (claimed_at + after - job.created > store_.options().give_up) {
      log::Error("message given up", {{"job", job.id}, {"kind", job.kind}, {"code", job.code},
                                      {"attempts", job.attempts + 1}});
      return store_.Finish(job, "failed", "given-up", smtp_reply);
    }
    auto retried = store_.Retry(job, after);
    if (!retried.ok()) return retried.status();
    *retry_at = claimed_at + after;
    return absl::OkStatus();
  }
  if (outcome == "skipped") {
    // Not wanted any more (moved, cancelled, collected, opted out, no address, data deleted).
    log::Info("message not needed any more", {{"job", job.id}, {"kind", job.kind},
                                              {"code", job.code}});
  }
  return store_.Finish(job, outcome,
                       outcome != "failed" ? "" : smtp_reply >= 500 ? "refused" : "unsendable",
                       smtp_reply);
}

std::optional<std::string> Sender::NoticeFailure(const grpc::Status& s, const Job& job,
                                                 std::string_view service) const {
  if (s.ok()) return std::nullopt;
  if (s.error_code() == grpc::StatusCode::NOT_FOUND) return "skipped";  // gone (retention)
  log::Warn("the owning service did not answer the notice: message waits",
            {{"job", job.id}, {"code", job.code}, {"service", std::string(service)},
             {"grpc", static_cast<int>(s.error_code())}, {"error", s.error_message()}});
  return "retry";
}

Mail Sender::Compose(const Rendered& text, Mailbox to, const std::string& local_id,
                     absl::Time date) const {
  return Mail{.from = options_.from,
              .to = std::move(to),
              .reply_to = options_.reply_to,
              .subject = text.subject,
              .text = text.text,
              .html = text.html,
              .attachments = {},
              .headers = {{"Auto-Submitted", "auto-generated"}},
              .message_id = absl::StrCat("<", local_id, "@", DomainOf(options_.from.address), ">"),
              .date = date};
}

std::string Sender::Handle(const Job& job, absl::Time now, SmtpClient& smtp, int* smtp_reply) {
  Kind kind;
  if (!ParseKind(job.kind, &kind)) {
    log::Error("message of an unknown kind dropped", {{"job", job.id}, {"kind", job.kind}});
    return "failed";
  }
  if (kind == Kind::kReminder) {
    auto opted_out = store_.OptedOut(job.code);
    if (!opted_out.ok()) return "retry";
    if (*opted_out) return "skipped";
    if (job.start <= now) return "skipped";  // too late to remind
  }
  if (kind == Kind::kDocumentReady || kind == Kind::kDocumentOverdue) {
    return HandleDocument(job, kind, now, smtp, smtp_reply);
  }
  if (kind == Kind::kRegistrationInfo || kind == Kind::kRegistrationAccepted ||
      kind == Kind::kRegistrationRejected) {
    return HandleRegistration(job, kind, now, smtp, smtp_reply);
  }
  if (appointments_ == nullptr) {
    log::Warn("RATHAUS_APPOINTMENTS_ADDR is unset: messages wait", {{"job", job.id}});
    return "retry";
  }
  appointments::v1::GetBookingNoticeRequest req;
  req.set_code(job.code);
  appointments::v1::BookingNotice notice;
  const grpc::Status s = Call([&](grpc::ClientContext* ctx) {
    return appointments_->GetBookingNotice(ctx, req, &notice);
  });
  if (auto outcome = NoticeFailure(s, job, "appointments")) return *outcome;
  const appointments::v1::Booking& booking = notice.booking();
  const absl::Time start = ParseRfc3339(booking.start());
  switch (kind) {
    case Kind::kReminder:
      // Moved or cancelled since it was planned: its successor (if any) is planned already.
      if (booking.status() != "booked" || start != job.start) return "skipped";
      break;
    case Kind::kBooked:
    case Kind::kRescheduled:
      if (booking.status() == "cancelled") return "skipped";  // the cancellation follows
      break;
    case Kind::kCancelled:
    case Kind::kDocumentReady:  // handled above
    case Kind::kDocumentOverdue:
    case Kind::kRegistrationInfo:
    case Kind::kRegistrationAccepted:
    case Kind::kRegistrationRejected:
      break;
  }
  if (booking.email().empty()) return "skipped";
  Facts facts{.kind = kind,
              .language = booking.language() == "en" ? "en" : "de",
              .name = booking.name(),
              .code = booking.code(),
              .office_name = notice.office_name(),
              .office_address = notice.office_address(),
              .services = {notice.service_names().begin(), notice.service_names().end()},
              .what_to_bring = {notice.what_to_bring().begin(), notice.what_to_bring().end()},
              .start = start,
              .end = ParseRfc3339(booking.end()),
              .time_zone = options_.time_zone,
              .cancel_url = notice.cancel_token().empty() || options_.public_url.empty()
                                ? ""
                                : absl::StrCat(options_.public_url, "/termin/absagen#code=",
                                               booking.code(), "&token=", notice.cancel_token()),
              .booking_url = options_.public_url.empty() ? "" : options_.public_url + "/",
              .opt_out_url = "",
              .footer = options_.footer};
  const Rendered text = Render(facts);
  Mail mail = Compose(text, {booking.name(), booking.email()},
                      absl::StrCat(job.id, ".", booking.code()), absl::Now());
  // Stop the reminders with one click in the mail program (RFC 2369 + RFC 8058): on the
  // confirmation, a change and every reminder, while any reminder could still come.
  if (kind != Kind::kCancelled && !options_.public_url.empty() && !options_.link_key.empty() &&
      start > now) {
    mail.headers.emplace_back(
        "List-Unsubscribe",
        absl::StrCat("<", options_.public_url, "/api/v1/notifications/opt-out?link=",
                     OptOutLink(options_.link_key, booking.code(), absl::ToUnixSeconds(start)),
                     ">"));
    mail.headers.emplace_back("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
  }
  if (kind != Kind::kReminder && !notice.calendar().content().empty()) {
    mail.attachments.push_back({notice.calendar().filename(),
                                "text/calendar; charset=utf-8",
                                notice.calendar().content()});
  }
  return Deliver(job, std::move(mail), booking.email(), smtp, smtp_reply);
}

std::string Sender::Deliver(const Job& job, Mail mail, const std::string& recipient,
                            SmtpClient& smtp, int* smtp_reply) {
  auto wire = RenderMime(mail);
  if (wire.ok() && options_.dkim != nullptr) wire = options_.dkim->Sign(*wire, mail.date);
  if (!wire.ok()) {
    log::Error("message cannot be written", {{"job", job.id}, {"code", job.code},
                                             {"error", std::string(wire.status().message())}});
    return "failed";
  }
  const SmtpResult sent = smtp.Send(options_.from.address, recipient, *wire);
  *smtp_reply = sent.code;
  if (sent.ok) {
    log::Info("message sent", {{"job", job.id}, {"kind", job.kind}, {"code", job.code}});
    return "sent";
  }
  if (sent.permanent) {
    log::Error("message refused by the mail server", {{"job", job.id}, {"kind", job.kind},
                                                     {"code", job.code}, {"smtp", sent.code},
                                                     {"error", sent.error}});
    return "failed";
  }
  log::Warn("message not delivered now: tried again later",
            {{"job", job.id}, {"kind", job.kind}, {"code", job.code}, {"smtp", sent.code},
             {"error", sent.error}});
  return "retry";
}

grpc::Status Sender::Call(const std::function<grpc::Status(grpc::ClientContext*)>& call) const {
  auto bearer = Token();
  if (!bearer.ok()) {
    log::Error("no service token: messages wait", {{"error", std::string(bearer.status().message())}});
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "no service token");
  }
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + *bearer);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return call(&ctx);
}

bool Sender::OfficeOf(const std::string& id, std::string* name, std::string* address) {
  std::lock_guard lock(offices_mu_);
  auto it = offices_.find(id);
  if (it == offices_.end() && appointments_ != nullptr &&
      absl::Now() - offices_read_ > absl::Minutes(1)) {
    appointments::v1::ListOfficesResponse list;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (appointments_->ListOffices(&ctx, appointments::v1::ListOfficesRequest(), &list).ok()) {
      offices_read_ = absl::Now();
      for (const appointments::v1::Office& o : list.offices()) {
        offices_[o.id()] = {o.name(), absl::StrCat(o.address().street(), ", ",
                                                   o.address().postal_code(), " ",
                                                   o.address().city())};
      }
    }
    it = offices_.find(id);
  }
  if (it == offices_.end()) return false;
  *name = it->second.first;
  *address = it->second.second;
  return true;
}

std::string Sender::HandleDocument(const Job& job, Kind kind, absl::Time now, SmtpClient& smtp,
                                   int* smtp_reply) {
  if (id_documents_ == nullptr) {
    log::Warn("RATHAUS_ID_DOCUMENTS_ADDR is unset: messages wait", {{"job", job.id}});
    return "retry";
  }
  id_documents::v1::GetApplicationNoticeRequest req;
  req.set_id(job.code);
  id_documents::v1::ApplicationNotice notice;
  const grpc::Status s = Call([&](grpc::ClientContext* ctx) {
    return id_documents_->GetApplicationNotice(ctx, req, &notice);
  });
  if (auto outcome = NoticeFailure(s, job, "id-documents")) return *outcome;
  const id_documents::v1::Application& app = notice.application();
  // Collected (or otherwise moved on) since: nothing to say any more; no address: no mail.
  if (app.status() != "READY_FOR_PICKUP" || notice.email().empty()) return "skipped";
  Facts facts;
  facts.kind = kind;
  facts.language = notice.language() == "en" ? "en" : "de";  // as the clerk recorded it
  facts.time_zone = options_.time_zone;
  facts.footer = options_.footer;
  facts.document_type = app.document_type();
  if (!OfficeOf(app.office(), &facts.office_name, &facts.office_address)) {
    facts.office_name = app.office();
  }
  if (!options_.public_url.empty() && !app.pickup_code().empty()) {
    facts.pickup_url = absl::StrCat(options_.public_url, "/termin?office=", app.office(),
                                    "&service=ausweis-abholen%3A1#abholcode=", app.pickup_code());
  }
  const Rendered text = Render(facts);
  Mail mail = Compose(text, {"", notice.email()}, job.id, now);
  return Deliver(job, std::move(mail), notice.email(), smtp, smtp_reply);
}

std::string Sender::HandleRegistration(const Job& job, Kind kind, absl::Time now,
                                       SmtpClient& smtp, int* smtp_reply) {
  if (registrations_ == nullptr) {
    log::Warn("RATHAUS_REGISTRATIONS_ADDR is unset: messages wait", {{"job", job.id}});
    return "retry";
  }
  registrations::v1::GetRegistrationNoticeRequest req;
  req.set_id(job.code);
  registrations::v1::RegistrationNotice notice;
  const grpc::Status s = Call([&](grpc::ClientContext* ctx) {
    return registrations_->GetRegistrationNotice(ctx, req, &notice);
  });
  if (auto outcome = NoticeFailure(s, job, "registrations")) return *outcome;
  // A question the citizen has answered already needs no mail; an accepted or rejected case
  // stays so.
  const std::string wanted = kind == Kind::kRegistrationInfo       ? "INFORMATION_REQUESTED"
                             : kind == Kind::kRegistrationAccepted ? "ACCEPTED"
                                                                   : "REJECTED";
  if (notice.status() != wanted || notice.email().empty()) return "skipped";
  Facts facts;
  facts.kind = kind;
  facts.language = notice.language() == "en" ? "en" : "de";
  facts.time_zone = options_.time_zone;
  facts.footer = options_.footer;
  facts.registration_type = notice.type();
  facts.certificates = notice.certificates();
  facts.booking_url = notice.booking_link();
  if (!OfficeOf(notice.office(), &facts.office_name, &facts.office_address)) {
    facts.office_name = notice.office();
  }
  if (!options_.public_url.empty()) facts.status_url = options_.public_url + "/meldung/status";
  const Rendered text = Render(facts);
  Mail mail = Compose(text, {"", notice.email()}, job.id, now);
  return Deliver(job, std::move(mail), notice.email(), smtp, smtp_reply);
}

}  // namespace rathaus::notifications
