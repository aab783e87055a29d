// The citizen's and the clerk's whole path through the real system: HTTP -> rathaus-gateway ->
// gRPC -> rathaus-appointments -> Redis (+ Kafka via the outbox). Both binaries run as child
// processes on free loopback ports; answers are parsed into the proto messages, which also
// proves the JSON keys match the contract.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <algorithm>
#include <cmath>
#include <set>
#include <cstdio>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/random/distributions.h"
#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "rathaus/appointments/v1/appointments.pb.h"
#include "rathaus/common/v1/http.pb.h"
#include "rathaus/appointments/v1/events.pb.h"
#include "rathaus/e_invoice/v1/e_invoice.pb.h"
#include "rathaus/e_invoice/v1/events.pb.h"
#include "rathaus/id_documents/v1/id_documents.grpc.pb.h"
#include "rathaus/id_documents/v1/id_documents.pb.h"
#include "shared/kafka/consumer.h"
#include "shared/kafka/producer.h"
#include "shared/crypto/personal_data.h"
#include "shared/redis/redis.h"
#include "tests/harness/delay_proxy.h"
#include "tests/harness/harness.h"
#include "tests/e2e/system.h"

namespace rathaus::testing {
namespace {

namespace v1 = rathaus::appointments::v1;


System* sys = nullptr;

class GatewayE2eTest : public ::testing::Test {
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

  Answer Get(const std::string& target, const std::map<std::string, std::string>& h = {}) {
    return Send(sys->port(), http::verb::get, target, "", h);
  }
  Answer Post(const std::string& target, const std::string& body,
              const std::map<std::string, std::string>& h = {}) {
    return Send(sys->port(), http::verb::post, target, body, h);
  }
  Answer Delete(const std::string& target, const std::map<std::string, std::string>& h = {}) {
    return Send(sys->port(), http::verb::delete_, target, "", h);
  }

  // The catalog's first office and a service offered there.
  void PickOfficeAndService(int office_index, std::string* office, std::string* service) {
    Answer offices = Get("/api/v1/offices");
    ASSERT_EQ(offices.status, 200) << offices.body;
    auto list = Parse<v1::ListOfficesResponse>(offices);
    ASSERT_GT(list.offices_size(), 0);
    *office = list.offices(office_index % list.offices_size()).id();
    Answer services = Get("/api/v1/services?office=" + *office);
    ASSERT_EQ(services.status, 200) << services.body;
    auto s = Parse<v1::ListServicesResponse>(services);
    ASSERT_GT(s.services_size(), 0);
    *service = s.services(0).id();
  }

  std::vector<v1::Slot> Slots(const std::string& office, const std::string& service) {
    Answer a = Get(absl::StrCat("/api/v1/availability?office=", office, "&service=", service));
    EXPECT_EQ(a.status, 200) << a.body;
    const auto r = Parse<v1::GetAvailabilityResponse>(a);
    std::vector<v1::Slot> out;
    for (const v1::Slot& s : r.slots()) out.push_back(s);
    return out;
  }

  int FreeAt(const std::string& office, const std::string& service, const std::string& start) {
    for (const auto& s : Slots(office, service)) {
      if (s.start() == start) return s.free();
    }
    return -1;
  }

  static std::string BookBody(const std::string& office, const std::string& service,
                              const std::string& start, const std::string& email) {
    return absl::StrCat(R"({"office":")", office, R"(","services":[{"id":")", service,
                        R"(","quantity":1}],"start":")", start,
                        R"(","name":"Erika Mustermann","email":")", email, R"("})");
  }
};

TEST_F(GatewayE2eTest, OperationalEndpoints) {
  EXPECT_EQ(Get("/healthz").status, 200);
  EXPECT_EQ(Get("/readyz").status, 200);
  Answer spec = Get("/api/openapi.yaml");
  EXPECT_EQ(spec.status, 200);
  EXPECT_TRUE(absl::StartsWith(spec.body, "openapi: 3.1.0"));
  Answer offices = Get("/api/v1/offices", {{"X-Request-Id", "e2e-request-1"}});
  EXPECT_EQ(offices.Header("x-request-id"), "e2e-request-1");
  EXPECT_FALSE(Get("/api/v1/offices").Header("x-request-id").empty());
  EXPECT_EQ(Get("/metrics").status, 404) << "metrics only on their own port";
  Answer metrics = Send(sys->gateway_metrics_port(), http::verb::get, "/metrics");
  EXPECT_TRUE(absl::StrContains(
      metrics.body, R"(rathaus_gateway_http_requests_total{method="GET",route="/api/v1/offices",status="200"})"));
  EXPECT_TRUE(absl::StrContains(metrics.body, "rathaus_gateway_http_request_duration_seconds_bucket"));
}

TEST_F(GatewayE2eTest, CitizenFlow) {
  std::string office, service;
  PickOfficeAndService(0, &office, &service);
  std::vector<v1::Slot> slots = Slots(office, service);
  ASSERT_GT(slots.size(), 20u);
  const v1::Slot first = slots[10];
  const v1::Slot second = slots[14];
  ASSERT_GT(first.free(), 0);

  Answer reserved = Post("/api/v1/reservations",
                         absl::StrCat(R"({"office":")", office, R"(","services":[{"id":")", service,
                                      R"("}],"start":")", first.start(), R"("})"));
  ASSERT_EQ(reserved.status, 201) << reserved.body;
  auto reservation = Parse<v1::Reservation>(reserved);
  EXPECT_FALSE(reservation.reservation_id().empty());
  EXPECT_EQ(reservation.start(), first.start());
  EXPECT_FALSE(reservation.expires_at().empty());
  EXPECT_EQ(FreeAt(office, service, first.start()), first.free() - 1);

  Answer confirmed =
      Post(absl::StrCat("/api/v1/reservations/", reservation.reservation_id(), "/confirm"),
           R"({"name":"Erika Mustermann","email":"erika.flow@example.org","phone":"+49 431 1"})");
  ASSERT_EQ(confirmed.status, 201) << confirmed.body;
  auto booking = Parse<v1::Booking>(confirmed);
  EXPECT_EQ(booking.code().size(), 8u);
  EXPECT_GE(booking.token().size(), 22u);
  EXPECT_EQ(booking.status(), "booked");
  const std::string path = "/api/v1/bookings/" + booking.code();
  const std::map<std::string, std::string> token = {{"X-Booking-Token", booking.token()}};

  Answer viewed = Get(path, token);
  ASSERT_EQ(viewed.status, 200) << viewed.body;
  EXPECT_EQ(Parse<v1::Booking>(viewed).status(), "booked");
  EXPECT_EQ(viewed.Header("cache-control"), "no-store");
  EXPECT_EQ(Get(path, {{"X-Booking-Token", "wrong-token"}}).status, 404);
  EXPECT_EQ(Get(path).status, 404);
  Answer unknown = Get("/api/v1/bookings/ZZZZZZZZ", token);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.Header("content-type"), "application/problem+json");

  Answer moved = Post(path + "/reschedule", absl::StrCat(R"({"start":")", second.start(), R"("})"),
                      token);
  ASSERT_EQ(moved.status, 200) << moved.body;
  auto rescheduled = Parse<v1::Booking>(moved);
  EXPECT_EQ(rescheduled.code(), booking.code());
  EXPECT_EQ(rescheduled.start(), second.start());
  EXPECT_EQ(rescheduled.reschedule_count(), 1);
  EXPECT_EQ(FreeAt(office, service, first.start()), first.free());
  EXPECT_EQ(FreeAt(office, service, second.start()), second.free() - 1);

  Answer ics = Get(path + "/calendar.ics", token);
  ASSERT_EQ(ics.status, 200) << ics.body;
  EXPECT_TRUE(absl::StartsWith(ics.Header("content-type"), "text/calendar"));
  EXPECT_TRUE(absl::StrContains(ics.body, "BEGIN:VCALENDAR"));
  EXPECT_TRUE(absl::StrContains(ics.body, "SEQUENCE:1"));
  EXPECT_EQ(Get(path + "/calendar.ics").status, 404);

  EXPECT_EQ(Delete(path, {{"X-Booking-Token", "wrong"}}).status, 404);
  Answer cancelled = Delete(path, token);
  EXPECT_EQ(cancelled.status, 204) << cancelled.body;
  EXPECT_TRUE(cancelled.body.empty());
  EXPECT_EQ(Parse<v1::Booking>(Get(path, token)).status(), "cancelled");
  EXPECT_EQ(FreeAt(office, service, second.start()), second.free());
}

TEST_F(GatewayE2eTest, ReleaseReservation) {
  std::string office, service;
  PickOfficeAndService(0, &office, &service);
  const v1::Slot slot = Slots(office, service)[20];
  Answer reserved = Post("/api/v1/reservations",
                         absl::StrCat(R"({"office":")", office, R"(","services":[{"id":")", service,
                                      R"("}],"start":")", slot.start(), R"("})"));
  ASSERT_EQ(reserved.status, 201) << reserved.body;
  auto reservation = Parse<v1::Reservation>(reserved);
  EXPECT_EQ(Delete("/api/v1/reservations/" + reservation.reservation_id()).status, 204);
  EXPECT_EQ(FreeAt(office, service, slot.start()), slot.free());
}

