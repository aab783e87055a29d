// Notifications end to end (issue 18): bookings made through the gateway reach the citizen as
// e-mail through a real SMTP server (Mailpit, scripts/mailpit.sh) over STARTTLS with AUTH —
// the confirmation with its calendar entry, a reschedule, a cancellation and a reminder on its
// exact time, whose cancel link cancels the booking and nothing else. A 451 is tried again, a
// 550 is not, a server that is down gets the message when it is back; the address never appears
// in the service's log; appointments gives the addresses only to the notifications service's
// credential.
#include <gtest/gtest.h>
#include <grpcpp/grpcpp.h>


#include <mutex>

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "rathaus/appointments/v1/appointments.grpc.pb.h"
#include "rathaus/notifications/v1/events.pb.h"
#include "rathaus/registrations/v1/registrations.grpc.pb.h"
#include "shared/kafka/consumer.h"
#include "shared/kafka/producer.h"
#include "tests/e2e/system.h"
#include "tests/harness/delay_proxy.h"

namespace rathaus::testing {
namespace {

namespace v1 = ::rathaus::appointments::v1;

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

Mail ParseMail(std::string raw, absl::Time received) {
  Mail m;
  m.raw = std::move(raw);
  m.received = received;
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

// Mailpit (scripts/mailpit.sh): SMTP with STARTTLS and AUTH required, its HTTP API to read what
// it received, and its chaos triggers to answer 451 or 550.
std::unique_ptr<Child> mailpit;
int smtp_port = 0, mailpit_port = 0;
std::string mailpit_cert, mailpit_key, mailpit_auth;

void StartMailpit() {
  mailpit = std::make_unique<Child>(
      RunTool(SourceDir() + "/scripts/mailpit.sh"),
      std::vector<std::string>{"--smtp", absl::StrCat("127.0.0.1:", smtp_port), "--listen",
                               absl::StrCat("127.0.0.1:", mailpit_port), "--smtp-tls-cert",
                               mailpit_cert, "--smtp-tls-key", mailpit_key,
                               "--smtp-require-starttls", "--smtp-auth-file", mailpit_auth,
                               "--enable-chaos", "--disable-version-check", "--quiet"},
      std::map<std::string, std::string>{});
  ASSERT_TRUE(WaitFor([] {
    return Send(mailpit_port, http::verb::get, "/readyz").status == 200;
  }, absl::Seconds(30))) << mailpit->Stderr();
}

// Mailpit's chaos: the SMTP answer to RCPT TO (0: none).
void RecipientAnswer(int code) {
  const std::string body =
      code == 0 ? "{}"
                : absl::StrCat(R"({"Recipient":{"ErrorCode":)", code, R"(,"Probability":100}})");
  ASSERT_EQ(Send(mailpit_port, http::verb::put, "/api/v1/chaos", body).status, 200);
}

// What Mailpit holds for a recipient, oldest first.
std::vector<Mail> MailsTo(const std::string& address) {
  Answer found = Send(mailpit_port, http::verb::get,
                      absl::StrCat("/api/v1/search?limit=100&query=to%3A%22", address, "%22"));
  std::vector<Mail> out;
  google::protobuf::Struct list;
  if (found.status != 200 ||
      !google::protobuf::util::JsonStringToMessage(found.body, &list).ok()) {
    return out;
  }
  std::vector<std::pair<std::string, std::string>> ids;  // created, id
  for (const auto& v : list.fields().at("messages").list_value().values()) {
    const auto& f = v.struct_value().fields();
    ids.emplace_back(f.at("Created").string_value(), f.at("ID").string_value());
  }
  std::sort(ids.begin(), ids.end());
  for (const auto& [created, id] : ids) {
    Answer raw = Send(mailpit_port, http::verb::get, absl::StrCat("/api/v1/message/", id, "/raw"));
    absl::Time at = absl::InfinitePast();
    std::string error;
    absl::ParseTime(absl::RFC3339_full, created, &at, &error);
    if (raw.status == 200) out.push_back(ParseMail(raw.body, at));
  }
  return out;
}

// The service's events (rathaus.notifications.v1) about `subject`, once `count` have come.
std::vector<platform::kafka::Event> EventsAbout(const std::string& subject, size_t count) {
  auto producer = platform::kafka::Producer::Create({.brokers = SharedServers().kafka_brokers});
  EXPECT_TRUE(producer.ok());
  if (!producer.ok()) return {};
  std::mutex mu;
  std::vector<platform::kafka::Event> found;
  platform::kafka::Consumer consumer(
      {.brokers = SharedServers().kafka_brokers, .group_id = UniqueName("e2e-notifications"),
       .topics = {"rathaus.notifications.v1"}},
      producer->get(), [&](const platform::kafka::Event& e) {
        std::lock_guard lock(mu);
        if (e.key == subject) found.push_back(e);
        return absl::OkStatus();
      });
  EXPECT_TRUE(consumer.Start().ok());
  WaitFor([&] { std::lock_guard lock(mu); return found.size() >= count; }, absl::Seconds(60));
  consumer.Stop();
  std::lock_guard lock(mu);
  EXPECT_GE(found.size(), count) << "events about " << subject;
  return found;
}

System* sys = nullptr;
std::unique_ptr<Child> notifications;
std::map<std::string, std::string> notifications_env;  // to start it again after a SIGKILL
std::string dkim_record;  // the DNS TXT record of the suite's DKIM key
// Between the service and Mailpit: slows the SMTP exchange down when a test wants that.
std::unique_ptr<DelayProxy> smtp_proxy;

void StartNotifications() {
  notifications = std::make_unique<Child>(
      BinaryDir() + "/../services/notifications/rathaus-notifications", std::vector<std::string>{},
      notifications_env);
}
// Booked before the service started, with a reminder due 25 s after it was configured; and one
// whose reminder (due 30 s after) the citizen turns off with the one-click opt-out.
v1::Booking reminded;
absl::Time reminder_due;
v1::Booking opted;
absl::Time opted_reminder_due;
// A second gateway that also routes to the notifications service (its opt-out route).
std::unique_ptr<Child> optout_gateway;
int optout_gateway_port = 0;
int notifications_metrics_port = 0;

class NotificationsE2eTest : public ::testing::Test {
 protected:
  // Everything starts in the first case's SetUp (a failure in SetUpTestSuite would count as
  // skipped, not failed).
  void SetUp() override {
    if (sys != nullptr) return;
    sys = new System();
    const std::string prefix = UniqueName("smtp");
    mailpit_cert = absl::StrCat("/tmp/", prefix, "-cert.pem");
    mailpit_key = absl::StrCat("/tmp/", prefix, "-key.pem");
    RunTool(absl::StrCat("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
                         "-keyout ", mailpit_key, " -out ", mailpit_cert, " -subj /CN=localhost "
                         "-addext subjectAltName=IP:127.0.0.1,DNS:localhost -days 1 2>/dev/null"));
    const std::string password = WriteTemp("smtp-password", "s3cret-for-the-test\n");
    mailpit_auth = WriteTemp("smtp-auth", "rathaus:s3cret-for-the-test\n");
    smtp_port = FreePort();
    mailpit_port = FreePort();
    StartMailpit();
    smtp_proxy = std::make_unique<DelayProxy>(smtp_port);

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
                                             " --scope appointments:notify,id-documents:notify,registrations:notify"
                                             " --sub notifications")));
    // The messages are DKIM-signed with a key of the suite's own.
    const std::string dkim_key = absl::StrCat("/tmp/", prefix, "-dkim.pem");
    RunTool(absl::StrCat("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ",
                         dkim_key, " 2>/dev/null"));
    dkim_record = absl::StrCat(
        "v=DKIM1; k=rsa; p=",
        absl::StripAsciiWhitespace(RunTool(absl::StrCat(
            "openssl pkey -in ", dkim_key, " -pubout -outform DER | base64 -w0"))));
    const std::string link_key = WriteTemp("notify-link-key", UniqueName("link-key-0123456789abcdef0123456789"));
    const int notifications_port = FreePort();
    notifications_metrics_port = FreePort();
    notifications_env =
        sys->WithExtra({{"RATHAUS_REDIS_URL", SharedServers().redis_url},
                        {"RATHAUS_KAFKA_BROKERS", SharedServers().kafka_brokers},
                        {"RATHAUS_GRPC_LISTEN", absl::StrCat("127.0.0.1:", notifications_port)},
                        {"RATHAUS_NOTIFY_LINK_KEY_FILE", link_key},
                        {"RATHAUS_SMTP_URL", absl::StrCat("smtp://127.0.0.1:", smtp_proxy->port())},
                        {"RATHAUS_NOTIFY_LEASE", "3s"},
                        {"RATHAUS_NOTIFY_SENDERS", "4"},  // the crash test's bound
                        {"RATHAUS_METRICS_LISTEN",
                         absl::StrCat("127.0.0.1:", notifications_metrics_port)},
                        {"RATHAUS_DKIM_KEY_FILE", dkim_key},
                        {"RATHAUS_DKIM_SELECTOR", "rathaus-test"},
                        {"RATHAUS_SMTP_USER", "rathaus"},
                        {"RATHAUS_SMTP_PASSWORD_FILE", password},
                        {"RATHAUS_SMTP_CA_FILE", mailpit_cert},
                        {"RATHAUS_NOTIFY_FROM", "Stadt Kiel – Bürgerbüro <termine@kiel.example>"},
                        {"RATHAUS_NOTIFY_FOOTER", "Landeshauptstadt Kiel"},
                        {"RATHAUS_NOTIFY_REMINDERS",
                         absl::StrCat(before, "s,", before_opted, "s")},
                        {"RATHAUS_NOTIFY_RETRY", "1s"},
                        {"RATHAUS_PUBLIC_URL", absl::StrCat("http://127.0.0.1:", sys->port())},
                        {"RATHAUS_APPOINTMENTS_ADDR", sys->appointments_addr()},
                        {"RATHAUS_ID_DOCUMENTS_ADDR", sys->id_documents_addr()},
                        {"RATHAUS_REGISTRATIONS_ADDR", sys->registrations_addr()},
                        {"RATHAUS_NOTIFY_SERVICE_TOKEN_FILE", token},
                        {"RATHAUS_LOG_LEVEL", "info"}});
    StartNotifications();
    optout_gateway_port = sys->StartGateway(
        {{"RATHAUS_NOTIFICATIONS_ADDR", absl::StrCat("127.0.0.1:", notifications_port)},
         {"RATHAUS_RATE_LIMIT_OPTOUT", "off"}},
        &optout_gateway);
  }
  static void TearDownTestSuite() {
    optout_gateway.reset();
    notifications.reset();
    smtp_proxy.reset();
    mailpit.reset();
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
      mails = MailsTo(address);
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
  // Mailpit takes mail only after STARTTLS and AUTH (--smtp-require-starttls, --smtp-auth-file).
  EXPECT_EQ(m.Header("return-path"), "<termine@kiel.example>");
  // DKIM: an independent verifier (dkimpy) accepts the message as it arrived.
  EXPECT_TRUE(absl::StrContains(m.Header("dkim-signature"), "d=kiel.example; s=rathaus-test;"));
  const std::string eml = WriteTemp("received.eml", m.raw);
  const std::string record = WriteTemp("dkim-record.txt", dkim_record);
  EXPECT_EQ(absl::StripAsciiWhitespace(RunTool(absl::StrCat(
                "/usr/bin/python3 -c 'import sys, dkim\n"
                "msg = open(sys.argv[1], \"rb\").read(); rec = open(sys.argv[2], \"rb\").read()\n"
                "print(\"valid\" if dkim.verify(msg, dnsfunc=lambda n, timeout=5: rec) else \"invalid\")' ",
                eml, " ", record))),
            "valid");
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
  // Published: MessageSent about the booking, with no address or name in payload or headers.
  const auto events = EventsAbout(b.code(), 1);
  ASSERT_GE(events.size(), 1u);
  EXPECT_EQ(*events[0].Header("ce_type"), "rathaus.notifications.v1.MessageSent");
  rathaus::notifications::v1::MessageSent sent;
  ASSERT_TRUE(sent.ParseFromString(events[0].value));
  EXPECT_EQ(sent.kind(), "booked");
  EXPECT_EQ(sent.subject_id(), b.code());
  for (const std::string& personal : {b.email(), std::string("Jürgen"), std::string("Groß")}) {
    EXPECT_FALSE(absl::StrContains(events[0].value, personal));
    for (const auto& [k, h] : events[0].headers) EXPECT_FALSE(absl::StrContains(h, personal)) << k;
  }
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

// Lines of the service's log that contain both `message` and `code`.
size_t LogLines(const std::string& message, const std::string& code) {
  size_t n = 0;
  for (absl::string_view line : absl::StrSplit(notifications->Stderr(), '\n')) {
    if (absl::StrContains(line, message) && absl::StrContains(line, code)) ++n;
  }
  return n;
}

TEST_F(NotificationsE2eTest, ATemporaryRefusalIsTriedAgainUntilTheServerTakesIt) {
  RecipientAnswer(451);
  const v1::Booking b = Book(5, "later", "de");
  ASSERT_FALSE(b.code().empty());
  EXPECT_TRUE(WaitFor([&] { return LogLines("tried again later", b.code()) >= 2; },
                      absl::Seconds(60)))
      << notifications->Stderr();
  EXPECT_TRUE(MailsTo(b.email()).empty());
  RecipientAnswer(0);
  EXPECT_EQ(WaitForMails(b.email(), 1).size(), 1u);
}

TEST_F(NotificationsE2eTest, APermanentRefusalIsRecordedAndNeverTriedAgain) {
  RecipientAnswer(550);
  const v1::Booking b = Book(6, "refused", "de");
  ASSERT_FALSE(b.code().empty());
  ASSERT_TRUE(WaitFor([&] { return LogLines("refused by the mail server", b.code()) >= 1; },
                      absl::Seconds(60)))
      << notifications->Stderr();
  RecipientAnswer(0);
  absl::SleepFor(absl::Seconds(5));  // five retry periods
  EXPECT_EQ(LogLines("refused by the mail server", b.code()), 1u) << notifications->Stderr();
  EXPECT_EQ(LogLines("tried again later", b.code()), 0u) << notifications->Stderr();
  EXPECT_TRUE(MailsTo(b.email()).empty());
  // Published: MessageFailed, refused with the server's 550, without the address.
  const auto events = EventsAbout(b.code(), 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(*events[0].Header("ce_type"), "rathaus.notifications.v1.MessageFailed");
  rathaus::notifications::v1::MessageFailed failed;
  ASSERT_TRUE(failed.ParseFromString(events[0].value));
  EXPECT_EQ(failed.reason(), "refused");
  EXPECT_EQ(failed.smtp_reply(), 550);
  EXPECT_EQ(failed.kind(), "booked");
  EXPECT_FALSE(absl::StrContains(events[0].value, "@"));
}

TEST_F(NotificationsE2eTest, MessagesWaitWhileTheMailServerIsDownAndArriveAfterwards) {
  mailpit->Kill(SIGKILL);
  mailpit->Wait(absl::Seconds(10));
  const v1::Booking b = Book(7, "waiting", "de");
  ASSERT_FALSE(b.code().empty());
  EXPECT_TRUE(WaitFor([&] { return LogLines("tried again later", b.code()) >= 2; },
                      absl::Seconds(60)))
      << notifications->Stderr();
  StartMailpit();  // the same ports; the messages before are gone with its memory
  EXPECT_EQ(WaitForMails(b.email(), 1).size(), 1u);
}

// SIGKILL while the messages of twelve bookings are being sent (each SMTP step slowed down): after
// a restart every booking has its confirmation, none came more than twice, and a repeated one has
// the same Message-ID.
TEST_F(NotificationsE2eTest, ASigkillWhileSendingLosesNoMessageAndRepeatsAtMostOne) {
  RecipientAnswer(0);
  smtp_proxy->SetDelay(absl::Milliseconds(40));
  std::vector<v1::Booking> booked;
  for (int i = 0; i < 12; ++i) {
    booked.push_back(Book(20 + i, absl::StrCat("crash", i), "de"));
    ASSERT_FALSE(booked.back().code().empty());
  }
  const auto sent = [&] {
    size_t n = 0;
    for (const v1::Booking& b : booked) n += LogLines("message sent", b.code()) > 0 ? 1 : 0;
    return n;
  };
  ASSERT_TRUE(WaitFor([&] { return sent() >= 2; }, absl::Seconds(60))) << notifications->Stderr();
  notifications->Kill(SIGKILL);
  notifications->Wait(absl::Seconds(10));
  const size_t before_kill = sent();
  EXPECT_LT(before_kill, booked.size()) << "the kill came after everything was sent";
  smtp_proxy->SetDelay(absl::ZeroDuration());
  StartNotifications();
  size_t total = 0;
  for (const v1::Booking& b : booked) {
    const std::vector<Mail> mails = WaitForMails(b.email(), 1);
    ASSERT_GE(mails.size(), 1u) << b.email();
    total += mails.size();
    if (mails.size() == 2) {
      EXPECT_EQ(mails[0].Header("message-id"), mails[1].Header("message-id"))
          << "a repeated message is recognisably the same";
    }
    EXPECT_LE(mails.size(), 2u);
  }
  // Each message at most twice; at most one per sender thread (RATHAUS_NOTIFY_SENDERS=4 here) was
  // in flight when the process died.
  EXPECT_LE(total, booked.size() + 4) << "at most the messages in flight twice";
  std::printf("crash test: %zu of %zu sent before the SIGKILL; %zu messages delivered in all\n",
              before_kill, booked.size(), total);
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
  EXPECT_EQ(MailsTo(opted.email()).size(), 1u) << notifications->Stderr();
  EXPECT_GE(MailsTo(reminded.email()).size(), 2u) << "the other booking's reminder";
}

// A serial number of the document types' form (a letter, 8 characters, no letter O).
std::string NewSerial() {
  std::string serial = absl::StrCat("L", UniqueName("x").substr(2, 8));
  for (char& c : serial) c = static_cast<char>(std::toupper(c));
  for (char& c : serial) if (c == 'O') c = '0';
  return serial;
}

// The Fachverfahren reports the document from TRANSMITTED to READY_FOR_PICKUP (five lines).
Answer ReportReadyForPickup(const std::string& serial) {
  std::string ndjson;
  int k = 0;
  const absl::Time t0 = absl::Now();
  for (const char* st : {"TRANSMITTED", "IN_PRODUCTION", "SHIPPED_TO_OFFICE", "ARRIVED",
                         "READY_FOR_PICKUP"}) {
    absl::StrAppend(&ndjson, R"({"serial":")", serial, R"(","status":")", st, R"(","at":")",
                    absl::FormatTime(absl::RFC3339_sec, t0 + absl::Seconds(++k), absl::UTCTimeZone()),
                    "\"}\n");
  }
  return Send(sys->port(), http::verb::post, "/api/v1/id-documents/status-updates", ndjson,
              {{"Authorization", "Bearer " + sys->IntegratorToken()},
               {"Content-Type", "application/x-ndjson"}});
}

// "Ihr Ausweis ist abholbereit": the clerk registers the application with the citizen's address,
// the Fachverfahren reports it ready, and the mail's link books the pickup with its code.
TEST_F(NotificationsE2eTest, AnIdDocumentReadyForPickupIsMailedWithItsPickupLink) {
  const std::string email = Unique("ausweis");
  const std::string serial = NewSerial();
  Answer created = Send(sys->port(), http::verb::post, "/api/v1/id-documents/applications",
                        absl::StrCat(R"({"serial":")", serial,
                                     R"(","documentType":"PERSONALAUSWEIS","office":"kiel-mitte",)"
                                     R"("birthDate":"1990-05-17","delivery":"PICKUP","email":")",
                                     email, R"("})"),
                        {{"Authorization", "Bearer " + sys->ClerkToken("kiel-mitte")}});
  ASSERT_EQ(created.status, 201) << created.body;
  Answer imported = ReportReadyForPickup(serial);
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
  // appointments learns the code from the same event over Kafka: it may lag the mail a little.
  Answer booked;
  int i = 0;
  WaitFor([&] {
    booked = Send(sys->port(), http::verb::post, "/api/v1/bookings",
                  absl::StrCat(R"({"office":"kiel-mitte","services":[{"id":"ausweis-abholen",)"
                               R"("quantity":1}],"start":")", free.slots(i).start(),
                               R"(","name":"Jürgen Groß","email":")", email,
                               R"(","pickupCode":")", code, R"("})"));
    if (booked.status == 409 && i + 1 < free.slots_size()) ++i;
    return booked.status == 201;
  }, absl::Seconds(30));
  EXPECT_EQ(booked.status, 201) << booked.body;
}

