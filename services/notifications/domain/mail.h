// An e-mail as the notifications service sends it: RFC 5322 headers (RFC 2047 encoded words for
// anything outside ASCII), a multipart/alternative body of plain text and HTML (RFC 2046), and
// attachments such as the booking's calendar entry; every body part base64 with lines of 76.
//
//   Mail m{.from = {"Stadt Kiel", "termine@kiel.de"}, .to = {"Erika Mustermann", "e@example.org"},
//          .subject = "Terminbestätigung", .text = "…", .html = "<p>…</p>",
//          .message_id = "<job-1@kiel.de>", .date = absl::Now()};
//   m.attachments.push_back({"termin-K7M3Q9XP.ics", "text/calendar; charset=utf-8", ics});
//   std::string wire = RenderMime(m);   // CRLF line ends, ready for SMTP DATA
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace rathaus::notifications {

struct Mailbox {
  std::string name;     // display name, any UTF-8 ("" for none)
  std::string address;  // addr-spec, ASCII (the services check addresses before they store them)
};

struct Attachment {
  std::string filename;
  std::string content_type;  // e.g. "text/calendar; charset=utf-8; method=PUBLISH"
  std::string content;
};

struct Mail {
  Mailbox from;
  Mailbox to;
  Mailbox reply_to;  // address "" for none
  std::string subject;
  std::string text;  // plain text, UTF-8, "\n" line ends
  std::string html;  // HTML, UTF-8
  std::vector<Attachment> attachments;
  // Further headers (List-Unsubscribe, Auto-Submitted, …): name and an ASCII value.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string message_id;  // "<local@domain>"
  absl::Time date;
};

// The header value of a mailbox: `=?UTF-8?B?…?=` CRLF SP `<address>` or `"Name" <address>`,
// for a header whose name and colon take `used` characters. A CR, LF or other control character
// in the name is dropped (header injection).
std::string FormatMailbox(const Mailbox& mailbox, size_t used = 0);
// `text` as it may stand in a header: itself when it is printable ASCII, else RFC 2047
// encoded words (UTF-8, base64), each at most 75 characters, whole UTF-8 sequences only,
// separated by CRLF SP (folding), so that no line is longer than 78 when the first line has
// `used` characters before it ("Subject: " is 9). Control characters are dropped first.
std::string EncodeHeaderText(std::string_view text, size_t used = 0);
// The whole message. INVALID_ARGUMENT for an address with characters outside printable ASCII or
// without an @, or a header value with CR or LF.
absl::StatusOr<std::string> RenderMime(const Mail& mail);

// RFC 5322 date-time, e.g. "Sat, 05 Dec 2026 10:00:00 +0100" (in `tz`).
std::string FormatMailDate(absl::Time t, absl::TimeZone tz);

// For templates: `text` with & < > " ' as character references.
std::string HtmlEscape(std::string_view text);

}  // namespace rathaus::notifications
