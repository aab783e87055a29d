// Delivery over SMTP (RFC 5321) with libcurl: STARTTLS (RFC 3207) and AUTH when configured, the
// server's certificate checked against the system's or a given CA. One connection is kept and
// reused between messages.
//
//   SmtpOptions o{.url = "smtp://mail.kiel.de:587", .starttls = Starttls::kRequired,
//                 .user = "rathaus", .password = "…"};
//   SmtpClient smtp(o);
//   SmtpResult r = smtp.Send("termine@kiel.de", "erika@example.org", wire);
//   r.permanent  -> 5xx: do not try again;  !r.ok && !r.permanent -> try later (4xx, network)
#pragma once

#include <memory>
#include <string>

#include "absl/time/time.h"

namespace rathaus::notifications {

enum class Starttls { kOff, kIfOffered, kRequired };

struct SmtpOptions {
  std::string url = "smtp://127.0.0.1:25";  // smtp://host:port, or smtps:// (implicit TLS)
  Starttls starttls = Starttls::kIfOffered;
  std::string user;      // AUTH when set
  std::string password;
  std::string ca_file;   // "" = the system's CAs
  std::string helo_domain;  // EHLO name ("" = libcurl's default)
  absl::Duration timeout = absl::Seconds(60);
};

struct SmtpResult {
  bool ok = false;
  bool permanent = false;  // a 5xx answer: the message would be refused again
  int code = 0;            // the server's last reply code, 0 when none came
  std::string error;       // for the log: no addresses in it
};

class SmtpClient {
 public:
  explicit SmtpClient(SmtpOptions options);
  ~SmtpClient();
  SmtpClient(const SmtpClient&) = delete;
  SmtpClient& operator=(const SmtpClient&) = delete;

  // Sends one message (`wire`: RFC 5322 with CRLF). Not thread-safe: one sender thread.
  SmtpResult Send(const std::string& envelope_from, const std::string& recipient,
                  const std::string& wire);

 private:
  SmtpOptions options_;
  void* curl_ = nullptr;  // CURL*, kept for connection reuse
};

}  // namespace rathaus::notifications