// The clerk records the language of the citizen's e-mails with the application.
TEST_F(NotificationsE2eTest, AnIdDocumentMailIsInTheLanguageTheClerkRecorded) {
  const std::string email = Unique("document-en");
  const std::string serial = NewSerial();
  const std::map<std::string, std::string> clerk = {
      {"Authorization", "Bearer " + sys->ClerkToken("kiel-mitte")}};
  Answer bad = Send(sys->port(), http::verb::post, "/api/v1/id-documents/applications",
                    absl::StrCat(R"({"serial":")", serial, R"(","documentType":"REISEPASS",)"
                                 R"("office":"kiel-mitte","birthDate":"1990-05-17","language":"fr"})"),
                    clerk);
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_TRUE(absl::StrContains(bad.body, R"("field":"language")")) << bad.body;
  Answer created = Send(sys->port(), http::verb::post, "/api/v1/id-documents/applications",
                        absl::StrCat(R"({"serial":")", serial, R"(","documentType":"REISEPASS",)"
                                     R"("office":"kiel-mitte","birthDate":"1990-05-17","email":")",
                                     email, R"(","language":"en"})"),
                        clerk);
  ASSERT_EQ(created.status, 201) << created.body;
  Answer imported = ReportReadyForPickup(serial);
  ASSERT_EQ(imported.status, 200) << imported.body;
  const std::vector<Mail> mails = WaitForMails(email, 1);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_TRUE(absl::StartsWith(mails[0].Subject(), "Your passport is ready for pickup: "))
      << mails[0].Subject();
  EXPECT_TRUE(absl::StrContains(mails[0].html, "<html lang=\"en\">")) << mails[0].html;
}

