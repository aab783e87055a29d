// Registrations end to end, through the gateway and real Kafka: a citizen submits an Anmeldung,
// two clerks race for the claim, one asks for information, the citizen answers, the clerk
// accepts; the Meldebestätigung PDFs hold exactly the §24(2) fields (pdftotext) and their codes
// verify with the PDFs' SHA-256; the events carry no personal data. The code-letter route
// (§19 without the landlord) and the rejection with its booking link.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "rathaus/appointments/v1/appointments.pb.h"
#include "rathaus/registrations/v1/events.pb.h"
#include "rathaus/registrations/v1/registrations.grpc.pb.h"
#include "rathaus/registrations/v1/registrations.pb.h"
#include "shared/crypto/crypto.h"
#include "shared/kafka/consumer.h"
#include "shared/kafka/producer.h"
#include "tests/e2e/system.h"

namespace rathaus::testing {
namespace {

namespace v1 = ::rathaus::registrations::v1;

System* sys = nullptr;

class RegistrationsE2eTest : public ::testing::Test {
 protected:
  // The system starts in the first case's SetUp, not in SetUpTestSuite: a failure there would
  // mark every case "skipped", which ctest counts as not run instead of failed.
  void SetUp() override {
    if (sys == nullptr) sys = new System();
  }
  static void TearDownTestSuite() {
    delete sys;
    sys = nullptr;
  }

  static std::map<std::string, std::string> Bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
  }
  Answer Post(const std::string& path, const std::string& body, const std::string& token) {
    return Send(sys->port(), http::verb::post, path, body, Bearer(token));
  }
  Answer Get(const std::string& path, const std::string& token) {
    return Send(sys->port(), http::verb::get, path, "", Bearer(token));
  }
  static std::string Day(int days_from_today) {
    absl::TimeZone berlin;
    EXPECT_TRUE(absl::LoadTimeZone("Europe/Berlin", &berlin));
    return absl::FormatCivilTime(absl::ToCivilDay(absl::Now(), berlin) + days_from_today);
  }
  // An Anmeldung of an adult and a child from Hamburg into Kiel, moved in three days ago.
  static std::string Anmeldung(const std::string& family, const std::string& confirmation,
                               const std::string& serial = "L01X00T47") {
    return absl::StrCat(R"({"type":"ANMELDUNG","office":"kiel-mitte","moveDate":")", Day(-3), R"(",
      "newAddress":{"street":"Andreas-Gayk-Straße 31","postalCode":"24103","city":"Kiel",
                    "municipalityKey":"01002000"},
      "previousAddress":{"street":"Große Freiheit 7","postalCode":"22767","city":"Hamburg",
                         "municipalityKey":"02000000"},
      "persons":[{"familyName":")", family, R"(","givenNames":"Jörg Łukasz","doctoralDegree":"Dr.",
                  "birthDate":"1980-02-29","nationalities":["DE","PL"],
                  "idDocumentSerials":[")", serial, R"("]},
                 {"familyName":")", family, R"(","givenNames":"Mia","birthDate":"2019-06-01",
                  "nationalities":["DE"]}],)", confirmation, "}");
  }
  static std::string Landlord() {
    return absl::StrCat(R"("landlord":{"name":"Kieler Wohnungsbau GmbH","address":{"street":"Holstenstraße 1",
      "postalCode":"24103","city":"Kiel"},"moveInDate":")", Day(-3), R"("})");
  }
};

