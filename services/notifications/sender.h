// Sends the messages that are due (store.h), one at a time, on the timer thread.
//
// Where the address comes from (issue 18, README "Notifications"): events carry no personal
// data, so for each message the sender asks the owning service — appointments'
// GetBookingNotice (id-documents' GetApplicationNotice, registrations' GetRegistrationNotice)
// over gRPC with the notifications service's own credential (a bearer token of role integrator
// with the scopes appointments:notify, id-documents:notify and registrations:notify, read from RATHAUS_NOTIFY_SERVICE_TOKEN_FILE
// at every call so a token agent can renew it; mTLS as the other services' calls). The answer
// (address, name, language, the calendar entry and a cancel-only token) lives only in memory
// while the message is written and sent; nothing of it is stored or logged.
//
// Outcomes: sent; refused for good (5xx) -> "failed"; no longer wanted (the booking is gone,
// cancelled, moved, begun, or the citizen opted out of reminders) -> "skipped"; anything else
// (4xx, no connection, appointments away) -> tried again after 30 s, doubling to 1 h, until the
// message is older than RATHAUS_NOTIFY_GIVE_UP. A crash after the server took a message and
// before it was marked sent sends it once more after the lease, with the same Message-ID.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "domain/dkim.h"
#include "domain/mail.h"
#include "domain/templates.h"
#include "rathaus/appointments/v1/appointments.grpc.pb.h"
#include "rathaus/id_documents/v1/id_documents.grpc.pb.h"
#include "rathaus/registrations/v1/registrations.grpc.pb.h"
#include "shared/grpc/client.h"
#include "shared/metrics/metrics.h"
#include "smtp.h"
#include "store.h"

namespace rathaus::notifications {

struct SenderOptions {
  std::string appointments_addr;  // RATHAUS_APPOINTMENTS_ADDR
  std::string id_documents_addr;  // RATHAUS_ID_DOCUMENTS_ADDR ("" : document messages wait)
  std::string registrations_addr;  // RATHAUS_REGISTRATIONS_ADDR ("" : registration messages wait)
  std::string token_file;         // RATHAUS_NOTIFY_SERVICE_TOKEN_FILE
  std::optional<platform::ClientTls> tls;
  Mailbox from;                   // RATHAUS_NOTIFY_FROM
  Mailbox reply_to;               // RATHAUS_NOTIFY_REPLY_TO
  std::string footer;             // RATHAUS_NOTIFY_FOOTER
  std::string public_url;         // RATHAUS_PUBLIC_URL: the pages' links
  // RATHAUS_NOTIFY_LINK_KEY_FILE: signs the opt-out links (domain/links.h) that the messages'
  // List-Unsubscribe headers carry (RFC 8058 one-click).
  std::string link_key;
  // RATHAUS_DKIM_KEY_FILE set: every message is DKIM-signed (domain/dkim.h).
  std::shared_ptr<const DkimSigner> dkim;
  absl::TimeZone time_zone;       // the offices' (Europe/Berlin)
  SmtpOptions smtp;
  int senders = 8;  // RATHAUS_NOTIFY_SENDERS: threads, each one SMTP connection, one message at a time
  absl::Duration retry_min = absl::Seconds(30);
  absl::Duration retry_max = absl::Hours(1);
};

class Sender {
 public:
  Sender(Store& store, SenderOptions options, platform::metrics::Registry* metrics);

  struct Run {
    int64_t handled = 0;
    std::optional<absl::Time> next;
    absl::Time now;
  };
  // Claims the due messages and handles each; the store's clock and next due time.
  absl::StatusOr<Run> RunDue();

 private:
  // One claimed message: renews its lease, handles it, records the outcome; `retry_at` gets the
  // time it is due again when it is to be tried again.
  absl::Status Process(Job job, SmtpClient& smtp, absl::Time claimed_at, absl::Time* retry_at);
  // "sent", "failed", "skipped" or "retry" for one message; `smtp_reply` the server's last code.
  std::string Handle(const Job& job, absl::Time now, SmtpClient& smtp, int* smtp_reply);
  // The messages about an ID document (job.code is the application id).
  std::string HandleDocument(const Job& job, Kind kind, absl::Time now, SmtpClient& smtp,
                             int* smtp_reply);
  // The messages about a registration case (job.code is the case id).
  std::string HandleRegistration(const Job& job, Kind kind, absl::Time now, SmtpClient& smtp,
                                 int* smtp_reply);
  // "skipped" (NOT_FOUND: the data is gone) or "retry" for a failed notice read; nullopt when
  // it succeeded.
  std::optional<std::string> NoticeFailure(const grpc::Status& s, const Job& job,
                                           std::string_view service) const;
  // A message from the city's sender to `to`, Message-ID <local_id@sender's domain>.
  Mail Compose(const Rendered& text, Mailbox to, const std::string& local_id,
               absl::Time date) const;
  // Writes and sends; the outcome.
  std::string Deliver(const Job& job, Mail mail, const std::string& recipient, SmtpClient& smtp,
                      int* smtp_reply);
  absl::StatusOr<std::string> Token() const;
  // One internal call with the service token and a 10 s deadline; OK, or the call's status.
  grpc::Status Call(const std::function<grpc::Status(grpc::ClientContext*)>& call) const;
  // An office's name and address from appointments' catalog (cached; read again for an
  // unknown id at most once a minute).
  bool OfficeOf(const std::string& id, std::string* name, std::string* address);

  Store& store_;
  SenderOptions options_;
  platform::metrics::Registry* metrics_;
  std::unique_ptr<appointments::v1::Appointments::Stub> appointments_;
  std::unique_ptr<id_documents::v1::IdDocuments::Stub> id_documents_;
  std::unique_ptr<registrations::v1::Registrations::Stub> registrations_;
  std::vector<std::unique_ptr<SmtpClient>> smtp_;  // one connection per sender thread
  std::map<std::string, std::pair<std::string, std::string>> offices_;  // id -> name, address
  absl::Time offices_read_ = absl::InfinitePast();
  std::mutex offices_mu_;  // guards offices_ and offices_read_
};

}  // namespace rathaus::notifications
