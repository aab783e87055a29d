// Notifications end to end (issue 18): bookings made through the gateway reach the citizen as
// e-mail through a real SMTP server (tests/smtp/sink.py, aiosmtpd) over STARTTLS with AUTH —
// the confirmation with its calendar entry, a reschedule, a cancellation and a reminder on its
// exact time, whose cancel link cancels the booking and nothing else. A 451 is tried again, a
// 550 is not; the address never appears in the service's log; appointments gives the
// addresses only to the notifications service's credential.
#include <gtest/gtest.h>
#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "rathaus/appointments/v1/appointments.grpc.pb.h"
#include "tests/e2e/system.h"

namespace rathaus::testing {
namespace {

namespace v1 = ::rathaus::appointments::v1;
namespace fs = std::filesystem;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Decodes RFC 2047 B-encoded words of UTF-8 (what the service writes) in a header value.
std::string DecodeHeader(const std::string& value) {
  std::string out;
  for (absl::string_view part : absl::StrSplit(value, absl::ByAnyChar(" \r\n"), absl::SkipEmpty())) {
    if (absl::StartsWith(part, "=?UTF-8?B?") && absl::EndsWith(part, "?=")) {
      std::string decoded;
      absl::Base64Unescape(part.substr(10, part.size() - 12), &decoded);
      out += decoded;
    } else {
      if (!out.empty()) out += ' ';
      out += std::string(part);
    }
  }
  return out;
}

struct Mail {
  std::string file;
  std::string meta;  // the sink's JSON: envelope, tls, authenticated
  std::string raw;
  std::map<std::string, std::string> headers;  // lower-case names, unfolded
  std::string text, html, ics;
  absl::Time received;
  std::string Subject() const { return DecodeHeader(Header("subject")); }
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

std::string PartBody(const std::string& raw, const std::string& type) {
  const size_t at = raw.find("Content-Type: " + type);
  if (at == std::string::npos) return "";
  const size_t start = raw.find("\r\n\r\n", at) + 4;
  const size_t end = raw.find("--=_rathaus_", start);
  std::string b64;
  for (char c : raw.substr(start, end - start)) {
    if (c != '\r' && c != '\n') b64.push_back(c);
  }
  std::string out;
  absl::Base64Unescape(b64, &out);
  return out;
}

Mail ParseMail(const std::string& eml) {
  Mail m;
  m.file = eml;
  m.raw = ReadAll(eml);
  m.meta = ReadAll(eml.substr(0, eml.size() - 4) + ".json");
  const auto age = fs::file_time_type::clock::now() - fs::last_write_time(eml);
  m.received = absl::Now() - absl::FromChrono(
                                 std::chrono::duration_cast<std::chrono::nanoseconds>(age));
  const std::string head = m.raw.substr(0, m.raw.find("\r\n\r\n"));
  std::string name;
  for (absl::string_view line : absl::StrSplit(head, "\r\n")) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      m.headers[name] += std::string(line);
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos) continue;
    name = absl::AsciiStrToLower(line.substr(0, colon));
    m.headers[name] = std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
  }
  m.text = PartBody(m.raw, "text/plain");
  m.html = PartBody(m.raw, "text/html");
  m.ics = PartBody(m.raw, "text/calendar");
  return m;
}

// What the sink holds for a recipient, oldest first.
std::vector<Mail> MailsTo(const std::string& dir, const std::string& address) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".eml") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  std::vector<Mail> out;
  for (const std::string& f : files) {
    if (!fs::exists(f.substr(0, f.size() - 4) + ".json")) continue;
    const std::string meta = ReadAll(f.substr(0, f.size() - 4) + ".json");
    if (absl::StrContains(meta, absl::StrCat("\"", address, "\""))) out.push_back(ParseMail(f));
  }
  return out;
}

System* sys = nullptr;
std::unique_ptr<Child> sink;
std::unique_ptr<Child> notifications;
std::string mail_dir;
// Booked before the service started, with a reminder due 25 s after it was configured; and one
// whose reminder (due 30 s after) the citizen turns off with the one-click opt-out.
v1::Booking reminded;
absl::Time reminder_due;
v1::Booking opted;
absl::Time opted_reminder_due;
// A second gateway that also routes to the notifications service (its opt-out route).
std::unique_ptr<Child> optout_gateway;
int optout_gateway_port = 0;