std::string PdfText(const std::string& pdf) {
  const std::string file = WriteTemp("certificate.pdf", pdf);
  FILE* p = popen(absl::StrCat("pdftotext -enc UTF-8 ", file, " -").c_str(), "r");
  std::string text;
  char buf[4096];
  size_t n;
  while (p != nullptr && (n = fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
  if (p != nullptr) pclose(p);
  std::remove(file.c_str());
  return text;
}

TEST_F(RegistrationsE2eTest, FromSubmissionToVerifiedCertificate) {
  // The citizen's Personalausweis, known to id-documents (its office: kiel-gaarden).
  const std::string counter = sys->ClerkToken("kiel-gaarden");
  std::string serial = absl::AsciiStrToUpper(absl::StrCat("L", UniqueName("x").substr(2, 8)));
  for (char& c : serial) c = c == 'O' ? '0' : c;
  Answer document = Post("/api/v1/id-documents/applications",
                         absl::StrCat(R"({"serial":")", serial, R"(","documentType":"PERSONALAUSWEIS",)"
                                      R"("office":"kiel-gaarden","birthDate":"1980-02-29"})"),
                         counter);
  ASSERT_EQ(document.status, 201) << document.body;
  const std::string application = document.body.substr(document.body.find("\"id\":\"") + 6, 36);

  const std::string citizen = sys->CitizenToken(UniqueName("citizen"));
  const std::string family = "Müller-" + UniqueName("x").substr(0, 6);
  Answer submitted = Post("/api/v1/registrations", Anmeldung(family, Landlord(), serial), citizen);
  ASSERT_EQ(submitted.status, 201) << submitted.body;
  auto reg = Parse<v1::Registration>(submitted);
  EXPECT_EQ(reg.status(), "SUBMITTED");
  EXPECT_EQ(reg.type(), "ANMELDUNG");
  EXPECT_FALSE(reg.overdue());
  EXPECT_EQ(reg.due_date(), Day(-3 + 14));
  EXPECT_EQ(reg.confirmation(), "LANDLORD");
  const std::string path = "/api/v1/registrations/" + reg.id();

  // Only the citizen who submitted it sees it; anyone else as if it did not exist.
  EXPECT_EQ(Get(path, citizen).status, 200);
  Answer other = Get(path, sys->CitizenToken(UniqueName("neighbour")));
  EXPECT_EQ(other.status, 404) << other.body;
  EXPECT_EQ(Send(sys->port(), http::verb::get, path).status, 401);
  EXPECT_EQ(Get(path, sys->ClerkToken("kiel-mitte")).status, 403) << "a counter clerk is no citizen";
  // The status page's list: the citizen's own case, and nothing of it for the neighbour.
  Answer own_list = Get("/api/v1/registrations?pageSize=5", citizen);
  ASSERT_EQ(own_list.status, 200) << own_list.body;
  EXPECT_TRUE(absl::StrContains(own_list.body, reg.id())) << own_list.body;
  EXPECT_TRUE(absl::StrContains(own_list.body, family)) << "the citizen sees their own persons";
  Answer theirs = Get("/api/v1/registrations", sys->CitizenToken(UniqueName("neighbour")));
  ASSERT_EQ(theirs.status, 200) << theirs.body;
  EXPECT_FALSE(absl::StrContains(theirs.body, reg.id())) << theirs.body;
  EXPECT_EQ(Get("/api/v1/registrations?pageSize=500", citizen).status, 400);
  // A sign-in below the required level (RATHAUS_REGISTRATIONS_CITIZEN_ACR) is refused.
  const std::string weak = RunTool(absl::StrCat(DevTokenBinary(), " citizen ", sys->clerk_key(),
                                                " --acr substantiell"));
  Answer low = Post("/api/v1/registrations", Anmeldung(family, Landlord(), serial), weak);
  EXPECT_EQ(low.status, 403) << low.body;
  EXPECT_TRUE(absl::StrContains(low.body, "sign-in-level-too-low")) << low.body;

  // Two clerks claim at once: exactly one wins.
  const std::string anna = sys->RegistrationClerkToken("kiel-mitte", "anna");
  const std::string ben = sys->RegistrationClerkToken("kiel-mitte", "ben");
  std::atomic<int> won{0}, lost{0};
  std::string winner;
  std::mutex mu;
  std::vector<std::thread> claims;
  for (const std::string* t : {&anna, &ben}) {
    claims.emplace_back([&, t] {
      Answer a = Post(path + "/claim", "{}", *t);
      if (a.status == 200) {
        ++won;
        std::lock_guard l(mu);
        winner = *t;
      } else if (a.status == 409 && absl::StrContains(a.body, "registration-claimed")) {
        ++lost;
      }
    });
  }
  for (auto& t : claims) t.join();
  ASSERT_EQ(won.load(), 1);
  ASSERT_EQ(lost.load(), 1);
  const std::string& loser = winner == anna ? ben : anna;
  EXPECT_EQ(Post(path + "/request-info", R"({"message":"x"})", loser).status, 409);
  EXPECT_EQ(Post(path + "/claim", "{}", sys->RegistrationClerkToken("kiel-gaarden", "cem")).status,
            404) << "another office's case is unknown";

  // The clerks' queue.
  Answer queue = Get("/api/v1/offices/kiel-mitte/registrations?status=SUBMITTED&pageSize=200", winner);
  ASSERT_EQ(queue.status, 200) << queue.body;
  EXPECT_TRUE(absl::StrContains(queue.body, reg.id()));

  Answer asked = Post(path + "/request-info",
                      R"({"message":"Bitte laden Sie den Mietvertrag hoch.\nDanke!"})", winner);
  ASSERT_EQ(asked.status, 200) << asked.body;
  EXPECT_EQ(Parse<v1::Registration>(asked).status(), "INFORMATION_REQUESTED");
  EXPECT_EQ(Post(path + "/accept", "{}", winner).status, 409);
  Answer answered = Post(path + "/answer", R"({"message":"Mietvertrag liegt bei."})", citizen);
  ASSERT_EQ(answered.status, 200) << answered.body;
  EXPECT_EQ(Parse<v1::Registration>(answered).status(), "SUBMITTED");
  EXPECT_EQ(Parse<v1::Registration>(answered).information_request(),
            "Bitte laden Sie den Mietvertrag hoch.\nDanke!");

  Answer accepted = Post(path + "/accept", "{}", winner);
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  reg = Parse<v1::Registration>(accepted);
  EXPECT_EQ(reg.status(), "ACCEPTED");
  ASSERT_EQ(reg.persons_size(), 2);
  EXPECT_FALSE(reg.rueckmeldung_due().empty()) << "from Hamburg: §33 Rückmeldung";

  // The e-file files the case in 32.10 (Meldewesen) from its events, closed by the acceptance,
  // Aussonderungsart B; its documents name no person.
  const std::map<std::string, std::string> file_clerk = Bearer(sys->FileClerkToken("kiel-mitte", "fritz"));
  Answer filed;
  EXPECT_TRUE(WaitFor(
      [&] {
        filed = Send(sys->port(), http::verb::get, "/api/v1/files?q=" + reg.id(), "", file_clerk);
        return absl::StrContains(filed.body, "\"status\":\"CLOSED\"");
      },
      absl::Seconds(60)))
      << filed.body;
  EXPECT_TRUE(absl::StrContains(filed.body, "\"item\":\"32.10\"")) << filed.body;
  EXPECT_TRUE(absl::StrContains(filed.body, "\"disposal\":\"B\"")) << filed.body;
  EXPECT_FALSE(absl::StrContains(filed.body, family)) << filed.body;

  // One Meldebestätigung per person, exactly the §24(2) fields; the code verifies its hash.
  for (int n = 1; n <= 2; ++n) {
    Answer pdf = Get(absl::StrCat(path, "/certificates/", n, ".pdf"), citizen);
    ASSERT_EQ(pdf.status, 200) << pdf.body;
    EXPECT_EQ(pdf.Header("content-type"), "application/pdf");
    const std::string text = PdfText(pdf.body);
    EXPECT_TRUE(absl::StrContains(text, "Meldebestätigung")) << text;
    EXPECT_TRUE(absl::StrContains(text, family)) << text;
    EXPECT_TRUE(absl::StrContains(text, n == 1 ? "Jörg Łukasz" : "Mia")) << text;
    EXPECT_FALSE(absl::StrContains(text, n == 1 ? "Mia" : "Jörg")) << "one person per certificate";
    EXPECT_TRUE(absl::StrContains(text, "Andreas-Gayk-Straße 31")) << text;
    EXPECT_TRUE(absl::StrContains(text, "Hauptwohnung")) << text;
    for (const std::string& never : {std::string("Hamburg"), std::string("PL"),
                                     std::string("Staatsangehörigkeit"), std::string("Religion"),
                                     serial, std::string("Kieler Wohnungsbau")}) {
      EXPECT_FALSE(absl::StrContains(text, never)) << never << " in\n" << text;
    }
    const std::string code = reg.persons(n - 1).certificate_code();
    ASSERT_EQ(code.size(), 10u);
    EXPECT_TRUE(absl::StrContains(text, code));
    Answer verified = Send(sys->port(), http::verb::get, "/api/v1/registrations/certificates/" + code);
    ASSERT_EQ(verified.status, 200) << verified.body;
    auto v = Parse<v1::VerifyCertificateResponse>(verified);
    EXPECT_TRUE(v.issued());
    EXPECT_EQ(v.sha256(), platform::crypto::Hex(platform::crypto::Sha256(pdf.body)));
    EXPECT_EQ(v.office(), "kiel-mitte");
  }
  // The e-file fetched both Meldebestätigungen by reference (the event names only their SHA-256)
  // and filed exactly these bytes in the case's Vorgang.
  std::string az;
  {
    const size_t at = filed.body.find("\"aktenzeichen\":\"");
    ASSERT_NE(at, std::string::npos) << filed.body;
    az = filed.body.substr(at + 16, filed.body.find('"', at + 16) - at - 16);
  }
  Answer vorgang;
  EXPECT_TRUE(WaitFor(
      [&] {
        vorgang = Send(sys->port(), http::verb::get, "/api/v1/files/" + az, "", file_clerk);
        return absl::StrContains(vorgang.body, "Meldebestätigung Person 2");
      },
      absl::Seconds(30)))
      << vorgang.body;
  for (int n = 1; n <= 2; ++n) {
    const std::string sha = platform::crypto::Hex(
        platform::crypto::Sha256(Get(absl::StrCat(path, "/certificates/", n, ".pdf"), citizen).body));
    EXPECT_TRUE(absl::StrContains(vorgang.body, sha)) << "certificate " << n << ": " << vorgang.body;
  }
  // That credential (integrator, registrations:read) reads certificates over gRPC and nothing
  // else; an integrator without the scope reads none; over HTTP the route stays the clerks'.
  {
    auto stub = v1::Registrations::NewStub(
        grpc::CreateChannel(sys->registrations_addr(), grpc::InsecureChannelCredentials()));
    auto certificate = [&](const std::string& token) {
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", "Bearer " + token);
      v1::GetCertificateRequest req;
      req.set_id(reg.id());
      req.set_person("1");
      rathaus::common::v1::File file;
      return stub->GetCertificateForClerk(&ctx, req, &file).error_code();
    };
    const std::string reader = sys->IntegratorToken("registrations:read");
    EXPECT_EQ(certificate(reader), grpc::StatusCode::OK);
    EXPECT_EQ(certificate(sys->IntegratorToken("invoices:read")), grpc::StatusCode::PERMISSION_DENIED);
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + reader);
    v1::GetRegistrationRequest get;
    get.set_id(reg.id());
    v1::Registration read;
    EXPECT_EQ(stub->GetRegistration(&ctx, get, &read).error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(Get(path + "/office-certificates/1.pdf", reader).status, 403);
  }
  EXPECT_EQ(Get(path + "/certificates/3.pdf", citizen).status, 404);
  EXPECT_EQ(Get(path + "/certificates/1.pdf", sys->CitizenToken(UniqueName("n"))).status, 404);
  Answer unknown = Send(sys->port(), http::verb::get, "/api/v1/registrations/certificates/ABCDEFGH23");
  ASSERT_EQ(unknown.status, 200);
  EXPECT_FALSE(Parse<v1::VerifyCertificateResponse>(unknown).issued());
  EXPECT_EQ(Send(sys->port(), http::verb::get, "/api/v1/registrations/certificates/short").status, 400);

  // The Rückmeldung for Hamburg in the integrators' export, found from the start by paging with
  // the cursor; continuing behind it does not repeat it.
  const std::string integrator = sys->IntegratorToken("registrations:export");
  std::string after, found_cursor, xml;
  for (int page = 0; page < 1000 && found_cursor.empty(); ++page) {
    Answer exports = Get("/api/v1/registrations/exports?pageSize=50&after=" + after, integrator);
    ASSERT_EQ(exports.status, 200) << exports.body;
    auto list = Parse<v1::ListExportsResponse>(exports);
    for (const auto& m : list.messages()) {
      if (m.registration_id() == reg.id()) {
        found_cursor = m.cursor();
        xml = m.xml();
        EXPECT_EQ(m.previous_municipality_key(), "02000000");
        EXPECT_EQ(m.due_date(), reg.rueckmeldung_due());
        EXPECT_EQ(m.content_type(), "application/xml");
      }
    }
    if (list.messages().empty()) break;
    after = list.next_cursor();
  }
  ASSERT_FALSE(found_cursor.empty()) << "no Rückmeldung exported";
  EXPECT_TRUE(absl::StrContains(xml, "<empfaenger gemeindeschluessel=\"02000000\"/>")) << xml;
  EXPECT_TRUE(absl::StrContains(xml, "<familienname>" + family + "</familienname>")) << xml;
  Answer behind = Get("/api/v1/registrations/exports?after=" + found_cursor, integrator);
  ASSERT_EQ(behind.status, 200);
  EXPECT_FALSE(absl::StrContains(behind.body, reg.id()));
  EXPECT_EQ(Get("/api/v1/registrations/exports", sys->IntegratorToken("id-documents:status")).status,
            403);
  EXPECT_EQ(Get("/api/v1/registrations/exports?after=nonsense", integrator).status, 400);

  // The events of the case, in order, without personal data.
  auto producer = platform::kafka::Producer::Create({.brokers = SharedServers().kafka_brokers});
  ASSERT_TRUE(producer.ok());
  std::mutex emu;
  std::vector<platform::kafka::Event> mine;
  platform::kafka::Consumer consumer(
      {.brokers = SharedServers().kafka_brokers, .group_id = UniqueName("e2e-registrations"),
       .topics = {"rathaus.registrations.v1"}},
      producer->get(), [&](const platform::kafka::Event& e) {
        std::lock_guard lock(emu);
        if (e.key == reg.id()) mine.push_back(e);
        return absl::OkStatus();
      });
  ASSERT_TRUE(consumer.Start().ok());
  ASSERT_TRUE(WaitFor([&] { std::lock_guard l(emu); return mine.size() >= 6; }, absl::Seconds(60)));
  consumer.Stop();
  std::vector<std::string> types;
  for (const auto& e : mine) {
    types.emplace_back(*e.Header("ce_type"));
    for (const std::string& personal : {family, std::string("Jörg"), std::string("1980-02-29"),
                                        std::string("Andreas-Gayk"), serial}) {
      EXPECT_FALSE(absl::StrContains(e.value, personal)) << personal << " in " << types.back();
      for (const auto& [k, h] : e.headers) EXPECT_FALSE(absl::StrContains(h, personal)) << k;
    }
    if (types.back() == "rathaus.registrations.v1.AddressChanged") {
      v1::AddressChanged changed;
      ASSERT_TRUE(changed.ParseFromString(e.value));
      EXPECT_EQ(changed.id_document_hashes_size(), 1);
      EXPECT_EQ(changed.id_document_hashes(0).size(), 64u);
      EXPECT_EQ(changed.municipality_key(), "01002000");
    }
  }
  EXPECT_EQ(types, (std::vector<std::string>{
                       "rathaus.registrations.v1.RegistrationSubmitted",
                       "rathaus.registrations.v1.RegistrationClaimed",
                       "rathaus.registrations.v1.InformationRequested",
                       "rathaus.registrations.v1.RegistrationAccepted",
                       "rathaus.registrations.v1.AddressChanged",
                       "rathaus.registrations.v1.RueckmeldungDue"}));

  // id-documents consumed AddressChanged: the office of the citizen's document lists the
  // address sticker; the clerk puts it on, once.
  const std::string stickers = "/api/v1/offices/kiel-gaarden/id-documents/address-stickers";
  ASSERT_TRUE(WaitFor([&] { return absl::StrContains(Get(stickers, counter).body, application); },
                      absl::Seconds(60)))
      << Get(stickers, counter).body;
  EXPECT_TRUE(absl::StrContains(Get(stickers, counter).body, "\"addressStickerDue\":true"));
  EXPECT_EQ(Get(stickers, sys->ClerkToken("kiel-mitte")).status, 403) << "another office's list";
  const std::string done = "/api/v1/id-documents/" + application + "/address-sticker";
  EXPECT_EQ(Post(done, "{}", sys->ClerkToken("kiel-mitte")).status, 404);
  Answer stuck = Post(done, "{}", counter);
  ASSERT_EQ(stuck.status, 200) << stuck.body;
  EXPECT_TRUE(absl::StrContains(stuck.body, "\"addressStickerDue\":false") ||
              !absl::StrContains(stuck.body, "addressStickerDue")) << stuck.body;
  EXPECT_FALSE(absl::StrContains(Get(stickers, counter).body, application));
  Answer again = Post(done, "{}", counter);
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_TRUE(absl::StrContains(again.body, "no-address-sticker-due")) << again.body;
}

TEST_F(RegistrationsE2eTest, CodeLetterThenRejectionWithBookingLink) {
  const std::string citizen = sys->CitizenToken(UniqueName("citizen"));
  Answer submitted =
      Post("/api/v1/registrations", Anmeldung("Öztürk", R"("codeLetter":true)"), citizen);
  ASSERT_EQ(submitted.status, 201) << submitted.body;
  const auto reg = Parse<v1::Registration>(submitted);
  EXPECT_EQ(reg.confirmation(), "CODE_LETTER");
  const std::string path = "/api/v1/registrations/" + reg.id();
  const std::string clerk = sys->RegistrationClerkToken("*", "dora");
  ASSERT_EQ(Post(path + "/claim", "{}", clerk).status, 200);
  Answer early = Post(path + "/accept", "{}", clerk);
  EXPECT_EQ(early.status, 409);
  EXPECT_TRUE(absl::StrContains(early.body, "confirmation-missing")) << early.body;
  Answer sent = Post(path + "/send-code-letter", "{}", clerk);
  ASSERT_EQ(sent.status, 200) << sent.body;
  const std::string code = Parse<v1::Registration>(sent).letter_code();
  ASSERT_EQ(code.size(), 10u);
  EXPECT_FALSE(absl::StrContains(Get(path, citizen).body, code)) << "the code only in the letter";
  Answer wrong = Post(path + "/confirm-code", R"({"code":"ABCDEFGH23"})", citizen);
  EXPECT_EQ(wrong.status, 422) << wrong.body;
  EXPECT_TRUE(absl::StrContains(wrong.body, "4 attempts left")) << wrong.body;
  Answer right = Post(path + "/confirm-code", absl::StrCat(R"({"code":")", code, R"("})"), citizen);
  ASSERT_EQ(right.status, 200) << right.body;
  EXPECT_TRUE(Parse<v1::Registration>(right).code_confirmed());
  EXPECT_EQ(Parse<v1::Registration>(right).status(), "SUBMITTED");

  Answer rejected = Post(path + "/reject", R"({"message":"Bitte kommen Sie persönlich vorbei."})", clerk);
  ASSERT_EQ(rejected.status, 200) << rejected.body;
  const auto r = Parse<v1::Registration>(rejected);
  EXPECT_EQ(r.status(), "REJECTED");
  const std::string counter = r.counter_code();
  ASSERT_EQ(counter.size(), 8u) << rejected.body;
  // The code rides in the link's fragment (never sent to a server).
  EXPECT_EQ(r.booking_link(),
            "https://kiel.example/termin?office=kiel-mitte&service=wohnsitz-anmelden:1#vorsprache=" +
                counter);
  EXPECT_EQ(Parse<v1::Registration>(Get(path, citizen)).counter_code(), counter);
  EXPECT_EQ(Post(path + "/accept", "{}", clerk).status, 409);
  // The booking link's service exists in the appointments catalog.
  Answer services = Send(sys->port(), http::verb::get, "/api/v1/services");
  ASSERT_EQ(services.status, 200);
  EXPECT_TRUE(absl::StrContains(services.body, "\"wohnsitz-anmelden\"")) << services.body;

  // appointments consumed RegistrationRejected: the code books one counter visit at the office,
  // and the clerk's day list names the case.
  namespace appt = ::rathaus::appointments::v1;
  Answer availability = Send(sys->port(), http::verb::get,
                             "/api/v1/availability?office=kiel-mitte&service=wohnsitz-anmelden");
  ASSERT_EQ(availability.status, 200) << availability.body;
  const auto slots = Parse<appt::GetAvailabilityResponse>(availability);
  ASSERT_GT(slots.slots_size(), 6);
  auto book = [&](const std::string& office, const std::string& service, int slot,
                  const std::string& field, const std::string& code) {
    return Send(sys->port(), http::verb::post, "/api/v1/bookings",
                absl::StrCat(R"({"office":")", office, R"(","services":[{"id":")", service,
                             R"(","quantity":1}],"start":")", slots.slots(slot).start(),
                             R"(","name":"Ayşe Öztürk","email":")", UniqueName("visit"),
                             R"(@example.org",")", field, R"(":")", code, R"("})"));
  };
  Answer booked;
  ASSERT_TRUE(WaitFor(
      [&] {
        booked = book("kiel-mitte", "wohnsitz-anmelden", 2, "registrationCode", counter);
        return booked.status == 201;
      },
      absl::Seconds(30)))
      << booked.status << " " << booked.body;
  const auto visit = Parse<appt::Booking>(booked);
  EXPECT_EQ(visit.registration_id(), reg.id());
  Answer twice = book("kiel-mitte", "wohnsitz-anmelden", 4, "registrationCode", counter);
  EXPECT_EQ(twice.status, 422) << "one visit per code: " << twice.body;
  EXPECT_TRUE(absl::StrContains(twice.body, "registration-code-invalid")) << twice.body;
  Answer made_up = book("kiel-mitte", "wohnsitz-anmelden", 5, "registrationCode", "ABCDEFGH");
  EXPECT_EQ(made_up.status, 422) << made_up.body;
  Answer malformed = book("kiel-mitte", "wohnsitz-anmelden", 5, "registrationCode", "abc");
  EXPECT_EQ(malformed.status, 400) << malformed.body;
  EXPECT_TRUE(absl::StrContains(malformed.body, "registrationCode")) << malformed.body;
  // The registration's code is no pickup code.
  Answer as_pickup = book("kiel-mitte", "ausweis-abholen", 5, "pickupCode", counter);
  EXPECT_EQ(as_pickup.status, 422) << as_pickup.body;
  EXPECT_TRUE(absl::StrContains(as_pickup.body, "pickup-code-invalid")) << as_pickup.body;
  // The counter clerk sees the case beside the visit.
  Answer day = Send(sys->port(), http::verb::get,
                    absl::StrCat("/api/v1/offices/kiel-mitte/bookings?date=",
                                 visit.start().substr(0, 10)),
                    "", {{"Authorization", "Bearer " + sys->ClerkToken("kiel-mitte")}});
  ASSERT_EQ(day.status, 200) << day.body;
  EXPECT_TRUE(absl::StrContains(day.body, absl::StrCat(R"("registrationId":")", reg.id(), "\"")))
      << day.body;
  // Cancelled, the code books again.
  Answer cancelled = Send(sys->port(), http::verb::delete_, "/api/v1/bookings/" + visit.code(), "",
                          {{"X-Booking-Token", visit.token()}});
  EXPECT_EQ(cancelled.status, 204) << cancelled.body;
  Answer again = book("kiel-mitte", "wohnsitz-anmelden", 6, "registrationCode", counter);
  EXPECT_EQ(again.status, 201) << again.body;
}