TEST_F(GatewayE2eTest, ExpiredReservationIs410AndFreesItsCapacity) {
  std::string office, service;
  PickOfficeAndService(0, &office, &service);
  const v1::Slot slot = Slots(office, service)[24];
  Answer reserved = Post("/api/v1/reservations",
                         absl::StrCat(R"({"office":")", office, R"(","services":[{"id":")", service,
                                      R"("}],"start":")", slot.start(), R"("})"));
  ASSERT_EQ(reserved.status, 201) << reserved.body;
  auto reservation = Parse<v1::Reservation>(reserved);
  EXPECT_EQ(FreeAt(office, service, slot.start()), slot.free() - 1);
  // The suite's service holds reservations for 3 s.
  EXPECT_TRUE(WaitFor([&] { return FreeAt(office, service, slot.start()) == slot.free(); },
                      absl::Seconds(10)));
  Answer late = Post(absl::StrCat("/api/v1/reservations/", reservation.reservation_id(), "/confirm"),
                     R"({"name":"Max Mustermann","email":"max.late@example.org"})");
  EXPECT_EQ(late.status, 410) << late.body;
  EXPECT_TRUE(absl::StrContains(late.body, "reservation-expired"));
}

TEST_F(GatewayE2eTest, ClerkFlow) {
  std::string office, service;
  PickOfficeAndService(0, &office, &service);
  const v1::Slot slot = Slots(office, service)[28];
  Answer made = Post("/api/v1/bookings", BookBody(office, service, slot.start(), "clerk.flow@example.org"));
  ASSERT_EQ(made.status, 201) << made.body;
  auto booking = Parse<v1::Booking>(made);
  const std::string date = slot.start().substr(0, 10);
  const std::string list = absl::StrCat("/api/v1/offices/", office, "/bookings?date=", date);

  EXPECT_EQ(Get(list).status, 401);
  EXPECT_FALSE(Get(list).Header("www-authenticate").empty());
  EXPECT_EQ(Get(list, {{"Authorization", "Bearer not.a.token"}}).status, 401);

  const std::map<std::string, std::string> clerk = {
      {"Authorization", "Bearer " + sys->ClerkToken(office)}};
  Answer day = Get(list, clerk);
  ASSERT_EQ(day.status, 200) << day.body;
  bool found = false;
  const auto bookings = Parse<v1::ListOfficeBookingsResponse>(day);
  for (const auto& b : bookings.bookings()) {
    found = found || b.code() == booking.code();
  }
  EXPECT_TRUE(found);

  const std::map<std::string, std::string> other = {
      {"Authorization", "Bearer " + sys->ClerkToken("some-other-office")}};
  EXPECT_EQ(Get(list, other).status, 403);
  // Another office's booking answers like an unknown code (the attack suite compares bodies).
  EXPECT_EQ(Post("/api/v1/bookings/" + booking.code() + "/check-in", "", other).status, 404);

  // Bookings start tomorrow at the earliest; a check-in is accepted only on the appointment's
  // day (the accepted one is tested with a clock in appointments_grpc_test).
  Answer in = Post("/api/v1/bookings/" + booking.code() + "/check-in", "", clerk);
  ASSERT_EQ(in.status, 409) << in.body;
  EXPECT_NE(in.body.find("urn:rathaus:problem:booking-not-today"), std::string::npos) << in.body;
  EXPECT_EQ(Parse<v1::Booking>(Get("/api/v1/bookings/" + booking.code(),
                                   {{"X-Booking-Token", booking.token()}}))
                .status(),
            "booked");
  EXPECT_EQ(Post("/api/v1/bookings/" + booking.code() + "/check-in", "").status, 401);
}

TEST_F(GatewayE2eTest, BadInputGetsItsStatusAndChangesNothing) {
  std::string office, service;
  PickOfficeAndService(0, &office, &service);
  const v1::Slot slot = Slots(office, service)[32];
  const std::string good = BookBody(office, service, slot.start(), "bad.input@example.org");
  struct Case {
    std::string name;
    http::verb verb;
    std::string target;
    std::string body;
    std::map<std::string, std::string> headers;
    int status;
  };
  const std::vector<Case> cases = {
      {"malformed json", http::verb::post, "/api/v1/bookings", "{\"office\":", {}, 400},
      {"not an object", http::verb::post, "/api/v1/bookings", "[1,2]", {}, 400},
      {"wrong type", http::verb::post, "/api/v1/bookings",
       absl::StrCat(R"({"office":1,"services":[],"start":")", slot.start(), R"("})"), {}, 400},
      {"unknown field", http::verb::post, "/api/v1/bookings",
       good.substr(0, good.size() - 1) + R"(,"admin":true})", {}, 400},
      {"oversize", http::verb::post, "/api/v1/bookings",
       absl::StrCat(R"({"name":")", std::string(70 * 1024, 'a'), R"("})"), {}, 413},
      {"wrong content type", http::verb::post, "/api/v1/bookings", good,
       {{"Content-Type", "text/plain"}}, 415},
      {"empty body", http::verb::post, "/api/v1/bookings", "", {}, 400},
      {"invalid date", http::verb::post, "/api/v1/bookings",
       BookBody(office, service, "2026-13-45T99:00:00+01:00", "bad.input@example.org"), {}, 400},
      {"invalid e-mail", http::verb::post, "/api/v1/bookings",
       BookBody(office, service, slot.start(), "not-an-email"), {}, 400},
      {"bad availability date", http::verb::get,
       absl::StrCat("/api/v1/availability?office=", office, "&service=", service, "&from=2026-02-30"),
       "", {}, 400},
      {"unknown query parameter", http::verb::get, "/api/v1/offices?debug=1", "", {}, 400},
      {"path traversal", http::verb::get, "/api/v1/bookings/..%2F..%2Fetc%2Fpasswd", "",
       {{"X-Booking-Token", "x"}}, 400},
      {"dot dot", http::verb::delete_, "/api/v1/reservations/..", "", {}, 400},
      {"unknown route", http::verb::get, "/api/v1/secrets", "", {}, 404},
      {"wrong method", http::verb::put, "/api/v1/bookings", "", {}, 405},
  };
  for (const Case& c : cases) {
    Answer a = Send(sys->port(), c.verb, c.target, c.body, c.headers);
    EXPECT_EQ(a.status, c.status) << c.name << ": " << a.body;
    EXPECT_EQ(a.Header("content-type"), "application/problem+json") << c.name;
  }
  Answer unknown = Post("/api/v1/bookings", good.substr(0, good.size() - 1) + R"(,"admin":true})");
  EXPECT_TRUE(absl::StrContains(unknown.body, R"("field":"admin")")) << unknown.body;
  EXPECT_EQ(Send(sys->port(), http::verb::put, "/api/v1/bookings").Header("allow"), "POST");
  EXPECT_EQ(FreeAt(office, service, slot.start()), slot.free());
}

// What a demanding citizen tries (issue 21): an umlaut domain is booked in its ASCII form,
// quantity 0 and a date out of range are refused with a message that says why.
TEST_F(GatewayE2eTest, CitizenEdgeCasesAreAnsweredPrecisely) {
  std::string office, service;
  PickOfficeAndService(0, &office, &service);
  const v1::Slot slot = Slots(office, service)[37];
  Answer umlaut = Post("/api/v1/bookings", BookBody(office, service, slot.start(), "info@straße.de"));
  ASSERT_EQ(umlaut.status, 201) << umlaut.body;
  EXPECT_EQ(Parse<v1::Booking>(umlaut).email(), "info@xn--strae-oqa.de");

  std::string zero = BookBody(office, service, slot.start(), "zero@example.org");
  zero = absl::StrReplaceAll(zero, {{R"("quantity":1)", R"("quantity":0)"}});
  Answer refused = Post("/api/v1/bookings", zero);
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_TRUE(absl::StrContains(refused.body, R"("field":"services")")) << refused.body;

  Answer far = Get(absl::StrCat("/api/v1/availability?office=", office, "&service=", service,
                                "&from=1999-12-31"));
  EXPECT_EQ(far.status, 400) << far.body;
  EXPECT_TRUE(absl::StrContains(far.body, "expected 2000-01-01..2200-12-31")) << far.body;
}

TEST_F(GatewayE2eTest, IdempotencyKeyReplaysAndRejectsReuse) {
  std::string office, service;
  PickOfficeAndService(0, &office, &service);
  const v1::Slot slot = Slots(office, service)[36];
  const std::map<std::string, std::string> key = {{"Idempotency-Key", UniqueName("idem")}};
  const std::string body = BookBody(office, service, slot.start(), "idem@example.org");
  Answer first = Post("/api/v1/bookings", body, key);
  ASSERT_EQ(first.status, 201) << first.body;
  Answer again = Post("/api/v1/bookings", body, key);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.Header("idempotent-replayed"), "true");
  EXPECT_EQ(FreeAt(office, service, slot.start()), slot.free() - 1);
  Answer other = Post("/api/v1/bookings",
                      BookBody(office, service, slot.start(), "idem.other@example.org"), key);
  EXPECT_EQ(other.status, 422) << other.body;
  EXPECT_EQ(FreeAt(office, service, slot.start()), slot.free() - 1);
}