class NotificationsE2eTest : public ::testing::Test {
 protected:
  // Everything starts in the first case's SetUp (a failure in SetUpTestSuite would count as
  // skipped, not failed).
  void SetUp() override {
    if (sys != nullptr) return;
    sys = new System();
    const std::string prefix = UniqueName("smtp");
    mail_dir = absl::StrCat("/tmp/", prefix, "-mails");
    const std::string cert = absl::StrCat("/tmp/", prefix, "-cert.pem");
    const std::string key = absl::StrCat("/tmp/", prefix, "-key.pem");
    RunTool(absl::StrCat("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
                         "-keyout ", key, " -out ", cert, " -subj /CN=localhost -addext "
                         "subjectAltName=IP:127.0.0.1,DNS:localhost -days 1 2>/dev/null"));
    const std::string password = WriteTemp("smtp-password", "s3cret-for-the-test\n");
    const int smtp_port = FreePort();
    sink = std::make_unique<Child>(
        "/usr/bin/python3",
        std::vector<std::string>{SourceDir() + "/tests/smtp/sink.py", "--port",
                                 absl::StrCat(smtp_port), "--dir", mail_dir, "--tls-cert", cert,
                                 "--tls-key", key, "--user", "rathaus", "--password-file",
                                 password, "--tempfail", "1", "--reject-rcpt", "refused-"},
        std::map<std::string, std::string>{});
    ASSERT_TRUE(WaitFor([&] { return absl::StrContains(sink->Stderr(), "smtp-sink ready"); },
                        absl::Seconds(30)))
        << sink->Stderr();

    // The booking whose reminder the suite waits for, made before the service runs: its event
    // waits on Kafka.
    reminded = Book(8, "reminded", "en");
    opted = Book(9, "opted", "de");
    absl::Time start, opted_start;
    std::string error;
    ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full, reminded.start(), &start, &error)) << error;
    ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full, opted.start(), &opted_start, &error)) << error;
    ASSERT_GE(opted_start - start, absl::Minutes(5));
    reminder_due = absl::Now() + absl::Seconds(25);
    opted_reminder_due = absl::Now() + absl::Seconds(30);
    // Two reminder offsets: each booking has one of them due soon, the other long before now
    // (skipped) or long after the test.
    const int64_t before = absl::ToInt64Seconds(start - reminder_due);
    const int64_t before_opted = absl::ToInt64Seconds(opted_start - opted_reminder_due);

    const std::string token = WriteTemp(
        "notify-token", RunTool(absl::StrCat(DevTokenBinary(), " integrator ", sys->clerk_key(),
                                             " --scope appointments:notify,id-documents:notify --sub notifications")));
    const std::string link_key = WriteTemp("notify-link-key", UniqueName("link-key-0123456789abcdef0123456789"));
    const int notifications_port = FreePort();
    notifications = std::make_unique<Child>(
        BinaryDir() + "/../services/notifications/rathaus-notifications",
        std::vector<std::string>{},
        sys->WithExtra({{"RATHAUS_REDIS_URL", SharedServers().redis_url},
                        {"RATHAUS_KAFKA_BROKERS", SharedServers().kafka_brokers},
                        {"RATHAUS_GRPC_LISTEN", absl::StrCat("127.0.0.1:", notifications_port)},
                        {"RATHAUS_NOTIFY_LINK_KEY_FILE", link_key},
                        {"RATHAUS_SMTP_URL", absl::StrCat("smtp://127.0.0.1:", smtp_port)},
                        {"RATHAUS_SMTP_USER", "rathaus"},
                        {"RATHAUS_SMTP_PASSWORD_FILE", password},
                        {"RATHAUS_SMTP_CA_FILE", cert},
                        {"RATHAUS_NOTIFY_FROM", "Stadt Kiel – Bürgerbüro <termine@kiel.example>"},
                        {"RATHAUS_NOTIFY_FOOTER", "Landeshauptstadt Kiel"},
                        {"RATHAUS_NOTIFY_REMINDERS",
                         absl::StrCat(before, "s,", before_opted, "s")},
                        {"RATHAUS_NOTIFY_RETRY", "1s"},
                        {"RATHAUS_PUBLIC_URL", absl::StrCat("http://127.0.0.1:", sys->port())},
                        {"RATHAUS_APPOINTMENTS_ADDR", sys->appointments_addr()},
                        {"RATHAUS_ID_DOCUMENTS_ADDR", sys->id_documents_addr()},
                        {"RATHAUS_NOTIFY_SERVICE_TOKEN_FILE", token},
                        {"RATHAUS_LOG_LEVEL", "info"}}));
    optout_gateway_port = sys->StartGateway(
        {{"RATHAUS_NOTIFICATIONS_ADDR", absl::StrCat("127.0.0.1:", notifications_port)},
         {"RATHAUS_RATE_LIMIT_OPTOUT", "off"}},
        &optout_gateway);
  }
  static void TearDownTestSuite() {
    optout_gateway.reset();
    notifications.reset();
    sink.reset();
    delete sys;
    sys = nullptr;
  }

  static std::string Unique(const std::string& who) {
    return absl::StrCat(who, "-", UniqueName("m"), "@example.org");
  }

  // Books the office's n-th free slot through the gateway for a new address starting with `who`.
  static v1::Booking Book(int n, const std::string& who, const std::string& language) {
    Answer offices = Send(sys->port(), http::verb::get, "/api/v1/offices");
    const std::string office = Parse<v1::ListOfficesResponse>(offices).offices(2).id();
    Answer services = Send(sys->port(), http::verb::get, "/api/v1/services?office=" + office);
    const std::string service = Parse<v1::ListServicesResponse>(services).services(0).id();
    Answer slots = Send(sys->port(), http::verb::get,
                        absl::StrCat("/api/v1/availability?office=", office, "&service=", service));
    const auto free = Parse<v1::GetAvailabilityResponse>(slots);
    EXPECT_GT(free.slots_size(), n);
    if (free.slots_size() <= n) return {};
    // Earlier cases (each a process of its own) booked on the same Redis: the n-th free time
    // may be taken by now (the availability is cached for a second), so the next one is tried.
    const std::string email = Unique(who);
    for (int i = n; i < free.slots_size(); ++i) {
      Answer made = Send(sys->port(), http::verb::post, "/api/v1/bookings",
                         absl::StrCat(R"({"office":")", office, R"(","services":[{"id":")", service,
                                      R"(","quantity":1}],"start":")", free.slots(i).start(),
                                      R"(","name":"Jürgen Groß","email":")", email,
                                      R"(","language":")", language, R"("})"));
      if (made.status == 409) continue;
      EXPECT_EQ(made.status, 201) << made.body;
      return Parse<v1::Booking>(made);
    }
    ADD_FAILURE() << "no free time left";
    return {};
  }

  // Waits until `address` has at least `count` messages; returns them.
  static std::vector<Mail> WaitForMails(const std::string& address, size_t count,
                                        absl::Duration timeout = absl::Seconds(120)) {
    std::vector<Mail> mails;
    WaitFor([&] {
      mails = MailsTo(mail_dir, address);
      return mails.size() >= count;
    }, timeout);
    EXPECT_GE(mails.size(), count) << "for " << address << "\nnotifications: "
                                   << notifications->Stderr();
    return mails;
  }
};