// Five wrong codes void the letter: the citizen's answer says so (the status page shows it
// instead of the form), and the right code no longer helps.
TEST_F(RegistrationsE2eTest, FiveWrongCodesVoidTheLetterAndTheAnswerSaysSo) {
  const std::string citizen = sys->CitizenToken(UniqueName("citizen"));
  Answer submitted =
      Post("/api/v1/registrations", Anmeldung("Wrobel", R"("codeLetter":true)"), citizen);
  ASSERT_EQ(submitted.status, 201) << submitted.body;
  const std::string path = "/api/v1/registrations/" + Parse<v1::Registration>(submitted).id();
  const std::string clerk = sys->RegistrationClerkToken("*", "emil");
  ASSERT_EQ(Post(path + "/claim", "{}", clerk).status, 200);
  Answer sent = Post(path + "/send-code-letter", "{}", clerk);
  ASSERT_EQ(sent.status, 200) << sent.body;
  const std::string code = Parse<v1::Registration>(sent).letter_code();
  EXPECT_FALSE(Parse<v1::Registration>(Get(path, citizen)).code_letter_void());
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Post(path + "/confirm-code", R"({"code":"ABCDEFGH23"})", citizen).status, 422);
  }
  const auto after = Parse<v1::Registration>(Get(path, citizen));
  EXPECT_TRUE(after.code_letter_void());
  EXPECT_FALSE(after.code_confirmed());
  Answer late = Post(path + "/confirm-code", absl::StrCat(R"({"code":")", code, R"("})"), citizen);
  EXPECT_NE(late.status, 200) << "a void letter's code: " << late.body;
}

