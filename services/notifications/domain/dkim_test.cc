#include "domain/dkim.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sys/wait.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "domain/mail.h"

namespace rathaus::notifications {
namespace {

// RFC 6376 §3.4.5, the example of relaxed canonicalization.
TEST(DkimTest, RelaxedCanonicalizationAsInTheRfc) {
  EXPECT_EQ(DkimRelaxedHeader("A", " X"), "a:X\r\n");
  EXPECT_EQ(DkimRelaxedHeader("B ", " Y\t\r\n\tZ  "), "b:Y Z\r\n");
  EXPECT_EQ(DkimRelaxedBody(" C \r\nD \t E\r\n\r\n\r\n"), " C\r\nD E\r\n");
  EXPECT_EQ(DkimRelaxedBody(""), "");
  EXPECT_EQ(DkimRelaxedBody("\r\n\r\n"), "");
  EXPECT_EQ(DkimRelaxedBody("no line end"), "no line end\r\n");
}

std::string RunCommand(const std::string& command, int* code) {
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while (p != nullptr && (n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = p == nullptr ? -1 : pclose(p);
  *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

// What dkimpy (an independent verifier, Debian's python3-dkim) says of `message` when DNS
// answers `record` for the selector.
std::string Verify(const std::string& message, const std::string& record) {
  const std::string dir = testing::TempDir();
  const std::string msg = dir + "/dkim-message.eml", rec = dir + "/dkim-record.txt";
  std::ofstream(msg, std::ios::binary) << message;
  std::ofstream(rec, std::ios::binary) << record;
  int code = 0;
  std::string out = RunCommand(absl::StrCat(
      "/usr/bin/python3 -c 'import sys, dkim\n"
      "msg = open(sys.argv[1], \"rb\").read(); rec = open(sys.argv[2], \"rb\").read()\n"
      "print(\"valid\" if dkim.verify(msg, dnsfunc=lambda name, timeout=5: rec) else \"invalid\")' ",
      msg, " ", rec), &code);
  EXPECT_EQ(code, 0) << out;
  return std::string(absl::StripAsciiWhitespace(out));
}

class DkimSignTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {}
  std::string Key() {
    int code = 0;
    const std::string pem = RunCommand("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048", &code);
    EXPECT_EQ(code, 0) << pem;
    return pem;
  }
  static std::string Message() {
    Mail m{.from = {"Stadt Kiel", "termine@kiel.example"},
           .to = {"Jürgen Groß", "juergen@example.org"},
           .reply_to = {"", ""},
           .subject = "Terminbestätigung: Bürgerbüro Mitte, Di 8.12.2026, 09:30 Uhr",
           .text = "Guten Tag Jürgen Groß,\n\nIhr Termin ist gebucht.  \n\n",
           .html = "<p>Guten Tag</p>",
           .attachments = {{"termin.ics", "text/calendar; charset=utf-8", "BEGIN:VCALENDAR\r\n"}},
           .headers = {{"Auto-Submitted", "auto-generated"},
                       {"List-Unsubscribe", "<https://kiel.example/api/v1/notifications/opt-out?link=X.1.Y>"},
                       {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}},
           .message_id = "<job-1.K7M3Q9XP@kiel.example>",
           .date = absl::FromUnixSeconds(1796000000)};
    return *RenderMime(m);
  }
};

TEST_F(DkimSignTest, AnIndependentVerifierAcceptsTheSignatureAndRefusesAChangedMessage) {
  auto signer = DkimSigner::FromPem(Key(), "kiel.example", "rathaus2026");
  ASSERT_TRUE(signer.ok()) << signer.status();
  const std::string message = Message();
  auto signed_message = (*signer)->Sign(message, absl::FromUnixSeconds(1796000000));
  ASSERT_TRUE(signed_message.ok()) << signed_message.status();
  ASSERT_TRUE(absl::StartsWith(*signed_message, "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=kiel.example; s=rathaus2026;"));
  EXPECT_TRUE(absl::StrContains(*signed_message, "h=from:to:subject:date:message-id:mime-version:content-type:list-unsubscribe:list-unsubscribe-post:auto-submitted;"));
  const std::string record = (*signer)->DnsRecord();
  ASSERT_TRUE(absl::StartsWith(record, "v=DKIM1; k=rsa; p=")) << record;
  EXPECT_EQ(Verify(*signed_message, record), "valid");
  // One character of the body, of a signed header, or the key: refused.
  std::string body_changed = *signed_message;
  body_changed[body_changed.size() - 10] ^= 1;
  EXPECT_EQ(Verify(body_changed, record), "invalid");
  std::string subject_changed = *signed_message;
  const size_t at = subject_changed.find("Message-ID: <job-1");
  subject_changed[at + 17] = '2';
  EXPECT_EQ(Verify(subject_changed, record), "invalid");
  auto other = DkimSigner::FromPem(Key(), "kiel.example", "rathaus2026");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(Verify(*signed_message, (*other)->DnsRecord()), "invalid");
}

TEST_F(DkimSignTest, KeysAndNamesAreChecked) {
  EXPECT_FALSE(DkimSigner::FromPem("not a key", "kiel.example", "s").ok());
  int code = 0;
  const std::string ec = RunCommand("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256", &code);
  EXPECT_EQ(DkimSigner::FromPem(ec, "kiel.example", "s").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(DkimSigner::FromPem(Key(), "kiel.example; x=1", "s").ok());
}

}  // namespace
}  // namespace rathaus::notifications