TEST_F(NotificationsE2eTest, ABookingIsConfirmedOverStarttlsWithAuthAndItsCalendarEntry) {
  const v1::Booking b = Book(3, "confirmed", "de");
  ASSERT_FALSE(b.code().empty());
  const std::vector<Mail> mails = WaitForMails(b.email(), 1);
  ASSERT_EQ(mails.size(), 1u);
  const Mail& m = mails[0];
  EXPECT_TRUE(absl::StrContains(m.meta, "\"tls\": true")) << m.meta;
  EXPECT_TRUE(absl::StrContains(m.meta, "\"authenticated\": true")) << m.meta;
  EXPECT_TRUE(absl::StrContains(m.meta, "\"mail_from\": \"termine@kiel.example\"")) << m.meta;
  EXPECT_TRUE(absl::StartsWith(m.Subject(), "Terminbestätigung: ")) << m.Subject();
  EXPECT_TRUE(absl::StrContains(m.headers.at("to"), b.email()));
  EXPECT_EQ(DecodeHeader(m.headers.at("to")), absl::StrCat("Jürgen Groß <", b.email(), ">"));
  EXPECT_TRUE(absl::StrContains(m.headers.at("message-id"), b.code() + "@kiel.example>"));
  EXPECT_EQ(m.headers.at("auto-submitted"), "auto-generated");
  EXPECT_TRUE(absl::StrContains(m.text, "Guten Tag Jürgen Groß,")) << m.text;
  EXPECT_TRUE(absl::StrContains(m.text, "Buchungscode: " + b.code())) << m.text;
  EXPECT_TRUE(absl::StrContains(m.text, "Landeshauptstadt Kiel")) << m.text;
  EXPECT_TRUE(absl::StrContains(m.html, "<html lang=\"de\">")) << m.html;
  // The calendar entry is the booking's own (as the API serves it, but for its DTSTAMP).
  Answer ics = Send(sys->port(), http::verb::get, absl::StrCat("/api/v1/bookings/", b.code(),
                                                               "/calendar.ics"),
                    "", {{"X-Booking-Token", b.token()}});
  ASSERT_EQ(ics.status, 200);
  const auto without_stamp = [](const std::string& s) {
    std::string out;
    for (absl::string_view line : absl::StrSplit(s, "\r\n")) {
      if (!absl::StartsWith(line, "DTSTAMP")) absl::StrAppend(&out, line, "\n");
    }
    return out;
  };
  EXPECT_EQ(without_stamp(m.ics), without_stamp(ics.body));
  EXPECT_TRUE(absl::StrContains(m.ics, b.code()));
}