// §51/§52: a person with a block never shows in what the household sees online — not in the
// answers, not as a gap in the numbering, not as a certificate, not in the events' counts — while
// the clerk sees the person and the block.
TEST_F(RegistrationsE2eTest, Bmg51BlockedPersonNeverShowsToTheHousehold) {
  const std::string citizen = sys->CitizenToken(UniqueName("citizen"));
  std::string body = Anmeldung("Geheim", Landlord());
  body = absl::StrReplaceAll(body, {{R"("givenNames":"Mia",)", R"("givenNames":"Mia","block":"AUSKUNFTSSPERRE",)"}});
  ASSERT_TRUE(absl::StrContains(body, "AUSKUNFTSSPERRE"));
  Answer submitted = Post("/api/v1/registrations", body, citizen);
  ASSERT_EQ(submitted.status, 201) << submitted.body;
  auto reg = Parse<v1::Registration>(submitted);
  const std::string path = "/api/v1/registrations/" + reg.id();
  for (const Answer& a : {submitted, Get(path, citizen)}) {
    EXPECT_FALSE(absl::StrContains(a.body, "Mia")) << a.body;
    EXPECT_FALSE(absl::StrContains(a.body, "SPERR")) << a.body;
    EXPECT_FALSE(absl::StrContains(a.body, "2019-06-01")) << a.body;
    auto r = Parse<v1::Registration>(a);
    ASSERT_EQ(r.persons_size(), 1);
    EXPECT_EQ(r.persons(0).number(), 1);
  }
  const std::string clerk = sys->RegistrationClerkToken("kiel-mitte", "erik");
  ASSERT_EQ(Post(path + "/claim", "{}", clerk).status, 200);
  Answer accepted = Post(path + "/accept", "{}", clerk);
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  auto seen = Parse<v1::Registration>(accepted);
  ASSERT_EQ(seen.persons_size(), 2) << "the clerk sees everyone";
  EXPECT_EQ(seen.persons(1).block(), "AUSKUNFTSSPERRE");
  EXPECT_EQ(seen.persons(1).certificate_code().size(), 10u) << "made, sent by letter";
  Answer own = Get(path + "/certificates/1.pdf", citizen);
  ASSERT_EQ(own.status, 200);
  EXPECT_TRUE(absl::StrContains(PdfText(own.body), "Jörg"));
  EXPECT_EQ(Get(path + "/certificates/2.pdf", citizen).status, 404);
  // The office prints the blocked person's certificate for the letter.
  Answer letter = Get(path + "/office-certificates/2.pdf", clerk);
  ASSERT_EQ(letter.status, 200) << letter.body;
  EXPECT_TRUE(absl::StrContains(PdfText(letter.body), "Mia"));
  EXPECT_EQ(Get(path + "/office-certificates/2.pdf", citizen).status, 403);
  EXPECT_EQ(Get(path + "/office-certificates/2.pdf",
                sys->RegistrationClerkToken("kiel-gaarden", "hans")).status, 404);
  auto after = Parse<v1::Registration>(Get(path, citizen));
  ASSERT_EQ(after.persons_size(), 1);
  EXPECT_FALSE(absl::StrContains(Get(path, citizen).body, seen.persons(1).certificate_code()));
}