// An Anmeldung into Kiel (a landlord's confirmation), with `email` ("" for none).
std::string RegistrationBody(const std::string& family, const std::string& email,
                             const std::string& language) {
  absl::TimeZone berlin;
  EXPECT_TRUE(absl::LoadTimeZone("Europe/Berlin", &berlin));
  const std::string moved = absl::FormatCivilTime(absl::ToCivilDay(absl::Now(), berlin) - 3);
  return absl::StrCat(R"({"type":"ANMELDUNG","office":"kiel-mitte","moveDate":")", moved, R"(",
      "newAddress":{"street":"Andreas-Gayk-Straße 31","postalCode":"24103","city":"Kiel",
                    "municipalityKey":"01002000"},
      "previousAddress":{"street":"Große Freiheit 7","postalCode":"22767","city":"Hamburg",
                         "municipalityKey":"02000000"},
      "persons":[{"familyName":")", family, R"(","givenNames":"Jörg","birthDate":"1980-02-29",
                  "nationalities":["DE"]},
                 {"familyName":")", family, R"(","givenNames":"Mia","birthDate":"2019-06-01",
                  "nationalities":["DE"]}],
      "landlord":{"name":"Kieler Wohnungsbau GmbH","address":{"street":"Holstenstraße 1",
                  "postalCode":"24103","city":"Kiel"},"moveInDate":")", moved, R"("},
      "language":")", language, R"(")", email.empty() ? "" : R"(,"email":")" + email + "\"",
                      "}");
}