TEST_F(NotificationsE2eTest, ARescheduleAndACancellationAreMailed) {
  v1::Booking b = Book(4, "moved", "de");
  ASSERT_FALSE(b.code().empty());
  WaitForMails(b.email(), 1);
  // Move it to another free time, then cancel it with the booking's token.
  Answer offices = Send(sys->port(), http::verb::get, "/api/v1/offices");
  const std::string office = Parse<v1::ListOfficesResponse>(offices).offices(2).id();
  Answer slots = Send(sys->port(), http::verb::get,
                      absl::StrCat("/api/v1/availability?office=", office, "&service=",
                                   b.services(0).id()));
  const auto free = Parse<v1::GetAvailabilityResponse>(slots);
  ASSERT_GT(free.slots_size(), 14);
  Answer moved;
  for (int i = 14; i < free.slots_size(); ++i) {  // the first later time still free
    moved = Send(sys->port(), http::verb::post,
                 absl::StrCat("/api/v1/bookings/", b.code(), "/reschedule"),
                 absl::StrCat(R"({"start":")", free.slots(i).start(), R"("})"),
                 {{"X-Booking-Token", b.token()}});
    if (moved.status != 409) break;
  }
  ASSERT_EQ(moved.status, 200) << moved.body;
  std::vector<Mail> mails = WaitForMails(b.email(), 2);
  ASSERT_GE(mails.size(), 2u);
  EXPECT_TRUE(absl::StartsWith(mails[1].Subject(), "Termin verschoben: ")) << mails[1].Subject();
  EXPECT_TRUE(absl::StrContains(mails[1].ics, "SEQUENCE:1")) << mails[1].ics;
  Answer cancelled = Send(sys->port(), http::verb::delete_,
                          absl::StrCat("/api/v1/bookings/", b.code()), "",
                          {{"X-Booking-Token", b.token()}});
  ASSERT_EQ(cancelled.status, 204) << cancelled.body;
  mails = WaitForMails(b.email(), 3);
  ASSERT_GE(mails.size(), 3u);
  EXPECT_TRUE(absl::StartsWith(mails[2].Subject(), "Termin abgesagt: ")) << mails[2].Subject();
  EXPECT_TRUE(absl::StrContains(mails[2].ics, "STATUS:CANCELLED")) << mails[2].ics;
  EXPECT_FALSE(absl::StrContains(mails[2].text, "absagen#")) << "no cancel link after a cancel";
}