// A command that went through although its caller timed out: the service remembers the key
// with the change (one Lua script), so the client's retry gets the booking the first request
// made — not a second booking, not a second event. The fault is real: this test's replica of
// the service reaches Redis through a proxy that holds its commands back 1.5 s, past the
// gateway's 300 ms deadline, and Redis still runs them.
TEST_F(GatewayE2eTest, ARetryAfterAGatewayTimeoutGetsTheFirstBooking) {
  const std::string redis_url = SharedServers().redis_url;
  DelayProxy proxy(std::stoi(redis_url.substr(redis_url.rfind(':') + 1)));
  std::unique_ptr<Child> replica;
  const int replica_port = sys->StartService(
      {{"RATHAUS_REDIS_URL", absl::StrCat("redis://127.0.0.1:", proxy.port())}}, &replica);
  std::unique_ptr<Child> gateway;
  const int port = sys->StartGateway(
      {{"RATHAUS_RATE_LIMIT_BOOKING", "off"}, {"RATHAUS_GATEWAY_UPSTREAM_TIMEOUT", "300ms"},
       {"RATHAUS_APPOINTMENTS_ADDR", absl::StrCat("127.0.0.1:", replica_port)}},
      &gateway);

  std::string office, service;
  PickOfficeAndService(1, &office, &service);
  const std::vector<v1::Slot> slots = Slots(office, service);
  ASSERT_GT(slots.size(), 40u);
  const v1::Slot slot = slots[slots.size() - 3];
  const std::string body =
      BookBody(office, service, slot.start(), UniqueName("retry") + "@example.org");
  const std::map<std::string, std::string> key = {{"Idempotency-Key", UniqueName("retry")}};

  proxy.SetDelay(absl::Milliseconds(1500));
  Answer first = Send(port, http::verb::post, "/api/v1/bookings", body, key);
  EXPECT_EQ(first.status, 504) << first.body;
  proxy.SetDelay(absl::ZeroDuration());
  // The held-back script has run by now (Redis got it 1.5 s after it was sent).
  ASSERT_TRUE(WaitFor([&] { return FreeAt(office, service, slot.start()) == slot.free() - 1; },
                      absl::Seconds(10)))
      << "the first request's booking was made";

  Answer retry = Send(port, http::verb::post, "/api/v1/bookings", body, key);
  ASSERT_EQ(retry.status, 201) << retry.body;
  const auto booking = Parse<v1::Booking>(retry);
  EXPECT_FALSE(booking.token().empty()) << "the retry gets the token of the booking it made";
  EXPECT_EQ(booking.status(), "booked");
  EXPECT_EQ(FreeAt(office, service, slot.start()), slot.free() - 1) << "no second booking";
  ASSERT_EQ(Get("/api/v1/bookings/" + booking.code(), {{"X-Booking-Token", booking.token()}}).status,
            200);
  // A third try is answered from the gateway's own record, with the same body.
  Answer third = Send(port, http::verb::post, "/api/v1/bookings", body, key);
  EXPECT_EQ(third.status, 201);
  EXPECT_EQ(third.body, retry.body);

  // Exactly one AppointmentBooked for this office and time on the topic.
  auto producer = platform::kafka::Producer::Create({.brokers = SharedServers().kafka_brokers});
  ASSERT_TRUE(producer.ok());
  std::mutex mu;
  std::vector<std::string> codes;
  bool ours = false;
  platform::kafka::Consumer consumer(
      {.brokers = SharedServers().kafka_brokers, .group_id = UniqueName("e2e-retry"),
       .topics = {"rathaus.appointments.v1"}},
      producer->get(), [&](const platform::kafka::Event& e) {
        if (e.type() != "rathaus.appointments.v1.AppointmentBooked") return absl::OkStatus();
        v1::AppointmentBooked booked;
        if (!booked.ParseFromString(e.value)) return absl::OkStatus();
        std::lock_guard lock(mu);
        if (booked.office() == office &&
            UnixSeconds(slot.start()) == booked.start().seconds()) {
          codes.push_back(booked.code());
        }
        if (booked.code() == booking.code()) ours = true;
        return absl::OkStatus();
      });
  ASSERT_TRUE(consumer.Start().ok());
  ASSERT_TRUE(WaitFor([&] { std::lock_guard l(mu); return ours; }, absl::Seconds(60)));
  absl::SleepFor(absl::Seconds(2));  // room for a second event, if there were one
  consumer.Stop();
  std::lock_guard lock(mu);
  EXPECT_EQ(codes, std::vector<std::string>{booking.code()});
}

TEST_F(GatewayE2eTest, RateLimitAnswers429WithRetryAfter) {
  std::unique_ptr<Child> limited;
  const int port = sys->StartGateway({{"RATHAUS_RATE_LIMIT_BOOKING", "2/1m"}}, &limited);
  const std::string body = R"({"office":"no-such-office","services":[{"id":"x"}],"start":"2030-01-01T09:00:00+01:00"})";
  std::vector<int> statuses;
  for (int i = 0; i < 3; ++i) {
    statuses.push_back(Send(port, http::verb::post, "/api/v1/reservations", body).status);
  }
  EXPECT_NE(statuses[0], 429);
  EXPECT_NE(statuses[1], 429);
  Answer limited_answer = Send(port, http::verb::post, "/api/v1/reservations", body);
  EXPECT_EQ(limited_answer.status, 429);
  EXPECT_FALSE(limited_answer.Header("retry-after").empty());
  // Routes without a bucket are not limited.
  EXPECT_EQ(Send(port, http::verb::get, "/api/v1/offices").status, 200);
}

TEST_F(GatewayE2eTest, AvailabilityMicroCacheIsClearedByEveryChange) {
  std::string office, service;
  PickOfficeAndService(3, &office, &service);
  const std::string target = absl::StrCat("/api/v1/availability?office=", office, "&service=",
                                          service);
  Answer first = Get(target);
  ASSERT_EQ(first.status, 200);
  Answer second = Get(target);
  EXPECT_EQ(second.Header("x-cache"), "hit") << "the same GET within the TTL is reused";
  EXPECT_EQ(second.body, first.body);
  const auto slots = Parse<v1::GetAvailabilityResponse>(first);
  ASSERT_GT(slots.slots_size(), 12);
  const v1::Slot slot = slots.slots(12);
  ASSERT_EQ(Post("/api/v1/bookings", BookBody(office, service, slot.start(),
                                               UniqueName("cache") + "@example.org"))
                .status,
            201);
  Answer after = Get(target);
  EXPECT_EQ(after.Header("x-cache"), "") << "a booking through the gateway clears the cache";
  EXPECT_EQ(FreeAt(office, service, slot.start()), slot.free() - 1);
  // Without changes through this gateway, an entry lives for the TTL (1 s) at most.
  ASSERT_EQ(Get(target).Header("x-cache"), "hit");
  absl::SleepFor(absl::Milliseconds(1100));
  EXPECT_EQ(Get(target).Header("x-cache"), "");
  EXPECT_TRUE(absl::StrContains(Send(sys->gateway_metrics_port(), http::verb::get, "/metrics").body,
                                "rathaus_gateway_cache_hits_total"));
}

TEST_F(GatewayE2eTest, EventsOfOneBookingReachKafkaInOrder) {
  std::string office, service;
  PickOfficeAndService(2, &office, &service);
  std::vector<v1::Slot> slots = Slots(office, service);
  ASSERT_GT(slots.size(), 30u);
  const std::string email = UniqueName("events") + "@example.org";
  Answer booked = Post("/api/v1/bookings", BookBody(office, service, slots[25].start(), email),
                       {{"X-Request-Id", "e2e-events"}});
  ASSERT_EQ(booked.status, 201) << booked.body;
  const auto booking = Parse<v1::Booking>(booked);
  const std::string path = "/api/v1/bookings/" + booking.code();
  const std::map<std::string, std::string> token = {{"X-Booking-Token", booking.token()}};
  ASSERT_EQ(Post(path + "/reschedule", absl::StrCat(R"({"start":")", slots[28].start(), R"("})"),
                 token).status, 200);
  ASSERT_EQ(Delete(path, token).status, 204);

  // Read the topic from the start with a group of our own; keep this booking's events.
  auto producer = platform::kafka::Producer::Create({.brokers = SharedServers().kafka_brokers});
  ASSERT_TRUE(producer.ok());
  std::mutex mu;
  std::vector<platform::kafka::Event> mine;
  platform::kafka::Consumer consumer(
      {.brokers = SharedServers().kafka_brokers, .group_id = UniqueName("e2e-events"),
       .topics = {"rathaus.appointments.v1"}},
      producer->get(), [&](const platform::kafka::Event& e) {
        std::lock_guard lock(mu);
        if (e.key == booking.code()) mine.push_back(e);
        return absl::OkStatus();
      });
  ASSERT_TRUE(consumer.Start().ok());
  ASSERT_TRUE(WaitFor([&] { std::lock_guard l(mu); return mine.size() >= 3; }, absl::Seconds(60)));
  consumer.Stop();

  std::vector<std::string> types;
  for (const auto& e : mine) types.emplace_back(e.type());
  EXPECT_EQ(types, (std::vector<std::string>{"rathaus.appointments.v1.AppointmentBooked",
                                             "rathaus.appointments.v1.AppointmentRescheduled",
                                             "rathaus.appointments.v1.AppointmentCancelled"}));
  for (const auto& e : mine) {
    EXPECT_EQ(e.Header("ce_specversion"), "1.0");
    EXPECT_EQ(e.Header("ce_source"), "/rathaus/appointments");
    EXPECT_EQ(e.Header("ce_subject"), booking.code());
    EXPECT_EQ(e.Header("content-type"), "application/protobuf");
    EXPECT_EQ(e.Header("traceparent")->size(), 55u) << "W3C traceparent from the gateway";
    for (const auto& [name, value] : e.headers) {
      EXPECT_EQ(value.find("example.org"), std::string::npos) << "personal data in header " << name;
      EXPECT_EQ(value.find("Mustermann"), std::string::npos) << "personal data in header " << name;
    }
    EXPECT_EQ(e.value.find("Mustermann"), std::string::npos) << "no name in the payload";
  }
  v1::AppointmentRescheduled moved;
  ASSERT_TRUE(moved.ParseFromString(mine[1].value));
  EXPECT_EQ(moved.code(), booking.code());
  EXPECT_EQ(moved.office(), office);
  EXPECT_EQ(moved.sequence(), 1);
}

