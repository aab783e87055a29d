#include "domain/mail.h"

#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace rathaus::notifications {
namespace {

// The body of the part whose headers contain `type`, base64-decoded.
std::string PartBody(const std::string& wire, const std::string& type) {
  const size_t at = wire.find("Content-Type: " + type);
  if (at == std::string::npos) return "";
  const size_t start = wire.find("\r\n\r\n", at) + 4;
  const size_t end = wire.find("--=_rathaus_", start);
  std::string b64;
  for (char c : wire.substr(start, end - start)) {
    if (c != '\r' && c != '\n') b64.push_back(c);
  }
  std::string out;
  EXPECT_TRUE(absl::Base64Unescape(b64, &out)) << b64;
  return out;
}

Mail Sample() {
  return Mail{.from = {"Stadt Kiel", "termine@kiel.example"},
              .to = {"Jürgen Groß", "juergen@example.org"},
              .reply_to = {"", ""},
              .subject = "Terminbestätigung: Bürgerbüro Mitte, Di 8.12.2026, 09:30 Uhr",
              .text = "Guten Tag Jürgen Groß,\n\nIhr Termin ist gebucht.\n",
              .html = "<p>Guten Tag J&uuml;rgen</p>",
              .attachments = {{"termin-K7M3Q9XP.ics", "text/calendar; charset=utf-8",
                               "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"}},
              .headers = {{"Auto-Submitted", "auto-generated"}},
              .message_id = "<job-1.K7M3Q9XP@kiel.example>",
              .date = absl::FromUnixSeconds(1796000000)};
}

TEST(MailTest, HeadersAreEncodedAndOneLineEach) {
  auto wire = RenderMime(Sample());
  ASSERT_TRUE(wire.ok()) << wire.status();
  // Every header line is ASCII and at most 78 characters (RFC 5322 §2.1.1).
  const std::string head = wire->substr(0, wire->find("\r\n\r\n"));
  for (absl::string_view line : absl::StrSplit(head, "\r\n")) {
    EXPECT_LE(line.size(), 78u) << line;
    for (char c : line) EXPECT_TRUE(c >= 0x20 && c <= 0x7e) << line;
  }
  EXPECT_TRUE(absl::StrContains(head, "From: \"Stadt Kiel\" <termine@kiel.example>"));
  EXPECT_TRUE(absl::StrContains(head, "To: =?UTF-8?B?"));
  EXPECT_TRUE(absl::StrContains(head, "<juergen@example.org>"));
  EXPECT_TRUE(absl::StrContains(head, "Subject: =?UTF-8?B?"));
  EXPECT_TRUE(absl::StrContains(head, "Message-ID: <job-1.K7M3Q9XP@kiel.example>"));
  EXPECT_TRUE(absl::StrContains(head, "Auto-Submitted: auto-generated"));
  EXPECT_TRUE(absl::StrContains(head, "Date: Mon, 30 Nov 2026 00:53:20 +0000"));
  EXPECT_FALSE(absl::StrContains(head, "Reply-To")) << "none configured";
}

TEST(MailTest, EncodedWordsDecodeToTheSubjectAndNeverSplitACharacter) {
  const std::string subject(40, 'x');
  const std::string text = subject + " äöü ß € Ünïcödé " + subject;
  const std::string encoded = EncodeHeaderText(text);
  std::string decoded;
  for (absl::string_view word : absl::StrSplit(encoded, "\r\n ")) {
    ASSERT_TRUE(absl::StartsWith(word, "=?UTF-8?B?") && absl::EndsWith(word, "?="));
    EXPECT_LE(word.size(), 75u);
    std::string part;
    ASSERT_TRUE(absl::Base64Unescape(word.substr(10, word.size() - 12), &part));
    // Each word is whole UTF-8 on its own: it does not end inside a sequence.
    const unsigned char last = static_cast<unsigned char>(part.back());
    EXPECT_TRUE(last < 0x80 || (last & 0xc0) == 0x80) << word;
    decoded += part;
  }
  EXPECT_EQ(decoded, text);
  EXPECT_EQ(EncodeHeaderText("plain ASCII"), "plain ASCII");
}

TEST(MailTest, HeaderInjectionIsImpossible) {
  // A line break in a name or subject is dropped, not passed on as a new header.
  EXPECT_EQ(EncodeHeaderText("Termin\r\nBcc: victim@example.org"), "TerminBcc: victim@example.org");
  Mail m = Sample();
  m.to.name = "Eve\r\nBcc: victim@example.org";
  auto wire = RenderMime(m);
  ASSERT_TRUE(wire.ok());
  EXPECT_FALSE(absl::StrContains(*wire, "\r\nBcc:"));
  m = Sample();
  m.to.address = "a@example.org>\r\nBcc: <victim@example.org";
  EXPECT_EQ(RenderMime(m).status().code(), absl::StatusCode::kInvalidArgument);
  m = Sample();
  m.headers.push_back({"List-Unsubscribe", "<https://x>\r\nBcc: v@example.org"});
  EXPECT_EQ(RenderMime(m).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(MailTest, BodiesAndAttachmentRoundTrip) {
  auto wire = RenderMime(Sample());
  ASSERT_TRUE(wire.ok());
  EXPECT_TRUE(absl::StrContains(*wire, "Content-Type: multipart/mixed;\r\n boundary="));
  EXPECT_TRUE(absl::StrContains(*wire, "Content-Type: multipart/alternative;\r\n boundary="));
  EXPECT_EQ(PartBody(*wire, "text/plain"), "Guten Tag Jürgen Groß,\r\n\r\nIhr Termin ist gebucht.\r\n");
  EXPECT_EQ(PartBody(*wire, "text/html"), "<p>Guten Tag J&uuml;rgen</p>");
  EXPECT_EQ(PartBody(*wire, "text/calendar"), "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
  EXPECT_TRUE(absl::StrContains(*wire, "filename=\"termin-K7M3Q9XP.ics\""));
  // A long subject and a long encoded name stay within 78 characters a line too.
  Mail long_one = Sample();
  long_one.subject = std::string(30, 'x') + " Bürgerbüro " + std::string(60, 'y') + " ä";
  long_one.to.name = std::string(70, 'z') + "ö";
  wire = RenderMime(long_one);
  ASSERT_TRUE(wire.ok());
  for (absl::string_view line : absl::StrSplit(*wire, "\r\n")) EXPECT_LE(line.size(), 78u) << line;
  // Body lines are at most 76 characters of base64.
  for (absl::string_view line : absl::StrSplit(*wire, "\r\n")) EXPECT_LE(line.size(), 78u);
  // Without attachments there is no multipart/mixed.
  Mail m = Sample();
  m.attachments.clear();
  wire = RenderMime(m);
  ASSERT_TRUE(wire.ok());
  EXPECT_FALSE(absl::StrContains(*wire, "multipart/mixed"));
}

TEST(MailTest, HtmlEscape) {
  EXPECT_EQ(HtmlEscape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;");
}

}  // namespace
}  // namespace rathaus::notifications