TEST_F(NotificationsE2eTest, TheReminderComesOnTimeAndItsLinkCancelsOnlyThatBooking) {
  ASSERT_FALSE(reminded.code().empty());
  // The confirmation (in English: the booking's language), then the reminder at its time.
  std::vector<Mail> mails = WaitForMails(reminded.email(), 2);
  ASSERT_GE(mails.size(), 2u);
  EXPECT_TRUE(absl::StartsWith(mails[0].Subject(), "Appointment confirmed: ")) << mails[0].Subject();
  const Mail& reminder = mails[1];
  EXPECT_TRUE(absl::StartsWith(reminder.Subject(), "Reminder of your appointment: "))
      << reminder.Subject();
  EXPECT_GE(reminder.received, reminder_due - absl::Seconds(2)) << "not before its time";
  EXPECT_LE(reminder.received, reminder_due + absl::Seconds(15)) << "an exact timer, not a sweep";
  EXPECT_TRUE(reminder.ics.empty());
  EXPECT_TRUE(absl::StrContains(reminder.Header("list-unsubscribe"),
                                "/api/v1/notifications/opt-out?link=" + reminded.code() + "."))
      << reminder.Header("list-unsubscribe");
  EXPECT_EQ(reminder.Header("list-unsubscribe-post"), "List-Unsubscribe=One-Click");
  // The link: the cancel page with the code and a cancel-only token in the fragment.
  const std::string marker = "/termin/absagen#code=" + reminded.code() + "&token=";
  const size_t at = reminder.text.find(marker);
  ASSERT_NE(at, std::string::npos) << reminder.text;
  const size_t from = at + marker.size();
  const std::string token = reminder.text.substr(from, reminder.text.find_first_of("\r\n", from) - from);
  ASSERT_TRUE(absl::StartsWith(token, "c")) << token;
  // The token shows nothing and moves nothing; it cancels this booking only.
  EXPECT_EQ(Send(sys->port(), http::verb::get, "/api/v1/bookings/" + reminded.code(), "",
                 {{"X-Booking-Token", token}}).status, 404);
  const v1::Booking other = Book(12, "other", "de");
  EXPECT_EQ(Send(sys->port(), http::verb::delete_, "/api/v1/bookings/" + other.code(), "",
                 {{"X-Booking-Token", token}}).status, 404);
  Answer cancel = Send(sys->port(), http::verb::delete_, "/api/v1/bookings/" + reminded.code(),
                       "", {{"X-Booking-Token", token}});
  EXPECT_EQ(cancel.status, 204) << cancel.body;
  Answer view = Send(sys->port(), http::verb::get, "/api/v1/bookings/" + reminded.code(), "",
                     {{"X-Booking-Token", reminded.token()}});
  EXPECT_TRUE(absl::StrContains(view.body, "\"status\":\"cancelled\"")) << view.body;
  mails = WaitForMails(reminded.email(), 3);
  ASSERT_GE(mails.size(), 3u);
  EXPECT_TRUE(absl::StartsWith(mails[2].Subject(), "Appointment cancelled: ")) << mails[2].Subject();
}

TEST_F(NotificationsE2eTest, ATemporaryRefusalIsTriedAgainAndAPermanentOneIsNot) {
  // The sink answered the suite's first message 451: it came anyway (the confirmations above),
  // and the log says it was tried again.
  EXPECT_TRUE(WaitFor([] {
    return absl::StrContains(notifications->Stderr(), "tried again later");
  }, absl::Seconds(30))) << notifications->Stderr();
  const v1::Booking b = Book(5, "refused", "de");
  ASSERT_FALSE(b.code().empty());
  ASSERT_TRUE(WaitFor([] {
    return absl::StrContains(notifications->Stderr(), "refused by the mail server");
  }, absl::Seconds(60))) << notifications->Stderr();
  absl::SleepFor(absl::Seconds(4));  // four retry periods
  const std::string log = notifications->Stderr();
  size_t refusals = 0;
  for (size_t p = log.find("refused by the mail server"); p != std::string::npos;
       p = log.find("refused by the mail server", p + 1)) {
    ++refusals;
  }
  EXPECT_EQ(refusals, 1u) << log;
  EXPECT_TRUE(MailsTo(mail_dir, b.email()).empty());
}