TEST_F(GatewayE2eTest, ServiceStopsGracefullyOnSigterm) {
  // Kafka, relay and gRPC threads all run; SIGTERM must reach the shutdown path (exit 0 after
  // draining and flushing), never kill the process through a thread that did not block it.
  const std::string key = WriteTemp("sigterm-key", std::string(48, 's'));
  for (int round = 0; round < 3; ++round) {
    const int port = FreePort();
    Child service(ServiceBinary(), {},
                  {{"RATHAUS_REDIS_URL", SharedServers().redis_url},
                   {"RATHAUS_KAFKA_BROKERS", SharedServers().kafka_brokers},
                   {"RATHAUS_GRPC_LISTEN", absl::StrCat("127.0.0.1:", port)},
                   {"RATHAUS_BOOKING_TOKEN_KEY_FILE", key},
                   {"RATHAUS_DATA_KEYS_FILE", sys->data_keys_file()},
                   {"RATHAUS_LOG_LEVEL", "warn"}});
    absl::SleepFor(absl::Seconds(2));
    service.Kill(SIGTERM);
    EXPECT_EQ(service.Wait(absl::Seconds(20)), 0) << "round " << round << ": " << service.Stderr();
  }
}

TEST_F(GatewayE2eTest, ThreeHundredClientsRaceForOneSlot) {
  std::string office, service;
  PickOfficeAndService(1, &office, &service);
  std::vector<v1::Slot> slots = Slots(office, service);
  ASSERT_GT(slots.size(), 40u);
  v1::Slot slot = slots[40];
  const int capacity = slot.free();
  ASSERT_GT(capacity, 0);
  std::atomic<int> created{0}, conflict{0}, other{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 300; ++i) {
    clients.emplace_back([&, i] {
      Answer a = Post("/api/v1/bookings",
                      BookBody(office, service, slot.start(), absl::StrCat("race", i, "@example.org")));
      if (a.status == 201) {
        ++created;
      } else if (a.status == 409 || a.status == 429) {
        ++conflict;
      } else {
        ++other;
        ADD_FAILURE() << a.status << " " << a.body;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(created.load(), capacity);
  EXPECT_EQ(conflict.load(), 300 - capacity);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(FreeAt(office, service, slot.start()), 0);
}


// ---- E-invoices: submit -> route -> approve (four eyes) -> release, through the gateway. ----

std::string CorpusFile(const std::string& name) {
  std::ifstream in(SourceDir() + "/../shared/testdata/einvoice/" + name, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The official 01.01a invoice with its own number, sent to Kiel's Tiefbauamt (Leitweg-ID of the
// embedded demo routing table).
std::string KielInvoice(const std::string& number, const std::string& padding = "") {
  return absl::StrReplaceAll(
      CorpusFile("valid/01.01a-INVOICE_ubl.xml"),
      {{"<cbc:ID>123456XX</cbc:ID>", absl::StrCat("<cbc:ID>", number, "</cbc:ID>", padding)},
       {"04011000-12345-03", "01002-6600-95"}});
}

const std::map<std::string, std::string> kXml = {{"Content-Type", "application/xml"}};

std::map<std::string, std::string> Bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

TEST_F(GatewayE2eTest, InvoiceFromSubmissionToPayment) {
  const std::string number = UniqueName("RE");
  const std::string xml = KielInvoice(number);
  Answer submitted = Post("/api/v1/invoices?filename=re-1.xml", xml, kXml);
  ASSERT_EQ(submitted.status, 201) << submitted.body;
  EXPECT_EQ(submitted.Header("content-type"), "application/json");
  const auto sub = Parse<rathaus::e_invoice::v1::SubmitInvoiceResponse>(submitted);
  EXPECT_EQ(sub.status(), "ROUTED");
  EXPECT_EQ(sub.department(), "tiefbauamt");
  EXPECT_EQ(sub.verdict(), "accept");
  const std::string path = "/api/v1/invoices/" + sub.id();

  // The same invoice again is a duplicate naming the first.
  Answer again = Post("/api/v1/invoices", xml, kXml);
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_TRUE(absl::StrContains(again.body, "urn:rathaus:problem:duplicate-invoice"));
  EXPECT_TRUE(absl::StrContains(again.body, sub.id()));

  // Who may look: only invoice clerks of the department (or the invoice office).
  const std::string anna = sys->InvoiceClerkToken("tiefbauamt", "anna");
  const std::string bernd = sys->InvoiceClerkToken("tiefbauamt", "bernd");
  EXPECT_EQ(Get(path).status, 401);
  EXPECT_EQ(Get(path, Bearer(sys->ClerkToken("kiel-mitte"))).status, 403);  // a counter clerk
  EXPECT_EQ(Get(path, Bearer(sys->InvoiceClerkToken("schulamt", "sven"))).status, 404);
  Answer read = Get(path, Bearer(anna));
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(Parse<rathaus::e_invoice::v1::Invoice>(read).invoice_number(), number);
  EXPECT_EQ(read.Header("cache-control"), "no-store");

  Answer original = Get(path + "/original", Bearer(anna));
  ASSERT_EQ(original.status, 200);
  EXPECT_EQ(original.body, xml);
  EXPECT_EQ(original.Header("content-type"), "application/xml");
  EXPECT_EQ(original.Header("x-content-type-options"), "nosniff");
  Answer view = Get(path + "/view", Bearer(anna));
  ASSERT_EQ(view.status, 200);
  EXPECT_TRUE(absl::StartsWith(view.Header("content-type"), "text/html"));
  EXPECT_TRUE(absl::StrContains(view.Header("content-security-policy"), "default-src 'none'"));
  EXPECT_TRUE(absl::StrContains(view.body, number));
  Answer report = Get(path + "/report", Bearer(anna));
  ASSERT_EQ(report.status, 200);
  EXPECT_EQ(Parse<rathaus::e_invoice::v1::ValidationReport>(report).verdict(), "accept");
  Answer listed = Get("/api/v1/invoices?status=ROUTED&pageSize=200", Bearer(anna));
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_TRUE(absl::StrContains(listed.body, sub.id()));

  // Four eyes: anna confirms the goods, so bernd checks the arithmetic and releases.
  ASSERT_EQ(Post(path + "/factual-approval", "", Bearer(anna)).status, 200);
  Answer same = Post(path + "/arithmetic-approval", "", Bearer(anna));
  EXPECT_EQ(same.status, 403) << same.body;
  EXPECT_TRUE(absl::StrContains(same.body, "urn:rathaus:problem:four-eyes"));
  ASSERT_EQ(Post(path + "/arithmetic-approval", "", Bearer(bernd)).status, 200);
  Answer released = Post(path + "/release", "", Bearer(bernd));
  ASSERT_EQ(released.status, 200) << released.body;
  EXPECT_EQ(Parse<rathaus::e_invoice::v1::Invoice>(released).status(), "RELEASED_FOR_PAYMENT");
  EXPECT_EQ(Post(path + "/release", "", Bearer(bernd)).status, 409);

  // The supplier, without a sign-in, learns the status and the release date with its token;
  // without it or with another the answer is the same 404.
  ASSERT_FALSE(sub.submission_token().empty());
  Answer mine_status = Get(path + "/status", {{"X-Submission-Token", sub.submission_token()}});
  ASSERT_EQ(mine_status.status, 200) << mine_status.body;
  const auto st = Parse<rathaus::e_invoice::v1::SubmissionStatus>(mine_status);
  EXPECT_EQ(st.status(), "RELEASED_FOR_PAYMENT");
  EXPECT_FALSE(st.released_at().empty());
  EXPECT_FALSE(absl::StrContains(mine_status.body, number));  // nothing but the status
  Answer no_token = Get(path + "/status");
  Answer other_token = Get(path + "/status", {{"X-Submission-Token", "AAAA"}});
  EXPECT_EQ(no_token.status, 404);
  EXPECT_EQ(other_token.status, 404);
  // The same problem (only the request's instance differs).
  EXPECT_EQ(no_token.body.substr(0, no_token.body.find("instance")),
            other_token.body.substr(0, other_token.body.find("instance")));

  // Every step is an event on rathaus.e-invoice.v1, in order, with CloudEvents headers.
  auto producer = platform::kafka::Producer::Create({.brokers = SharedServers().kafka_brokers});
  ASSERT_TRUE(producer.ok());
  std::mutex mu;
  std::vector<platform::kafka::Event> mine;
  platform::kafka::Consumer consumer(
      {.brokers = SharedServers().kafka_brokers, .group_id = UniqueName("e2e-invoices"),
       .topics = {"rathaus.e-invoice.v1"}},
      producer->get(), [&](const platform::kafka::Event& e) {
        std::lock_guard lock(mu);
        if (e.key == sub.id()) mine.push_back(e);
        return absl::OkStatus();
      });
  ASSERT_TRUE(consumer.Start().ok());
  ASSERT_TRUE(WaitFor([&] { std::lock_guard l(mu); return mine.size() >= 5; }, absl::Seconds(60)));
  consumer.Stop();
  std::vector<std::string> types;
  for (const auto& e : mine) types.emplace_back(e.type());
  EXPECT_EQ(types, (std::vector<std::string>{
                       "rathaus.e_invoice.v1.InvoiceReceived", "rathaus.e_invoice.v1.InvoiceRouted",
                       "rathaus.e_invoice.v1.InvoiceFactuallyApproved",
                       "rathaus.e_invoice.v1.InvoiceArithmeticallyApproved",
                       "rathaus.e_invoice.v1.InvoiceReleasedForPayment"}));
  for (const auto& e : mine) {
    EXPECT_EQ(e.Header("ce_source"), "/rathaus/e-invoice");
    EXPECT_EQ(e.Header("ce_subject"), sub.id());
    EXPECT_EQ(e.Header("content-type"), "application/protobuf");
  }
  rathaus::e_invoice::v1::InvoiceReleasedForPayment paid;
  ASSERT_TRUE(paid.ParseFromString(mine.back().value));
  EXPECT_EQ(paid.released_by(), "bernd");
  EXPECT_EQ(paid.invoice_number(), number);
}

TEST_F(GatewayE2eTest, InvoiceRejectionsAndBadSubmissions) {
  // Broken rules: 422 problem+json that carries the report.
  Answer rejected =
      Post("/api/v1/invoices", CorpusFile("invalid/01.01a-INVOICE_ubl__drop-BT-3.xml"), kXml);
  ASSERT_EQ(rejected.status, 422) << rejected.body;
  EXPECT_EQ(rejected.Header("content-type"), "application/problem+json");
  EXPECT_TRUE(absl::StrContains(rejected.body, R"("type":"urn:rathaus:problem:invoice-rejected")"));
  EXPECT_TRUE(absl::StrContains(rejected.body, R"("status":422)"));
  EXPECT_TRUE(absl::StrContains(rejected.body, R"("rule":"BR-04")"));
  EXPECT_TRUE(absl::StrContains(rejected.body, R"("id":")"));
  // Hostile XML: refused by the parser, never read from disk.
  Answer xxe = Post("/api/v1/invoices",
                    "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                    "<r>&x;</r>",
                    kXml);
  EXPECT_EQ(xxe.status, 422);
  EXPECT_TRUE(absl::StrContains(xxe.body, "XML-PARSE"));
  // No invoice, nothing kept: no id, no token (the members are there, empty).
  EXPECT_TRUE(absl::StrContains(xxe.body, R"("id":"")")) << xxe.body;
  EXPECT_TRUE(absl::StrContains(xxe.body, R"("submissionToken":"")")) << xxe.body;
  EXPECT_FALSE(absl::StrContains(xxe.body, "root:x:0"));

  EXPECT_EQ(Post("/api/v1/invoices", KielInvoice(UniqueName("RE")),
                 {{"Content-Type", "application/json"}}).status, 415);
  EXPECT_EQ(Post("/api/v1/invoices", "", kXml).status, 400);
  EXPECT_EQ(Post("/api/v1/invoices?filename=../x", KielInvoice(UniqueName("RE")), kXml).status, 400);
  EXPECT_EQ(Post("/api/v1/invoices?colour=red", KielInvoice(UniqueName("RE")), kXml).status, 400);
  // Over 64 KiB is fine here (up to 20 MiB), but not on the booking routes.
  const std::string comment = absl::StrCat("<!--", std::string(300 * 1024, 'x'), "-->");
  Answer large = Post("/api/v1/invoices", KielInvoice(UniqueName("RE"), comment), kXml);
  EXPECT_EQ(large.status, 201) << large.body.substr(0, 300);
  EXPECT_EQ(Post("/api/v1/bookings", std::string(100 * 1024, ' ')).status, 413);
  // 21 MiB as curl sends it (Expect: 100-continue): refused after the header, before the body.
  const std::string big = WriteTemp("huge.xml", std::string(21 * 1024 * 1024, ' '));
  EXPECT_EQ(RunTool(absl::StrCat("curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: "
                                 "application/xml' --data-binary @", big, " http://127.0.0.1:",
                                 sys->port(), "/api/v1/invoices")),
            "413");
  // 5 MiB the same way is read (100 Continue) and judged.
  const std::string five = WriteTemp("five.xml", KielInvoice(UniqueName("RE"),
      absl::StrCat("<!--", std::string(5 * 1024 * 1024, 'y'), "-->")));
  EXPECT_EQ(RunTool(absl::StrCat("curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: "
                                 "application/xml' --data-binary @", five, " http://127.0.0.1:",
                                 sys->port(), "/api/v1/invoices")),
            "201");
  std::remove(big.c_str());
  std::remove(five.c_str());

  // A clerk rejects with a reason; an invalid reason changes nothing.
  Answer ok = Post("/api/v1/invoices", KielInvoice(UniqueName("RE")), kXml);
  ASSERT_EQ(ok.status, 201) << ok.body;
  const std::string id = Parse<rathaus::e_invoice::v1::SubmitInvoiceResponse>(ok).id();
  const auto clerk = Bearer(sys->InvoiceClerkToken("tiefbauamt", "carla"));
  EXPECT_EQ(Post("/api/v1/invoices/" + id + "/reject", R"({"reason":""})", clerk).status, 400);
  EXPECT_EQ(Post("/api/v1/invoices/" + id + "/reject", R"({"grund":"x"})", clerk).status, 400);
  Answer done = Post("/api/v1/invoices/" + id + "/reject",
                     R"({"reason":"Die Bestellnummer fehlt."})", clerk);
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(Parse<rathaus::e_invoice::v1::Invoice>(done).rejection_reason(),
            "Die Bestellnummer fehlt.");
}


// Every gRPC method that the gateway serves to clerks, read from the protos' route options.
struct ClerkMethod {
  std::string path;  // "/rathaus.appointments.v1.Appointments/CheckIn"
  std::string role;
  std::string addr;
  bool anonymous_allowed = false;  // the suite runs e-invoice with anonymous submissions on
};

std::vector<ClerkMethod> ClerkMethods() {
  std::vector<ClerkMethod> out;
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  // Links the generated files, so their services are in the pool.
  (void)rathaus::id_documents::v1::Application::descriptor();
  const std::vector<std::pair<std::string, std::string>> services = {
      {"rathaus.appointments.v1.Appointments", sys->appointments_addr()},
      {"rathaus.e_invoice.v1.EInvoice", sys->invoices_addr()},
      {"rathaus.id_documents.v1.IdDocuments", sys->id_documents_addr()}};
  for (const auto& [name, addr] : services) {
    const google::protobuf::ServiceDescriptor* service = pool->FindServiceByName(name);
    EXPECT_NE(service, nullptr) << name;
    if (service == nullptr) continue;
    for (int i = 0; i < service->method_count(); ++i) {
      const google::protobuf::MethodDescriptor* m = service->method(i);
      const auto& route = m->options().GetExtension(rathaus::common::v1::http);
      if (route.auth() != "clerk") continue;
      out.push_back({absl::StrCat("/", service->full_name(), "/", m->name()),
                     route.role().empty() ? "clerk" : route.role(), addr,
                     route.anonymous_allowed()});
    }
  }
  return out;
}

// Calls `method` with an empty request message and the given metadata; the status code.
grpc::StatusCode CallRaw(const std::string& addr, const std::string& method,
                         const std::vector<std::pair<std::string, std::string>>& metadata) {
  return CallUnaryRaw(addr, method, metadata).error_code();
}

TEST_F(GatewayE2eTest, EveryClerkMethodOfEveryServiceRefusesForgedMetadata) {
  const std::vector<ClerkMethod> methods = ClerkMethods();
  ASSERT_GE(methods.size(), 18u)
      << "3 appointments + 11 e-invoice (with the supplier's upload) + 4 id-documents methods expected";
  const std::vector<std::pair<std::string, std::string>> forged = {
      {"rathaus-clerk-subject", "mallory"},
      {"rathaus-clerk-offices", "*"},
      {"rathaus-clerk-departments", "*"}};
  for (const ClerkMethod& m : methods) {
    SCOPED_TRACE(m.path);
    if (!m.anonymous_allowed) {
      EXPECT_EQ(CallRaw(m.addr, m.path, forged), grpc::StatusCode::UNAUTHENTICATED);
    }
    auto with_token = forged;
    with_token.emplace_back("authorization", "Bearer not.a.token");
    EXPECT_EQ(CallRaw(m.addr, m.path, with_token), grpc::StatusCode::UNAUTHENTICATED);
    // A valid token of the other role: authenticated, not allowed.
    const std::string other = m.role == "clerk" ? sys->InvoiceClerkToken("*", "someone")
                                                : sys->ClerkToken("'*'");
    EXPECT_EQ(CallRaw(m.addr, m.path, {{"authorization", "Bearer " + other}}),
              grpc::StatusCode::PERMISSION_DENIED);
  }
}

// Every key and value in Redis, as text, for a search.
std::vector<std::string> RedisContents(platform::redis::Pool& pool) {
  std::vector<std::string> out;
  std::string cursor = "0";
  do {
    auto page = pool.Command({"SCAN", cursor, "COUNT", "2000"});
    if (!page.ok() || page->elements.size() != 2) {
      ADD_FAILURE() << "SCAN failed";
      return out;
    }
    cursor = page->elements[0].str;
    std::vector<std::vector<std::string>> types;
    for (const auto& k : page->elements[1].elements) types.push_back({"TYPE", k.str});
    auto typed = pool.Pipeline(types);
    if (!typed.ok()) continue;
    std::vector<std::vector<std::string>> reads;
    for (size_t i = 0; i < types.size(); ++i) {
      const std::string& key = types[i][1];
      out.push_back(key);
      const std::string type = (*typed)[i].ok() ? (*typed)[i]->str : "";
      if (type == "string") reads.push_back({"GET", key});
      else if (type == "hash") reads.push_back({"HGETALL", key});
      else if (type == "list") reads.push_back({"LRANGE", key, "0", "-1"});
      else if (type == "set") reads.push_back({"SMEMBERS", key});
      else if (type == "zset") reads.push_back({"ZRANGE", key, "0", "-1"});
      else if (type == "stream") reads.push_back({"XRANGE", key, "-", "+"});
    }
    auto values = pool.Pipeline(reads);
    if (!values.ok()) continue;
    std::function<void(const platform::redis::Reply&)> flatten = [&](const platform::redis::Reply& r) {
      if (!r.str.empty()) out.push_back(r.str);
      for (const auto& e : r.elements) flatten(e);
    };
    for (const auto& v : *values) {
      if (v.ok()) flatten(*v);
    }
  } while (cursor != "0");
  return out;
}

TEST_F(GatewayE2eTest, NoPersonalDataInClearInRedis) {
  std::string office, service;
  PickOfficeAndService(0, &office, &service);
  const std::vector<v1::Slot> slots = Slots(office, service);
  ASSERT_GT(slots.size(), 42u);
  const std::string marker = UniqueName("pdtest");
  const std::string name = absl::StrCat("Zelda ", marker);
  const std::string email = absl::StrCat(marker, "@example.org");
  const std::string phone = "+49 431 5550199";
  const std::string body = absl::StrCat(
      R"({"office":")", office, R"(","services":[{"id":")", service, R"(","quantity":1}],"start":")",
      slots[41].start(), R"(","name":")", name, R"(","email":")", email, R"(","phone":")", phone,
      R"("})");
  // With an Idempotency-Key: the gateway keeps the answer (token, name, e-mail) for 24 h.
  Answer booked = Post("/api/v1/bookings", body, {{"Idempotency-Key", UniqueName("idem")}});
  ASSERT_EQ(booked.status, 201) << booked.body;
  const auto booking = Parse<v1::Booking>(booked);
  // The service still reads its sealed fields back.
  Answer read = Get("/api/v1/bookings/" + booking.code(), {{"X-Booking-Token", booking.token()}});
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(Parse<v1::Booking>(read).email(), email);
  EXPECT_EQ(Parse<v1::Booking>(read).name(), name);
  // A clerk's list too.
  Answer listed = Get(absl::StrCat("/api/v1/offices/", office, "/bookings?date=",
                                   slots[41].start().substr(0, 10)),
                      {{"Authorization", "Bearer " + sys->ClerkToken(office)}});
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_TRUE(absl::StrContains(listed.body, email));

  platform::redis::Pool pool(*platform::redis::Options::FromUrl(SharedServers().redis_url));
  const std::vector<std::string> contents = RedisContents(pool);
  ASSERT_FALSE(contents.empty());
  int leaks = 0;
  for (const std::string& text : contents) {
    for (const std::string& secret : {marker, phone, booking.token()}) {
      if (absl::StrContains(text, secret)) {
        ++leaks;
        ADD_FAILURE() << "in clear in Redis: " << secret << " in " << text.substr(0, 200);
      }
    }
  }
  EXPECT_EQ(leaks, 0);
}

TEST_F(GatewayE2eTest, ServicesServeTheirOwnMetrics) {
  std::string office, service;
  PickOfficeAndService(1, &office, &service);
  ASSERT_EQ(Get("/api/v1/offices").status, 200);
  // An unknown method must not become a label value.
  EXPECT_EQ(CallRaw(sys->appointments_addr(), "/evil.Service/Probe1234", {}),
            grpc::StatusCode::UNIMPLEMENTED);
  Answer metrics = Send(sys->metrics_port(), http::verb::get, "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_TRUE(absl::StrContains(metrics.body, R"(rathaus_grpc_server_handled_total{method="/rathaus.appointments.v1.Appointments/ListOffices",code="OK"})"))
      << metrics.body;
  EXPECT_TRUE(absl::StrContains(metrics.body, "rathaus_grpc_server_handling_seconds_bucket"));
  EXPECT_TRUE(absl::StrContains(metrics.body, "rathaus_outbox_depth "));
  EXPECT_TRUE(absl::StrContains(metrics.body, "rathaus_outbox_oldest_age_seconds "));
  EXPECT_TRUE(absl::StrContains(metrics.body, "rathaus_relay_published_total "));
  EXPECT_FALSE(absl::StrContains(metrics.body, "Probe1234"));
  EXPECT_EQ(Send(sys->metrics_port(), http::verb::get, "/other").status, 404);
}


// mTLS between gateway and service with certificates that are renewed under the running
// processes (cert-manager, a rotated Secret): both watch their files. The service's connections
// are aged out quickly here, so new handshakes show which certificates are in use.
TEST_F(GatewayE2eTest, MutualTlsCertificatesAreRenewedWithoutARestart) {
  const std::string dir = absl::StrCat(::testing::TempDir(), "/e2e_tls_", getpid());
  auto openssl = [&](const std::string& command) {
    return RunTool(absl::StrCat("cd ", dir, " && ", command, " 2>&1"));
  };
  RunTool(absl::StrCat("rm -rf ", dir, " && mkdir -p ", dir));
  auto make_ca = [&](const std::string& name) {
    openssl(absl::StrCat("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ", name,
                         ".key -out ", name, ".crt -subj /CN=", name, " -days 1"));
  };
  auto issue = [&](const std::string& ca, const std::string& name, const std::string& ext) {
    openssl(absl::StrCat("printf '", ext, "' > ", name, ".ext && openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ",
                         name, ".key -out ", name, ".csr -subj /CN=", name, " && openssl x509 -req -in ", name,
                         ".csr -CA ", ca, ".crt -CAkey ", ca, ".key -CAcreateserial -out ", name,
                         ".crt -days 1 -extfile ", name, ".ext"));
  };
  make_ca("ca1");
  make_ca("ca2");
  issue("ca1", "svc1", "subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n");
  issue("ca2", "svc2", "subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n");
  issue("ca1", "gw1", "extendedKeyUsage=clientAuth\\n");
  // The files the processes watch; replaced atomically (mv), like a Secret volume's swap.
  openssl("cp svc1.crt svc.crt && cp svc1.key svc.key && cp ca1.crt client-ca.crt && "
          "cp gw1.crt gw.crt && cp gw1.key gw.key && cp ca1.crt roots.crt && chmod 0600 *.key");
  ASSERT_TRUE(std::ifstream(dir + "/svc2.crt").good()) << openssl("ls -l");

  std::unique_ptr<Child> service;
  const int service_port = sys->StartService(
      {{"RATHAUS_GRPC_TLS_CERT_FILE", dir + "/svc.crt"}, {"RATHAUS_GRPC_TLS_KEY_FILE", dir + "/svc.key"},
       {"RATHAUS_GRPC_TLS_CLIENT_CA_FILE", dir + "/client-ca.crt"},
       {"RATHAUS_GRPC_TLS_RELOAD_INTERVAL", "1s"}, {"RATHAUS_GRPC_MAX_CONNECTION_AGE", "2s"}},
      &service);
  std::unique_ptr<Child> gateway;
  const int port = sys->StartGateway(
      {{"RATHAUS_APPOINTMENTS_ADDR", absl::StrCat("127.0.0.1:", service_port)},
       {"RATHAUS_GATEWAY_TLS_CA_FILE", dir + "/roots.crt"}, {"RATHAUS_GATEWAY_TLS_CERT_FILE", dir + "/gw.crt"},
       {"RATHAUS_GATEWAY_TLS_KEY_FILE", dir + "/gw.key"}, {"RATHAUS_GATEWAY_TLS_RELOAD_INTERVAL", "1s"}},
      &gateway, /*ready_wanted=*/false);
  auto offices = [&] { return Send(port, http::verb::get, "/api/v1/offices").status; };
  ASSERT_TRUE(WaitFor([&] { return offices() == 200; }, absl::Seconds(30)))
      << "no call over mTLS\n" << gateway->Stderr() << "\n" << service->Stderr();

  // The service gets a certificate from another CA: the gateway, trusting only ca1, must refuse
  // it on the next handshake (this shows the service took the new files) ...
  openssl("cp svc2.crt svc.crt.new && cp svc2.key svc.key.new && mv svc.key.new svc.key && mv svc.crt.new svc.crt");
  EXPECT_TRUE(WaitFor([&] { return offices() == 503; }, absl::Seconds(30)))
      << "the service still presents its old certificate";
  // ... until the gateway's roots gain ca2 (this shows the gateway took its new file).
  openssl("cat ca1.crt ca2.crt > roots.crt.new && mv roots.crt.new roots.crt");
  EXPECT_TRUE(WaitFor([&] { return offices() == 200; }, absl::Seconds(30)))
      << "the gateway did not take its renewed roots\n" << gateway->Stderr();
  RunTool(absl::StrCat("rm -rf ", dir));
}

// With RATHAUS_METRICS_LISTEN (the chart sets it) the gateway's metrics are on their own port
// only: the public HTTP port, which an Ingress routes, answers /metrics with 404.
TEST_F(GatewayE2eTest, MetricsOnTheirOwnPortAreNotPublic) {
  const int metrics_port = FreePort();
  std::unique_ptr<Child> gateway;
  const int port = sys->StartGateway(
      {{"RATHAUS_METRICS_LISTEN", absl::StrCat("127.0.0.1:", metrics_port)}}, &gateway);
  ASSERT_EQ(Send(port, http::verb::get, "/api/v1/offices").status, 200);
  Answer public_metrics = Send(port, http::verb::get, "/metrics");
  EXPECT_EQ(public_metrics.status, 404) << public_metrics.body;
  EXPECT_FALSE(absl::StrContains(public_metrics.body, "rathaus_gateway_http_requests_total"));
  Answer own = Send(metrics_port, http::verb::get, "/metrics");
  ASSERT_EQ(own.status, 200);
  EXPECT_TRUE(absl::StrContains(own.body, R"(rathaus_gateway_http_requests_total{method="GET",route="/api/v1/offices")"))
      << own.body.substr(0, 2000);
}

// One gateway, two replicas of a service: calls spread over both (round-robin over the target's
// addresses), not pinned to one connection. In a cluster the target is a headless Service
// ("dns:///rathaus-appointments-headless.<namespace>.svc:50051"); here a fixed list.
TEST_F(GatewayE2eTest, CallsSpreadOverReplicas) {
  std::unique_ptr<Child> first, second;
  const int metrics_a = FreePort(), metrics_b = FreePort();
  const int port_a = sys->StartService({{"RATHAUS_METRICS_LISTEN", absl::StrCat("127.0.0.1:", metrics_a)}}, &first);
  const int port_b = sys->StartService({{"RATHAUS_METRICS_LISTEN", absl::StrCat("127.0.0.1:", metrics_b)}}, &second);
  std::unique_ptr<Child> gateway;
  const int port = sys->StartGateway(
      {{"RATHAUS_APPOINTMENTS_ADDR", absl::StrCat("ipv4:127.0.0.1:", port_a, ",127.0.0.1:", port_b)}},
      &gateway);
  // Both replicas ready before counting (the gateway is ready when one answers).
  for (int p : {port_a, port_b}) {
    ASSERT_TRUE(WaitFor([&] { return CallRaw(absl::StrCat("127.0.0.1:", p), "/grpc.health.v1.Health/Check", {}) == grpc::StatusCode::OK; },
                        absl::Seconds(60)));
  }
  absl::SleepFor(absl::Seconds(1));  // the gateway's connections to both
  constexpr int kCalls = 60;
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_EQ(Send(port, http::verb::get, "/api/v1/bookings/ZZZZZZZZ", "", {{"X-Booking-Token", "x"}}).status, 404);
  }
  auto calls = [](int metrics_port) {
    const std::string body = Send(metrics_port, http::verb::get, "/metrics").body;
    const std::string key =
        R"(rathaus_grpc_server_handled_total{method="/rathaus.appointments.v1.Appointments/GetBooking",code="NOT_FOUND"} )";
    const size_t at = body.find(key);
    return at == std::string::npos ? 0 : std::atoi(body.c_str() + at + key.size());
  };
  const int a = calls(metrics_a), b = calls(metrics_b);
  std::cout << "GetBooking calls: replica A " << a << ", replica B " << b << "\n";
  EXPECT_EQ(a + b, kCalls);
  EXPECT_GE(a, kCalls / 4) << "replica A got too few calls";
  EXPECT_GE(b, kCalls / 4) << "replica B got too few calls";
}

// The Ausweis-Lieferservice through the gateway: a clerk registers, the Fachverfahren imports
// statuses (ndjson), the citizen looks it up, the clerk hands it over.
TEST_F(GatewayE2eTest, IdDocumentFromApplicationToHandover) {
  const std::map<std::string, std::string> clerk = {
      {"Authorization", "Bearer " + sys->ClerkToken("kiel-mitte")}};
  const std::string serial = absl::StrCat("L", UniqueName("x").substr(2, 8));
  std::string upper = serial;
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  for (char& c : upper) if (c == 'O') c = '0';
  const std::string body = absl::StrCat(R"({"serial":")", serial,
                                        R"(","documentType":"PERSONALAUSWEIS","office":"kiel-mitte",)"
                                        R"("birthDate":"1990-05-17","delivery":"PICKUP"})");
  Answer created = Post("/api/v1/id-documents/applications", body, clerk);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_TRUE(absl::StrContains(created.body, "\"status\":\"APPLIED\"")) << created.body;
  EXPECT_FALSE(absl::StrContains(created.body, upper)) << "no serial in the answer";
  const std::string id = created.body.substr(created.body.find("\"id\":\"") + 6, 36);
  EXPECT_EQ(Post("/api/v1/id-documents/applications", body, clerk).status, 409);
  Answer express = Post("/api/v1/id-documents/applications",
                        absl::StrCat(R"({"serial":"X12345678","documentType":"EXPRESS_REISEPASS",)"
                                     R"("office":"kiel-mitte","birthDate":"1990-05-17",)"
                                     R"("delivery":"DIRECT_DELIVERY"})"),
                        clerk);
  EXPECT_EQ(express.status, 422) << express.body;
  EXPECT_TRUE(absl::StrContains(express.body, "direct-delivery-not-allowed")) << express.body;
  EXPECT_EQ(Post("/api/v1/id-documents/applications", body).status, 401);
  EXPECT_EQ(Post("/api/v1/id-documents/applications",
                 absl::StrReplaceAll(body, {{"kiel-mitte", "kiel-gaarden"}}), clerk).status,
            403) << "a clerk of another office";

  // The citizen: in progress, with an estimate; a wrong birth date and an unknown serial alike.
  const std::string lookup = absl::StrCat(R"({"serial":")", serial, R"(","birthDate":"1990-05-17"})");
  Answer progress = Post("/api/v1/id-documents/status-lookup", lookup);
  ASSERT_EQ(progress.status, 200) << progress.body;
  EXPECT_TRUE(absl::StrContains(progress.body, "\"status\":\"IN_BEARBEITUNG\"")) << progress.body;
  EXPECT_TRUE(absl::StrContains(progress.body, "\"estimatedTo\":")) << progress.body;
  Answer wrong = Post("/api/v1/id-documents/status-lookup",
                      absl::StrCat(R"({"serial":")", serial, R"(","birthDate":"1990-05-18"})"));
  Answer unknown = Post("/api/v1/id-documents/status-lookup",
                        R"({"serial":"Z99999999","birthDate":"1990-05-17"})");
  EXPECT_EQ(wrong.status, 404);
  EXPECT_TRUE(absl::StrContains(wrong.body, "urn:rathaus:problem:document-unknown")) << wrong.body;
  auto without_instance = [](std::string b) {
    const size_t at = b.find("\"instance\"");
    if (at != std::string::npos) b.erase(at, b.find('"', b.find(':', at) + 2) - at + 1);
    return b;
  };
  EXPECT_EQ(without_instance(wrong.body), without_instance(unknown.body));

  // The Fachverfahren's import: only with an integrator token and as ndjson.
  const std::map<std::string, std::string> integrator = {
      {"Authorization", "Bearer " + sys->IntegratorToken()},
      {"Content-Type", "application/x-ndjson"}};
  const absl::Time t0 = absl::Now();
  std::string ndjson;
  int k = 0;
  for (const char* st : {"TRANSMITTED", "IN_PRODUCTION", "SHIPPED_TO_OFFICE", "ARRIVED",
                         "READY_FOR_PICKUP"}) {
    absl::StrAppend(&ndjson, R"({"serial":")", serial, R"(","status":")", st, R"(","at":")",
                    absl::FormatTime(absl::RFC3339_sec, t0 + absl::Seconds(++k), absl::UTCTimeZone()),
                    "\"}\n");
  }
  absl::StrAppend(&ndjson, "this is not json\n");
  Answer imported = Post("/api/v1/id-documents/status-updates", ndjson, integrator);
  ASSERT_EQ(imported.status, 200) << imported.body;
  EXPECT_TRUE(absl::StrContains(imported.body, "\"accepted\":5")) << imported.body;
  EXPECT_TRUE(absl::StrContains(imported.body, "\"line\":6")) << imported.body;
  Answer again = Post("/api/v1/id-documents/status-updates", ndjson, integrator);
  EXPECT_TRUE(absl::StrContains(again.body, "\"duplicates\":5")) << again.body;
  EXPECT_EQ(Post("/api/v1/id-documents/status-updates", ndjson,
                 {{"Authorization", clerk.at("Authorization")}, {"Content-Type", "application/x-ndjson"}})
                .status,
            403) << "a clerk is not the Fachverfahren";
  EXPECT_EQ(Post("/api/v1/id-documents/status-updates", ndjson,
                 {{"Authorization", integrator.at("Authorization")}}).status,
            415);

  Answer ready = Post("/api/v1/id-documents/status-lookup", lookup);
  ASSERT_EQ(ready.status, 200);
  EXPECT_TRUE(absl::StrContains(ready.body, "\"status\":\"BEREIT_ZUR_ABHOLUNG\"")) << ready.body;
  const size_t code_at = ready.body.find("\"pickupCode\":\"");
  ASSERT_NE(code_at, std::string::npos) << ready.body;
  const std::string code = ready.body.substr(code_at + 14, 8);
  EXPECT_EQ(code.find('"'), std::string::npos) << ready.body;

  // appointments learns the code from DocumentReadyForPickup (Kafka) and books the pickup once.
  const std::vector<v1::Slot> slots = Slots("kiel-mitte", "ausweis-abholen");
  ASSERT_GT(slots.size(), 10u);
  auto pickup_body = [&](const std::string& start, const std::string& with_code) {
    return absl::StrCat(R"({"office":"kiel-mitte","services":[{"id":"ausweis-abholen","quantity":1}],)"
                        R"("start":")", start, R"(","name":"Erika Mustermann","email":")",
                        UniqueName("pickup"), R"(@example.org")",
                        with_code.empty() ? "" : absl::StrCat(R"(,"pickupCode":")", with_code, "\""),
                        "}");
  };
  Answer no_code = Post("/api/v1/bookings", pickup_body(slots[3].start(), ""));
  EXPECT_EQ(no_code.status, 422) << no_code.body;
  EXPECT_TRUE(absl::StrContains(no_code.body, "pickup-code-invalid")) << no_code.body;
  Answer pickup;
  ASSERT_TRUE(WaitFor(
      [&] {
        pickup = Post("/api/v1/bookings", pickup_body(slots[3].start(), code));
        return pickup.status == 201;
      },
      absl::Seconds(30)))
      << pickup.status << " " << pickup.body;
  const auto pickup_booking = Parse<v1::Booking>(pickup);
  Answer twice = Post("/api/v1/bookings", pickup_body(slots[5].start(), code));
  EXPECT_EQ(twice.status, 422) << "one booking per code: " << twice.body;

  Answer list = Get("/api/v1/offices/kiel-mitte/id-documents?status=READY_FOR_PICKUP", clerk);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_TRUE(absl::StrContains(list.body, id)) << list.body;
  Answer handed = Post(absl::StrCat("/api/v1/id-documents/", id, "/handover"),
                       R"({"oldDocumentInvalidated":true,"proxy":null})", clerk);
  ASSERT_EQ(handed.status, 200) << handed.body;
  EXPECT_TRUE(absl::StrContains(handed.body, "\"status\":\"HANDED_OVER\"")) << handed.body;
  EXPECT_EQ(Post(absl::StrCat("/api/v1/id-documents/", id, "/handover"),
                 R"({"oldDocumentInvalidated":true})", clerk).status,
            409);
  // The handover reaches appointments: the pickup booking is done and its time free again.
  const std::map<std::string, std::string> booking_token = {{"X-Booking-Token", pickup_booking.token()}};
  Answer after;
  EXPECT_TRUE(WaitFor(
      [&] {
        after = Get("/api/v1/bookings/" + pickup_booking.code(), booking_token);
        return absl::StrContains(after.body, "\"status\":\"done\"");
      },
      absl::Seconds(30)))
      << after.body;
  Answer done = Post("/api/v1/id-documents/status-lookup", lookup);
  EXPECT_TRUE(absl::StrContains(done.body, "\"status\":\"AUSGEHAENDIGT\"")) << done.body;
  EXPECT_FALSE(absl::StrContains(done.body, code)) << "no pickup code once handed over: " << done.body;

  // The e-file has the application's Vorgang in 32.20 (Pass- und Ausweiswesen), its status
  // history as documents, closed by the handover; a file clerk of the office sees it.
  const std::map<std::string, std::string> file_clerk = {
      {"Authorization", "Bearer " + sys->FileClerkToken("kiel-mitte", "fritz")}};
  Answer filed;
  EXPECT_TRUE(WaitFor(
      [&] {
        filed = Get("/api/v1/files?q=" + id, file_clerk);
        return absl::StrContains(filed.body, "\"status\":\"CLOSED\"");
      },
      absl::Seconds(60)))
      << filed.body;
  EXPECT_TRUE(absl::StrContains(filed.body, "\"item\":\"32.20\"")) << filed.body;
  EXPECT_TRUE(absl::StrContains(filed.body, "\"accessClass\":\"personenbezogen\"")) << filed.body;
  EXPECT_FALSE(absl::StrContains(filed.body, serial)) << "the serial number never reaches the e-file";
  EXPECT_FALSE(absl::StrContains(filed.body, upper));
}


