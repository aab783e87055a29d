// rathaus-notifications: e-mail to citizens, driven by the other services' events (issue 18), on
// the service kit (shared/service/kit.h).
//
// Consumes rathaus.appointments.v1: AppointmentBooked (confirmation with the .ics, reminders
// planned), AppointmentRescheduled (message, reminders moved), AppointmentCancelled (message,
// reminders dropped), AppointmentCheckedIn / -NoShow / -Completed (reminders dropped). Reminders
// are exact timers (shared/service/due_timer.h), not a sweep. And rathaus.id-documents.v1:
// DocumentReadyForPickup ("Ihr Ausweis ist abholbereit" with the pickup booking link) and
// DocumentPickupOverdue (not collected), to the address the citizen gave at application. And
// rathaus.registrations.v1: InformationRequested, RegistrationAccepted, RegistrationRejected, to
// the address the citizen gave with the case (what happened, a link to the status page, the
// counter appointment after a rejection). Addresses: sender.h.
//
//   RATHAUS_SMTP_URL              smtp://host:port (default smtp://127.0.0.1:25) or smtps://
//   RATHAUS_SMTP_STARTTLS         off | if-offered | required (default: required with a user,
//                                 else if-offered)
//   RATHAUS_SMTP_USER             AUTH user; RATHAUS_SMTP_PASSWORD_FILE its password
//   RATHAUS_SMTP_CA_FILE          CA of the mail server's certificate (default: the system's)
//   RATHAUS_NOTIFY_FROM           "Stadt Kiel <termine@kiel.de>" (the sender; its domain names
//                                 the Message-IDs)
//   RATHAUS_NOTIFY_REPLY_TO       optional, same form
//   RATHAUS_NOTIFY_FOOTER         the city's footer under every message
//   RATHAUS_NOTIFY_REMINDERS      before the appointment, e.g. "24h,2h" (default) or "off"
//   RATHAUS_NOTIFY_GIVE_UP        a message not delivered after this long is given up (48h)
//   RATHAUS_NOTIFY_RETRY          the first pause before a message is tried again (30s; it
//                                 doubles up to 1h)
//   RATHAUS_NOTIFY_SENDERS        sender threads (8), each with its own SMTP connection and one
//                                 message at a time
//   RATHAUS_NOTIFY_LEASE          how long a claimed message is held for this sender (2m): a
//                                 sender that dies leaves it to another after this long
//   RATHAUS_PUBLIC_URL            the citizen pages' address, for the links in the messages
//   RATHAUS_APPOINTMENTS_ADDR     appointments' gRPC address (GetBookingNotice)
//   RATHAUS_ID_DOCUMENTS_ADDR     id-documents' gRPC address (GetApplicationNotice)
//   RATHAUS_REGISTRATIONS_ADDR    registrations' gRPC address (GetRegistrationNotice)
//   RATHAUS_NOTIFY_SERVICE_TOKEN_FILE  the service's bearer token (role integrator, scopes
//                                 appointments:notify, id-documents:notify and
//                                 registrations:notify), read at every call
//   RATHAUS_NOTIFY_LINK_KEY_FILE  at least 32 bytes: signs the opt-out links of the messages'
//                                 List-Unsubscribe headers (RFC 8058 one-click; required)
//   RATHAUS_DKIM_KEY_FILE         optional: an RSA private key (PEM); every message is then
//                                 DKIM-signed (RFC 6376, rsa-sha256, relaxed/relaxed) with
//   RATHAUS_DKIM_SELECTOR         its selector (required with the key) and
//   RATHAUS_DKIM_DOMAIN           its domain (default: the sender's)
//   plus the kit's settings.
#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "domain/mail.h"
#include "rathaus/appointments/v1/events.pb.h"
#include "rathaus/id_documents/v1/events.pb.h"
#include "rathaus/registrations/v1/events.pb.h"
#include "sender.h"
#include "service.h"
#include "shared/log/log.h"
#include "shared/service/due_timer.h"
#include "shared/service/kit.h"
#include "store.h"