// An Anmeldung from abroad with four eyes (RATHAUS_REGISTRATIONS_FOUR_EYES_ABROAD=on in the
// suite): the first clerk's accept is an approval that ends the claim; the same clerk cannot
// complete it; a second clerk does.
TEST_F(RegistrationsE2eTest, AnmeldungFromAbroadNeedsTwoClerks) {
  const std::string citizen = sys->CitizenToken(UniqueName("citizen"));
  std::string body = absl::StrReplaceAll(
      Anmeldung("Rossi", Landlord()),
      {{R"("previousAddress":{"street":"Große Freiheit 7","postalCode":"22767","city":"Hamburg",
                         "municipalityKey":"02000000"})",
        R"("previousAddress":{"street":"Via Roma 1","postalCode":"00184","city":"Roma","country":"IT"})"}});
  ASSERT_TRUE(absl::StrContains(body, "Roma"));
  const std::string first = sys->RegistrationClerkToken("kiel-mitte", "frieda");
  const std::string second = sys->RegistrationClerkToken("kiel-mitte", "gustav");
  auto submit_and_approve = [&] {
    Answer submitted = Post("/api/v1/registrations", body, citizen);
    EXPECT_EQ(submitted.status, 201) << submitted.body;
    const std::string path = "/api/v1/registrations/" + Parse<v1::Registration>(submitted).id();
    EXPECT_EQ(Post(path + "/claim", "{}", first).status, 200);
    Answer approved = Post(path + "/accept", "{}", first);
    EXPECT_EQ(approved.status, 200) << approved.body;
    auto r = Parse<v1::Registration>(approved);
    EXPECT_EQ(r.status(), "SUBMITTED");
    EXPECT_EQ(r.first_approval_by(), "frieda");
    EXPECT_TRUE(r.claimed_by().empty()) << "the approval ends the claim";
    EXPECT_EQ(r.persons(0).certificate_code(), "") << "no certificate yet";
    return path;
  };
  // The same clerk cannot complete it.
  const std::string alone = submit_and_approve();
  ASSERT_EQ(Post(alone + "/claim", "{}", first).status, 200);
  Answer again = Post(alone + "/accept", "{}", first);
  EXPECT_EQ(again.status, 403) << again.body;
  EXPECT_TRUE(absl::StrContains(again.body, "four-eyes")) << again.body;
  // A second clerk does.
  const std::string both = submit_and_approve();
  ASSERT_EQ(Post(both + "/claim", "{}", second).status, 200);
  Answer accepted = Post(both + "/accept", "{}", second);
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  auto r = Parse<v1::Registration>(accepted);
  EXPECT_EQ(r.status(), "ACCEPTED");
  EXPECT_EQ(r.persons(0).certificate_code().size(), 10u);
  EXPECT_TRUE(r.rueckmeldung_due().empty()) << "from abroad: no German authority to report back to";
}