// Enumeration: 1,000 lookups of random serials and 1,000 of a known serial with wrong birth dates
// get the same answer (status and body but for the request's own instance), and take the same
// time (medians, interleaved so that drift hits both alike; printed, and checked within a margin
// far below what a second Redis round trip or a different code path would add).
TEST_F(GatewayE2eTest, UnknownSerialAndWrongBirthDateLookTheSame) {
  const std::map<std::string, std::string> clerk = {
      {"Authorization", "Bearer " + sys->ClerkToken("kiel-mitte")}};
  std::string serial = "E" + UniqueName("e").substr(2, 8);
  for (char& c : serial) c = static_cast<char>(std::toupper(c));
  for (char& c : serial) if (c == 'O') c = '0';
  ASSERT_EQ(Post("/api/v1/id-documents/applications",
                 absl::StrCat(R"({"serial":")", serial, R"(","documentType":"REISEPASS",)"
                              R"("office":"kiel-mitte","birthDate":"1980-02-29"})"),
                 clerk).status,
            201);
  auto strip = [](std::string b) {  // the instance member names the request, nothing else
    const size_t at = b.find("\"instance\":\"");
    if (at != std::string::npos) b.erase(at, b.find('"', at + 12) - at + 1);
    return b;
  };
  std::set<std::string> bodies;
  std::vector<double> unknown_ms, wrong_ms;
  absl::BitGen gen;
  constexpr char kAlphabet[] = "0123456789CFGHJKLMNPRTVWXYZ";
  for (int i = 0; i < 1000; ++i) {
    std::string random = "Z";
    for (int k = 0; k < 8; ++k) random.push_back(kAlphabet[absl::Uniform(gen, 0u, sizeof(kAlphabet) - 1)]);
    const std::string wrong_day = absl::StrFormat("19%02d-%02d-%02d", 50 + i % 40, 1 + i % 12, 1 + i % 28);
    for (int turn = 0; turn < 2; ++turn) {
      const int which = (turn + i) % 2;  // each kind first every other time
      const std::string body = which == 0
          ? absl::StrCat(R"({"serial":")", random, R"(","birthDate":"1980-02-29"})")
          : absl::StrCat(R"({"serial":")", serial, R"(","birthDate":")", wrong_day, R"("})");
      const absl::Time t = absl::Now();
      Answer a = Post("/api/v1/id-documents/status-lookup", body);
      (which == 0 ? unknown_ms : wrong_ms).push_back(absl::ToDoubleMilliseconds(absl::Now() - t));
      ASSERT_EQ(a.status, 404) << a.body;
      bodies.insert(strip(a.body));
    }
  }
  EXPECT_EQ(bodies.size(), 1u) << "different answers: " << *bodies.begin() << " vs " << *bodies.rbegin();
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  const double mu = median(unknown_ms), mw = median(wrong_ms);
  std::cout << "median lookup: unknown serial " << mu << " ms, wrong birth date " << mw << " ms\n";
  EXPECT_LT(std::abs(mu - mw), std::max(0.25, 0.15 * std::min(mu, mw)));
}