TEST_F(NotificationsE2eTest, TheOneClickOptOutStopsTheRemindersOfThatBookingOnly) {
  ASSERT_FALSE(opted.code().empty());
  std::vector<Mail> mails = WaitForMails(opted.email(), 1);
  ASSERT_EQ(mails.size(), 1u);
  // RFC 2369 + RFC 8058 on the confirmation: the mail program POSTs without asking.
  const std::string header = mails[0].Header("list-unsubscribe");
  EXPECT_EQ(mails[0].Header("list-unsubscribe-post"), "List-Unsubscribe=One-Click");
  const size_t at = header.find("/api/v1/notifications/opt-out?link=");
  ASSERT_NE(at, std::string::npos) << header;
  const std::string target = header.substr(at, header.find('>', at) - at);
  const std::map<std::string, std::string> form = {
      {"Content-Type", "application/x-www-form-urlencoded"}};
  // A GET (a scanner following the link) changes nothing; a body that is not the one-click
  // form is refused; a forged link is unknown.
  EXPECT_EQ(Send(optout_gateway_port, http::verb::get, target).status, 405);
  EXPECT_EQ(Send(optout_gateway_port, http::verb::post, target, "unsubscribe=yes", form).status, 400);
  std::string forged = target;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(Send(optout_gateway_port, http::verb::post, forged, "List-Unsubscribe=One-Click", form)
                .status,
            404);
  Answer done = Send(optout_gateway_port, http::verb::post, target, "List-Unsubscribe=One-Click", form);
  EXPECT_EQ(done.status, 204) << done.body;
  EXPECT_EQ(Send(optout_gateway_port, http::verb::post, target, "List-Unsubscribe=One-Click", form)
                .status,
            204)
      << "again: the same answer";
  // Its reminder was due 30 s after the start: it does not come; the other booking's does.
  const absl::Duration wait = opted_reminder_due + absl::Seconds(8) - absl::Now();
  if (wait > absl::ZeroDuration()) absl::SleepFor(wait);
  EXPECT_EQ(MailsTo(mail_dir, opted.email()).size(), 1u) << notifications->Stderr();
  EXPECT_GE(MailsTo(mail_dir, reminded.email()).size(), 2u) << "the other booking's reminder";
}