namespace rathaus::notifications {
namespace {

namespace v1 = ::rathaus::appointments::v1;

// "Name <addr@host>" or "addr@host".
bool ParseMailbox(const std::string& text, Mailbox* out) {
  const std::string t(absl::StripAsciiWhitespace(text));
  const size_t open = t.rfind('<');
  if (open != std::string::npos && !t.empty() && t.back() == '>') {
    out->name = std::string(absl::StripAsciiWhitespace(t.substr(0, open)));
    if (out->name.size() >= 2 && out->name.front() == '"' && out->name.back() == '"') {
      out->name = out->name.substr(1, out->name.size() - 2);
    }
    out->address = t.substr(open + 1, t.size() - open - 2);
  } else {
    out->name.clear();
    out->address = t;
  }
  const size_t at = out->address.find('@');
  return at != std::string::npos && at > 0 && at + 1 < out->address.size() &&
         out->address.find_first_of(" <>\",;") == std::string::npos;
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

int Run() {
  platform::GrpcServerOptions defaults;
  defaults.listen = "127.0.0.1:50056";
  platform::ServiceKit kit("notifications", {.key_prefix = "notify:", .grpc_defaults = defaults});
  platform::EnvConfig& env = kit.env();

  SenderOptions sender_options;
  sender_options.smtp.url = env.String("RATHAUS_SMTP_URL", "smtp://127.0.0.1:25");
  if (!absl::StartsWith(sender_options.smtp.url, "smtp://") &&
      !absl::StartsWith(sender_options.smtp.url, "smtps://")) {
    env.Reject("RATHAUS_SMTP_URL", "smtp://host:port or smtps://host:port", sender_options.smtp.url);
  }
  sender_options.smtp.user = env.String("RATHAUS_SMTP_USER", "");
  sender_options.smtp.password = std::string(
      absl::StripTrailingAsciiWhitespace(env.SecretFile("RATHAUS_SMTP_PASSWORD_FILE", false)));
  const std::string starttls =
      env.OneOf("RATHAUS_SMTP_STARTTLS",
                sender_options.smtp.user.empty() ? "if-offered" : "required",
                {"off", "if-offered", "required"});
  sender_options.smtp.starttls = starttls == "off"        ? Starttls::kOff
                                 : starttls == "required" ? Starttls::kRequired
                                                          : Starttls::kIfOffered;
  sender_options.smtp.ca_file = env.String("RATHAUS_SMTP_CA_FILE", "");
  const std::string from = env.String("RATHAUS_NOTIFY_FROM", "Stadt Kiel <termine@kiel.example>");
  if (!ParseMailbox(from, &sender_options.from)) {
    env.Reject("RATHAUS_NOTIFY_FROM", "Name <address> or an address", from);
  }
  sender_options.smtp.helo_domain = sender_options.from.address.substr(
      sender_options.from.address.find('@') + 1);
  const std::string reply_to = env.String("RATHAUS_NOTIFY_REPLY_TO", "");
  if (!reply_to.empty() && !ParseMailbox(reply_to, &sender_options.reply_to)) {
    env.Reject("RATHAUS_NOTIFY_REPLY_TO", "Name <address> or an address", reply_to);
  }
  sender_options.footer = env.String("RATHAUS_NOTIFY_FOOTER", "");
  sender_options.public_url = env.String("RATHAUS_PUBLIC_URL", "");
  while (!sender_options.public_url.empty() && sender_options.public_url.back() == '/') {
    sender_options.public_url.pop_back();
  }
  if (!sender_options.public_url.empty() &&
      !absl::StartsWith(sender_options.public_url, "https://") &&
      !absl::StartsWith(sender_options.public_url, "http://")) {
    env.Reject("RATHAUS_PUBLIC_URL", "an http(s) URL", sender_options.public_url);
  }
  sender_options.appointments_addr = env.GrpcTarget("RATHAUS_APPOINTMENTS_ADDR", "127.0.0.1:50051");
  sender_options.id_documents_addr = env.GrpcTarget("RATHAUS_ID_DOCUMENTS_ADDR", "127.0.0.1:50053");
  sender_options.registrations_addr =
      env.GrpcTarget("RATHAUS_REGISTRATIONS_ADDR", "127.0.0.1:50054");
  sender_options.token_file = env.String("RATHAUS_NOTIFY_SERVICE_TOKEN_FILE", "");
  if (sender_options.token_file.empty()) {
    env.Reject("RATHAUS_NOTIFY_SERVICE_TOKEN_FILE",
               "the file with the service's token (role integrator, scopes appointments:notify, "
               "id-documents:notify, registrations:notify)",
               "unset");
  }
  std::vector<absl::Duration> reminders;
  const std::string reminder_text = env.String("RATHAUS_NOTIFY_REMINDERS", "24h,2h");
  if (reminder_text != "off") {
    for (absl::string_view part : absl::StrSplit(reminder_text, ',', absl::SkipWhitespace())) {
      absl::Duration d;
      if (!absl::ParseDuration(absl::StripAsciiWhitespace(part), &d) || d <= absl::ZeroDuration()) {
        env.Reject("RATHAUS_NOTIFY_REMINDERS", "durations before the appointment, e.g. 24h,2h, or off",
                   reminder_text);
        break;
      }
      reminders.push_back(d);
    }
  }
  StoreOptions store_options;
  store_options.give_up = env.Duration("RATHAUS_NOTIFY_GIVE_UP", absl::Hours(48));
  store_options.lease = env.Duration("RATHAUS_NOTIFY_LEASE", absl::Minutes(2));
  if (store_options.lease <= absl::ZeroDuration()) {
    env.Reject("RATHAUS_NOTIFY_LEASE", "a positive duration", "0");
  }
  sender_options.senders = static_cast<int>(env.Int("RATHAUS_NOTIFY_SENDERS", 8, 1, 64));
  sender_options.retry_min = env.Duration("RATHAUS_NOTIFY_RETRY", absl::Seconds(30));
  if (sender_options.retry_min <= absl::ZeroDuration()) {
    env.Reject("RATHAUS_NOTIFY_RETRY", "a positive duration", "0");
  }
  if (!absl::LoadTimeZone("Europe/Berlin", &sender_options.time_zone)) {
    env.Reject("TZ", "the Europe/Berlin zone (tzdata)", "missing");
  }
  sender_options.tls = platform::ClientTlsFromServiceEnv();
  sender_options.link_key = env.SecretFile("RATHAUS_NOTIFY_LINK_KEY_FILE", true);
  const std::string dkim_key = env.SecretFile("RATHAUS_DKIM_KEY_FILE", false);
  const std::string dkim_selector = env.String("RATHAUS_DKIM_SELECTOR", "");
  const std::string dkim_domain = env.String("RATHAUS_DKIM_DOMAIN", sender_options.smtp.helo_domain);
  if (!dkim_key.empty()) {
    auto signer = DkimSigner::FromPem(dkim_key, dkim_domain, dkim_selector);
    if (signer.ok()) {
      sender_options.dkim = std::move(*signer);
    } else {
      env.Reject("RATHAUS_DKIM_KEY_FILE", "an RSA private key (PEM) with RATHAUS_DKIM_SELECTOR set",
                 std::string(signer.status().message()));
    }
  }
  if (env.ok() && sender_options.link_key.size() < 32) {
    env.Reject("RATHAUS_NOTIFY_LINK_KEY_FILE", "a file of at least 32 bytes (random)",
               absl::StrCat(sender_options.link_key.size(), " bytes"));
  }
  if (!kit.CheckConfig()) return 2;

  Store store(kit.redis(), kit.outbox(), store_options);
  Sender sender(store, sender_options, &kit.metrics());
  NotificationsService service(store, sender_options.link_key);
  kit.AddService(&service);
  platform::DueTimer timer("notifications", [&sender]() -> absl::StatusOr<platform::DueTimer::Run> {
    auto r = sender.RunDue();
    if (!r.ok()) return r.status();
    return platform::DueTimer::Run{r->handled, r->next, r->now};
  });
  store.SetTimerListener([&timer](absl::Time due) { timer.Notify(due); });

  // The reminders of an appointment that starts at `start`, from now on.
  const auto plan = [&reminders](const std::string& code, absl::Time start) {
    std::vector<std::pair<std::string, absl::Time>> out;
    const absl::Time now = absl::Now();
    for (absl::Duration before : reminders) {
      const absl::Time due = start - before;
      if (due <= now) continue;
      out.emplace_back(absl::StrCat(code, "-r", absl::ToInt64Seconds(before), "-",
                                    absl::ToUnixMillis(start)),
                       due);
    }
    return out;
  };
  const std::string topic = "rathaus.appointments.v1";
  kit.Consume<v1::AppointmentBooked>(
      topic, [&](const v1::AppointmentBooked& e, const platform::EventContext& ce) {
        const absl::Time start = FromTimestamp(e.start());
        return store.ApplyEvent("booked", e.code(), std::string(ce.id), start,
                                plan(e.code(), start), ce.inbox_key, ce.inbox_ttl);
      });
  kit.Consume<v1::AppointmentRescheduled>(
      topic, [&](const v1::AppointmentRescheduled& e, const platform::EventContext& ce) {
        const absl::Time start = FromTimestamp(e.start());
        return store.ApplyEvent("rescheduled", e.code(), std::string(ce.id), start,
                                plan(e.code(), start), ce.inbox_key, ce.inbox_ttl);
      });
  kit.Consume<v1::AppointmentCancelled>(
      topic, [&](const v1::AppointmentCancelled& e, const platform::EventContext& ce) {
        return store.ApplyEvent("cancelled", e.code(), std::string(ce.id), FromTimestamp(e.start()),
                                {}, ce.inbox_key, ce.inbox_ttl);
      });
  // The visit happened (or not): no more reminders.
  kit.Consume<v1::AppointmentCheckedIn>(
      topic, [&](const v1::AppointmentCheckedIn& e, const platform::EventContext& ce) {
        return store.ApplyEvent("", e.code(), std::string(ce.id), FromTimestamp(e.start()), {},
                                ce.inbox_key, ce.inbox_ttl);
      });
  kit.Consume<v1::AppointmentNoShow>(
      topic, [&](const v1::AppointmentNoShow& e, const platform::EventContext& ce) {
        return store.ApplyEvent("", e.code(), std::string(ce.id), FromTimestamp(e.start()), {},
                                ce.inbox_key, ce.inbox_ttl);
      });
  kit.Consume<v1::AppointmentCompleted>(
      topic, [&](const v1::AppointmentCompleted& e, const platform::EventContext& ce) {
        return store.ApplyEvent("", e.code(), std::string(ce.id), FromTimestamp(e.start()), {},
                                ce.inbox_key, ce.inbox_ttl);
      });
  // ID documents: the message names the application; its address, status and pickup code are
  // read from id-documents when it is sent.
  const std::string documents = "rathaus.id-documents.v1";
  kit.Consume<id_documents::v1::DocumentReadyForPickup>(
      documents, [&](const id_documents::v1::DocumentReadyForPickup& e,
                     const platform::EventContext& ce) {
        return store.ApplyEvent("document-ready", e.application_id(), std::string(ce.id),
                                FromTimestamp(e.ready_at()), {}, ce.inbox_key, ce.inbox_ttl);
      });
  kit.Consume<id_documents::v1::DocumentPickupOverdue>(
      documents, [&](const id_documents::v1::DocumentPickupOverdue& e,
                     const platform::EventContext& ce) {
        return store.ApplyEvent("document-overdue", e.application_id(), std::string(ce.id),
                                FromTimestamp(e.ready_at()), {}, ce.inbox_key, ce.inbox_ttl);
      });
  // Registrations: the message names the case; its address, language and status are read from
  // registrations when it is sent.
  const std::string registrations_topic = "rathaus.registrations.v1";
  kit.Consume<registrations::v1::InformationRequested>(
      registrations_topic, [&](const registrations::v1::InformationRequested& e,
                               const platform::EventContext& ce) {
        return store.ApplyEvent("registration-info", e.registration_id(), std::string(ce.id),
                                FromTimestamp(e.requested_at()), {}, ce.inbox_key, ce.inbox_ttl);
      });
  kit.Consume<registrations::v1::RegistrationAccepted>(
      registrations_topic, [&](const registrations::v1::RegistrationAccepted& e,
                               const platform::EventContext& ce) {
        return store.ApplyEvent("registration-accepted", e.registration_id(), std::string(ce.id),
                                FromTimestamp(e.accepted_at()), {}, ce.inbox_key, ce.inbox_ttl);
      });
  kit.Consume<registrations::v1::RegistrationRejected>(
      registrations_topic, [&](const registrations::v1::RegistrationRejected& e,
                               const platform::EventContext& ce) {
        return store.ApplyEvent("registration-rejected", e.registration_id(), std::string(ce.id),
                                FromTimestamp(e.rejected_at()), {}, ce.inbox_key, ce.inbox_ttl);
      });
  kit.AddJob("sender", [&] { timer.Start(); }, [&] { timer.Stop(); });
  kit.AddStartupFact("smtp", sender_options.smtp.url);
  kit.AddStartupFact("starttls", starttls);
  kit.AddStartupFact("reminders", reminder_text);
  kit.AddStartupFact("dkim", sender_options.dkim ? dkim_selector + "._domainkey." + dkim_domain : "off");
  return kit.Run();
}

}  // namespace
}  // namespace rathaus::notifications

int main() { return rathaus::notifications::Run(); }