// Integrators on gRPC: the same import as a client stream, straight to the service, with the
// integrator's token (the service checks it itself).
TEST_F(GatewayE2eTest, StatusImportAsAGrpcClientStream) {
  const std::map<std::string, std::string> clerk = {
      {"Authorization", "Bearer " + sys->ClerkToken("kiel-mitte")}};
  std::string serial = "S" + UniqueName("s").substr(2, 8);
  for (char& c : serial) c = static_cast<char>(std::toupper(c));
  for (char& c : serial) if (c == 'O') c = '0';
  ASSERT_EQ(Post("/api/v1/id-documents/applications",
                 absl::StrCat(R"({"serial":")", serial, R"(","documentType":"EID_KARTE",)"
                              R"("office":"kiel-mitte","birthDate":"1975-07-01"})"),
                 clerk).status,
            201);
  auto channel = grpc::CreateChannel(sys->id_documents_addr(), grpc::InsecureChannelCredentials());
  auto stub = rathaus::id_documents::v1::IdDocuments::NewStub(channel);
  auto import = [&](const std::string& token, rathaus::id_documents::v1::ImportStatusUpdatesResponse* out) {
    grpc::ClientContext ctx;
    if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
    auto writer = stub->StreamStatusUpdates(&ctx, out);
    const absl::Time t0 = absl::Now();
    int k = 0;
    for (const char* st : {"TRANSMITTED", "IN_PRODUCTION", "BOGUS"}) {
      rathaus::id_documents::v1::StatusUpdate u;
      u.set_serial(serial);
      u.set_status(st);
      u.set_at(absl::FormatTime(absl::RFC3339_sec, t0 + absl::Seconds(++k), absl::UTCTimeZone()));
      writer->Write(u);
    }
    writer->WritesDone();
    return writer->Finish();
  };
  rathaus::id_documents::v1::ImportStatusUpdatesResponse denied;
  EXPECT_EQ(import("", &denied).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  rathaus::id_documents::v1::ImportStatusUpdatesResponse done;
  grpc::Status s = import(sys->IntegratorToken(), &done);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(done.accepted(), 2);
  ASSERT_EQ(done.rejected_size(), 1);
  EXPECT_EQ(done.rejected(0).line(), 3);
}

}  // namespace
}  // namespace rathaus::testing