// The case a new citizen (`citizen`'s token) submitted.
rathaus::registrations::v1::Registration SubmitRegistration(const std::string& citizen,
                                                            const std::string& family,
                                                            const std::string& email,
                                                            const std::string& language) {
  Answer submitted = Send(sys->port(), http::verb::post, "/api/v1/registrations",
                          RegistrationBody(family, email, language),
                          {{"Authorization", "Bearer " + citizen}});
  EXPECT_EQ(submitted.status, 201) << submitted.body;
  return Parse<rathaus::registrations::v1::Registration>(submitted);
}

// A question, an acceptance and a rejection reach the citizen who gave an address, in the
// case's language, saying what happened and where to read it — never the question, the reason
// or a name (e-mail is no confidential channel).
TEST_F(NotificationsE2eTest, ARegistrationsQuestionAcceptanceAndRejectionAreMailed) {
  const auto bearer = [](const std::string& token) {
    return std::map<std::string, std::string>{{"Authorization", "Bearer " + token}};
  };
  const std::string clerk = sys->RegistrationClerkToken("kiel-mitte", "dora");
  const std::string status_url = absl::StrCat("http://127.0.0.1:", sys->port(), "/meldung/status");

  // An address that is no address is refused at submission, naming the field.
  const std::string citizen = sys->CitizenToken(UniqueName("citizen"));
  Answer bad = Send(sys->port(), http::verb::post, "/api/v1/registrations",
                    RegistrationBody("Fehler", "jörg@kiel.de", "de"), bearer(citizen));
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_TRUE(absl::StrContains(bad.body, "\"field\":\"email\"")) << bad.body;

  // German: a question, the answer, the acceptance.
  const std::string email = Unique("meldung");
  const std::string family = "Schröder-" + UniqueName("x").substr(0, 6);
  const auto reg = SubmitRegistration(citizen, family, email, "de");
  ASSERT_FALSE(reg.id().empty());
  const std::string path = "/api/v1/registrations/" + reg.id();
  ASSERT_EQ(Send(sys->port(), http::verb::post, path + "/claim", "{}", bearer(clerk)).status, 200);
  const std::string question = "Bitte reichen Sie den Mietvertrag Geheimwort-7 nach.";
  Answer asked = Send(sys->port(), http::verb::post, path + "/request-info",
                      absl::StrCat(R"({"message":")", question, R"("})"), bearer(clerk));
  ASSERT_EQ(asked.status, 200) << asked.body;
  std::vector<Mail> mails = WaitForMails(email, 1);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_TRUE(absl::StartsWith(mails[0].Subject(), "Rückfrage zu Ihrer Anmeldung: ")) << mails[0].Subject();
  EXPECT_FALSE(absl::StrContains(mails[0].Subject(), "kiel-mitte")) << "the office's name, not its id";
  EXPECT_TRUE(absl::StrContains(mails[0].text, status_url)) << mails[0].text;
  EXPECT_TRUE(absl::StrContains(mails[0].html, "<a href=\"" + status_url + "\">")) << mails[0].html;
  for (const Mail& m : mails) {
    // (The bodies are base64 on the wire: the decoded parts are searched.)
    EXPECT_FALSE(absl::StrContains(m.text + m.html + m.Subject(), "Geheimwort"))
        << "the question stays on the page";
    EXPECT_FALSE(absl::StrContains(m.text + m.html, family)) << "no name";
  }
  Answer answered = Send(sys->port(), http::verb::post, path + "/answer",
                         R"({"message":"Liegt bei."})", bearer(citizen));
  ASSERT_EQ(answered.status, 200) << answered.body;
  Answer accepted = Send(sys->port(), http::verb::post, path + "/accept", "{}", bearer(clerk));
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  mails = WaitForMails(email, 2);
  ASSERT_EQ(mails.size(), 2u);
  EXPECT_EQ(mails[1].Subject(), "Ihre Anmeldung ist bearbeitet: Meldebestätigung abrufbar");
  EXPECT_TRUE(absl::StrContains(mails[1].text, "Meldebestätigung (2)")) << mails[1].text;
  EXPECT_TRUE(absl::StrContains(mails[1].text, status_url)) << mails[1].text;
  EXPECT_FALSE(absl::StrContains(mails[1].text + mails[1].html, family)) << "no name";

  // English: a rejection with the counter appointment's link (its code in the fragment), without
  // the reason.
  const std::string english = Unique("registration");
  const auto rejected_reg = SubmitRegistration(sys->CitizenToken(UniqueName("citizen")),
                                               "Nowak-" + UniqueName("x").substr(0, 6), english, "en");
  const std::string rejected_path = "/api/v1/registrations/" + rejected_reg.id();
  ASSERT_EQ(Send(sys->port(), http::verb::post, rejected_path + "/claim", "{}", bearer(clerk)).status, 200);
  Answer rejected = Send(sys->port(), http::verb::post, rejected_path + "/reject",
                         R"({"message":"Grund Geheimwort-8: bitte persönlich vorsprechen."})",
                         bearer(clerk));
  ASSERT_EQ(rejected.status, 200) << rejected.body;
  const auto r = Parse<rathaus::registrations::v1::Registration>(rejected);
  ASSERT_FALSE(r.counter_code().empty()) << rejected.body;
  mails = WaitForMails(english, 1);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_TRUE(absl::StartsWith(mails[0].Subject(), "Your registration could not be completed online: "))
      << mails[0].Subject();
  EXPECT_TRUE(absl::StrContains(mails[0].text, r.booking_link())) << mails[0].text;
  EXPECT_TRUE(absl::StrContains(mails[0].text, "#vorsprache=" + r.counter_code())) << mails[0].text;
  EXPECT_TRUE(absl::StrContains(mails[0].text, status_url)) << mails[0].text;
  EXPECT_FALSE(absl::StrContains(mails[0].text + mails[0].html + mails[0].Subject(), "Geheimwort"))
      << "the reason stays on the page";

  // Only the notifications service's credential reads the address; metadata proves nothing.
  auto stub = rathaus::registrations::v1::Registrations::NewStub(
      grpc::CreateChannel(sys->registrations_addr(), grpc::InsecureChannelCredentials()));
  const auto call = [&](const std::string& token, rathaus::registrations::v1::RegistrationNotice* out) {
    grpc::ClientContext ctx;
    if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
    ctx.AddMetadata("rathaus-clerk-offices", "*");
    rathaus::registrations::v1::GetRegistrationNoticeRequest req;
    req.set_id(rejected_reg.id());
    return stub->GetRegistrationNotice(&ctx, req, out).error_code();
  };
  rathaus::registrations::v1::RegistrationNotice notice;
  EXPECT_EQ(call("", &notice), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(call(clerk, &notice), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(call(sys->IntegratorToken("registrations:read"), &notice),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_EQ(call(sys->IntegratorToken("registrations:notify"), &notice), grpc::StatusCode::OK);
  EXPECT_EQ(notice.email(), english);
  EXPECT_EQ(notice.language(), "en");
  EXPECT_EQ(notice.status(), "REJECTED");
  EXPECT_EQ(notice.booking_link(), r.booking_link());

  // Without an address the case goes on and nothing is mailed: the log names the skipped job.
  const auto silent = SubmitRegistration(sys->CitizenToken(UniqueName("citizen")), "Stumm", "", "de");
  const std::string silent_path = "/api/v1/registrations/" + silent.id();
  ASSERT_EQ(Send(sys->port(), http::verb::post, silent_path + "/claim", "{}", bearer(clerk)).status, 200);
  ASSERT_EQ(Send(sys->port(), http::verb::post, silent_path + "/accept", "{}", bearer(clerk)).status, 200);
  EXPECT_TRUE(WaitFor([&] {
    for (absl::string_view line : absl::StrSplit(notifications->Stderr(), '\n')) {
      if (absl::StrContains(line, silent.id()) &&
          absl::StrContains(line, "message not needed any more")) {
        return true;
      }
    }
    return false;
  }, absl::Seconds(60))) << notifications->Stderr();
}

TEST_F(NotificationsE2eTest, NoAddressOrNameInTheLogOrTheMetrics) {
  ASSERT_FALSE(reminded.email().empty());
  WaitForMails(reminded.email(), 1);
  const std::string log = notifications->Stderr();
  EXPECT_TRUE(absl::StrContains(log, "message sent")) << log;
  EXPECT_FALSE(absl::StrContains(log, "@example.org")) << log;
  EXPECT_FALSE(absl::StrContains(log, "Jürgen")) << log;
  // The metrics count by kind and outcome only.
  Answer metrics = Send(notifications_metrics_port, http::verb::get, "/metrics");
  ASSERT_EQ(metrics.status, 200) << metrics.body;
  EXPECT_TRUE(absl::StrContains(metrics.body,
                                R"(rathaus_notifications_messages_total{kind="booked",outcome="sent"})"))
      << metrics.body;
  EXPECT_FALSE(absl::StrContains(metrics.body, "@")) << metrics.body;
  EXPECT_FALSE(absl::StrContains(metrics.body, "Jürgen")) << metrics.body;
  EXPECT_FALSE(absl::StrContains(metrics.body, reminded.code())) << "no booking code as a label";
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