// "Ihr Ausweis ist abholbereit": the clerk registers the application with the citizen's address,
// the Fachverfahren reports it ready, and the mail's link books the pickup with its code.
TEST_F(NotificationsE2eTest, AnIdDocumentReadyForPickupIsMailedWithItsPickupLink) {
  const std::string email = Unique("ausweis");
  std::string serial = absl::StrCat("L", UniqueName("x").substr(2, 8));
  for (char& c : serial) c = static_cast<char>(std::toupper(c));
  for (char& c : serial) if (c == 'O') c = '0';
  Answer created = Send(sys->port(), http::verb::post, "/api/v1/id-documents/applications",
                        absl::StrCat(R"({"serial":")", serial,
                                     R"(","documentType":"PERSONALAUSWEIS","office":"kiel-mitte",)"
                                     R"("birthDate":"1990-05-17","delivery":"PICKUP","email":")",
                                     email, R"("})"),
                        {{"Authorization", "Bearer " + sys->ClerkToken("kiel-mitte")}});
  ASSERT_EQ(created.status, 201) << created.body;
  std::string ndjson;
  int k = 0;
  const absl::Time t0 = absl::Now();
  for (const char* st : {"TRANSMITTED", "IN_PRODUCTION", "SHIPPED_TO_OFFICE", "ARRIVED",
                         "READY_FOR_PICKUP"}) {
    absl::StrAppend(&ndjson, R"({"serial":")", serial, R"(","status":")", st, R"(","at":")",
                    absl::FormatTime(absl::RFC3339_sec, t0 + absl::Seconds(++k), absl::UTCTimeZone()),
                    "\"}\n");
  }
  Answer imported = Send(sys->port(), http::verb::post, "/api/v1/id-documents/status-updates",
                         ndjson,
                         {{"Authorization", "Bearer " + sys->IntegratorToken()},
                          {"Content-Type", "application/x-ndjson"}});
  ASSERT_EQ(imported.status, 200) << imported.body;
  ASSERT_TRUE(absl::StrContains(imported.body, "\"accepted\":5")) << imported.body;
  const std::vector<Mail> mails = WaitForMails(email, 1);
  ASSERT_EQ(mails.size(), 1u);
  const Mail& m = mails[0];
  EXPECT_TRUE(absl::StartsWith(m.Subject(), "Ihr Personalausweis ist abholbereit: ")) << m.Subject();
  EXPECT_FALSE(absl::StrContains(m.Subject(), "kiel-mitte")) << "the office's name, not its id";
  EXPECT_TRUE(absl::StrContains(m.text, "Guten Tag,")) << m.text;
  EXPECT_FALSE(absl::StrContains(m.text, serial)) << "the serial number is never in a message";
  const std::string marker = "#abholcode=";
  const size_t at = m.text.find(marker);
  ASSERT_NE(at, std::string::npos) << m.text;
  const std::string code = m.text.substr(at + marker.size(), 8);
  EXPECT_TRUE(absl::StrContains(m.text, "/termin?office=kiel-mitte&service=ausweis-abholen%3A1#"))
      << m.text;
  // The code from the mail books the pickup.
  Answer slots = Send(sys->port(), http::verb::get,
                      "/api/v1/availability?office=kiel-mitte&service=ausweis-abholen");
  const auto free = Parse<v1::GetAvailabilityResponse>(slots);
  ASSERT_GT(free.slots_size(), 0) << slots.body;
  Answer booked;
  for (int i = 0; i < free.slots_size(); ++i) {
    booked = Send(sys->port(), http::verb::post, "/api/v1/bookings",
                  absl::StrCat(R"({"office":"kiel-mitte","services":[{"id":"ausweis-abholen",)"
                               R"("quantity":1}],"start":")", free.slots(i).start(),
                               R"(","name":"Jürgen Groß","email":")", email,
                               R"(","pickupCode":")", code, R"("})"));
    if (booked.status != 409) break;
  }
  EXPECT_EQ(booked.status, 201) << booked.body;
}

TEST_F(NotificationsE2eTest, NoAddressOrNameInTheLog) {
  ASSERT_FALSE(reminded.email().empty());
  WaitForMails(reminded.email(), 1);
  const std::string log = notifications->Stderr();
  EXPECT_TRUE(absl::StrContains(log, "message sent")) << log;
  EXPECT_FALSE(absl::StrContains(log, "@example.org")) << log;
  EXPECT_FALSE(absl::StrContains(log, "Jürgen")) << log;
}

TEST_F(NotificationsE2eTest, OnlyTheNotificationsCredentialReadsTheAddresses) {
  ASSERT_FALSE(reminded.code().empty());
  auto stub = v1::Appointments::NewStub(
      grpc::CreateChannel(sys->appointments_addr(), grpc::InsecureChannelCredentials()));
  const auto call = [&](const std::string& bearer, v1::BookingNotice* out) {
    grpc::ClientContext ctx;
    if (!bearer.empty()) ctx.AddMetadata("authorization", "Bearer " + bearer);
    // Metadata that claims a role proves nothing.
    ctx.AddMetadata("rathaus-clerk-offices", "*");
    v1::GetBookingNoticeRequest req;
    req.set_code(reminded.code());
    return stub->GetBookingNotice(&ctx, req, out).error_code();
  };
  v1::BookingNotice notice;
  EXPECT_EQ(call("", &notice), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(call(sys->ClerkToken("kiel-mitte"), &notice), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(call(sys->IntegratorToken("id-documents:status"), &notice),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_EQ(call(sys->IntegratorToken("appointments:notify"), &notice), grpc::StatusCode::OK);
  EXPECT_EQ(notice.booking().email(), reminded.email());
  EXPECT_EQ(notice.booking().language(), "en");
  EXPECT_TRUE(notice.booking().token().empty()) << "never the booking's token";
  EXPECT_FALSE(notice.office_name().empty());
}

}  // namespace
}  // namespace rathaus::testing
