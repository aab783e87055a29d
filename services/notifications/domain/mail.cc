#include "domain/mail.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "shared/crypto/crypto.h"

namespace rathaus::notifications {
namespace {

bool IsPrintableAscii(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// Drops C0 controls and DEL (CR and LF among them): what is left cannot end a header.
std::string WithoutControls(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) continue;
    out.push_back(c);
  }
  return out;
}

// Length of the UTF-8 sequence that starts with `lead` (1 for a stray byte).
size_t SequenceLength(unsigned char lead) {
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  if (lead >= 0xc0) return 2;
  return 1;
}

// Base64 with lines of at most 76 characters and CRLF (RFC 2045 §6.8).
std::string Base64Lines(std::string_view bytes) {
  const std::string b64 = absl::Base64Escape(absl::string_view(bytes.data(), bytes.size()));
  std::string out;
  out.reserve(b64.size() + b64.size() / 76 * 2 + 2);
  for (size_t i = 0; i < b64.size(); i += 76) {
    out.append(b64, i, 76).append("\r\n");
  }
  return out;
}

std::string Crlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 40);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') continue;
    if (text[i] == '\n') {
      out.append("\r\n");
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

bool IsAddress(std::string_view a) {
  return !a.empty() && IsPrintableAscii(a) && a.find('@') != std::string_view::npos &&
         a.find_first_of(" <>\",;") == std::string_view::npos;
}

}  // namespace

std::string EncodeHeaderText(std::string_view raw, size_t used) {
  const std::string text = WithoutControls(raw);
  if (IsPrintableAscii(text)) return text;
  // "=?UTF-8?B?" + base64 + "?=": 12 characters of frame; a folded line starts with one space.
  // Lines stay within 77, words within 75: 15 groups of base64, 45 bytes a word; the first word
  // shares its line with the header's name and may be shorter.
  const auto bytes_for = [](size_t line_used) {
    // An encoded word is at most 75 characters (RFC 2047 §2): at most 63 of base64.
    const size_t room = std::min<size_t>(63, line_used + 12 < 77 ? 77 - line_used - 12 : 4);
    return std::max<size_t>(3, room / 4 * 3);
  };
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const size_t budget = out.empty() ? bytes_for(used) : bytes_for(1);
    size_t end = i;
    while (end < text.size()) {
      const size_t n = SequenceLength(static_cast<unsigned char>(text[end]));
      if (end + n - i > budget) break;
      end += n;
    }
    if (end == i) end = std::min(text.size(), i + budget);  // a malformed sequence
    if (!out.empty()) out.append("\r\n ");
    absl::StrAppend(&out, "=?UTF-8?B?", absl::Base64Escape(absl::string_view(text).substr(i, end - i)),
                    "?=");
    i = end;
  }
  return out;
}

std::string FormatMailbox(const Mailbox& mailbox, size_t used) {
  const std::string name = WithoutControls(mailbox.name);
  if (name.empty()) return mailbox.address;
  if (IsPrintableAscii(name)) {
    std::string quoted = "\"";
    for (char c : name) {
      if (c == '"' || c == '\\') quoted.push_back('\\');
      quoted.push_back(c);
    }
    return absl::StrCat(quoted, "\" <", mailbox.address, ">");
  }
  return absl::StrCat(EncodeHeaderText(name, used), "\r\n <", mailbox.address, ">");
}

std::string FormatMailDate(absl::Time t, absl::TimeZone tz) {
  return absl::FormatTime("%a, %d %b %Y %H:%M:%S %z", t, tz);
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  for (char c : text) {
    switch (c) {
      case '&': out.append("&amp;"); break;
      case '<': out.append("&lt;"); break;
      case '>': out.append("&gt;"); break;
      case '"': out.append("&quot;"); break;
      case '\'': out.append("&#39;"); break;
      default: out.push_back(c);
    }
  }
  return out;
}

absl::StatusOr<std::string> RenderMime(const Mail& mail) {
  for (const Mailbox* m : {&mail.from, &mail.to}) {
    if (!IsAddress(m->address)) {
      return absl::InvalidArgumentError("a sender or recipient address is not a plain address");
    }
  }
  if (!mail.reply_to.address.empty() && !IsAddress(mail.reply_to.address)) {
    return absl::InvalidArgumentError("the reply-to address is not a plain address");
  }
  for (const auto& [name, value] : mail.headers) {
    if (!IsPrintableAscii(name) || name.find(':') != std::string::npos || !IsPrintableAscii(value)) {
      return absl::InvalidArgumentError(absl::StrCat("header ", WithoutControls(name),
                                                     " is not one line of ASCII"));
    }
  }
  if (!IsPrintableAscii(mail.message_id)) {
    return absl::InvalidArgumentError("the Message-ID is not one line of ASCII");
  }
  const std::string boundary =
      absl::StrCat("=_rathaus_", absl::BytesToHexString(platform::crypto::RandomBytes(12)));
  const std::string alternative = boundary + "_alt";
  std::string out;
  absl::StrAppend(&out, "From: ", FormatMailbox(mail.from, 6), "\r\n");
  absl::StrAppend(&out, "To: ", FormatMailbox(mail.to, 4), "\r\n");
  if (!mail.reply_to.address.empty()) {
    absl::StrAppend(&out, "Reply-To: ", FormatMailbox(mail.reply_to, 10), "\r\n");
  }
  absl::StrAppend(&out, "Subject: ", EncodeHeaderText(mail.subject, 9), "\r\n");
  absl::StrAppend(&out, "Date: ", FormatMailDate(mail.date, absl::UTCTimeZone()), "\r\n");
  absl::StrAppend(&out, "Message-ID: ", mail.message_id, "\r\n");
  for (const auto& [name, value] : mail.headers) absl::StrAppend(&out, name, ": ", value, "\r\n");
  absl::StrAppend(&out, "MIME-Version: 1.0\r\n");
  const bool mixed = !mail.attachments.empty();
  if (mixed) {
    absl::StrAppend(&out, "Content-Type: multipart/mixed;\r\n boundary=\"", boundary, "\"\r\n\r\n",
                    "--", boundary, "\r\n");
  }
  absl::StrAppend(&out, "Content-Type: multipart/alternative;\r\n boundary=\"", alternative,
                  "\"\r\n\r\n");
  absl::StrAppend(&out, "--", alternative, "\r\n",
                  "Content-Type: text/plain; charset=utf-8\r\n",
                  "Content-Transfer-Encoding: base64\r\n\r\n", Base64Lines(Crlf(mail.text)));
  absl::StrAppend(&out, "--", alternative, "\r\n",
                  "Content-Type: text/html; charset=utf-8\r\n",
                  "Content-Transfer-Encoding: base64\r\n\r\n", Base64Lines(Crlf(mail.html)));
  absl::StrAppend(&out, "--", alternative, "--\r\n");
  if (mixed) {
    for (const Attachment& a : mail.attachments) {
      if (!IsPrintableAscii(a.content_type) || !IsPrintableAscii(a.filename) ||
          a.filename.find('"') != std::string::npos) {
        return absl::InvalidArgumentError("an attachment's name or type is not plain ASCII");
      }
      absl::StrAppend(&out, "--", boundary, "\r\n", "Content-Type: ", a.content_type,
                      ";\r\n name=\"", a.filename, "\"\r\n",
                      "Content-Disposition: attachment;\r\n filename=\"", a.filename, "\"\r\n",
                      "Content-Transfer-Encoding: base64\r\n\r\n", Base64Lines(a.content));
    }
    absl::StrAppend(&out, "--", boundary, "--\r\n");
  }
  return out;
}

}  // namespace rathaus::notifications