// A submission sent again with the same Idempotency-Key (a lost answer) gives the same case, not
// a second one; the key with another body is refused.
TEST_F(RegistrationsE2eTest, ASubmissionRetriedWithItsKeyIsOneCase) {
  const std::string citizen = sys->CitizenToken(UniqueName("citizen"));
  const std::string body = Anmeldung("Zweimal", Landlord());
  std::map<std::string, std::string> headers = Bearer(citizen);
  headers["Idempotency-Key"] = UniqueName("submit");
  Answer first = Send(sys->port(), http::verb::post, "/api/v1/registrations", body, headers);
  ASSERT_EQ(first.status, 201) << first.body;
  Answer again = Send(sys->port(), http::verb::post, "/api/v1/registrations", body, headers);
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(Parse<v1::Registration>(again).id(), Parse<v1::Registration>(first).id());
  Answer other = Send(sys->port(), http::verb::post, "/api/v1/registrations",
                      Anmeldung("Anders", Landlord()), headers);
  EXPECT_EQ(other.status, 422) << other.body;
  EXPECT_TRUE(absl::StrContains(other.body, "idempotency-key-reused")) << other.body;
}

TEST_F(RegistrationsE2eTest, BmgRulesAnswer422NamingTheParagraph) {
  const std::string citizen = sys->CitizenToken(UniqueName("citizen"));
  // §17(2): an Abmeldung at the earliest one week before moving out.
  Answer early = Post("/api/v1/registrations", absl::StrCat(R"({"type":"ABMELDUNG","office":"kiel-mitte",
      "moveDate":")", Day(30), R"(","newAddress":{"street":"Rue de Rivoli 1","postalCode":"75001",
      "city":"Paris","country":"FR"},"persons":[{"familyName":"Doe","givenNames":"Jane",
      "birthDate":"1990-01-01","nationalities":["DE"]}]})"), citizen);
  EXPECT_EQ(early.status, 422) << early.body;
  EXPECT_TRUE(absl::StrContains(early.body, "bmg-17-2-too-early")) << early.body;
  // §27(2): a stay of two months needs no registration.
  std::string shortstay = Anmeldung("Kurz", Landlord());
  shortstay.insert(1, absl::StrCat(R"("stayUntil":")", Day(57), R"(","registeredInGermany":true,)"));
  Answer stay = Post("/api/v1/registrations", shortstay, citizen);
  EXPECT_EQ(stay.status, 422) << stay.body;
  EXPECT_TRUE(absl::StrContains(stay.body, "bmg-27-2-no-registration-needed")) << stay.body;
  // §19: moving in needs the landlord's confirmation.
  Answer nolandlord = Post("/api/v1/registrations", Anmeldung("Ohne", R"("language":"de")"), citizen);
  EXPECT_EQ(nolandlord.status, 422) << nolandlord.body;
  // A late Anmeldung is accepted, flagged overdue.
  std::string late = Anmeldung("Spaet", Landlord());
  late = absl::StrReplaceAll(late, {{Day(-3), Day(-20)}});
  Answer overdue = Post("/api/v1/registrations", late, citizen);
  ASSERT_EQ(overdue.status, 201) << overdue.body;
  EXPECT_TRUE(Parse<v1::Registration>(overdue).overdue());
  // Bad input: a clear 400 naming the field.
  Answer bad = Post("/api/v1/registrations",
                    absl::StrReplaceAll(Anmeldung("X", Landlord()), {{"24103", "2410"}}), citizen);
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_TRUE(absl::StrContains(bad.body, "newAddress.postalCode")) << bad.body;
}

}  // namespace
}  // namespace rathaus::testing
