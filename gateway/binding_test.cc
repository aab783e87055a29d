#include "gateway/binding.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gateway/problem.h"
#include "rathaus/appointments/v1/appointments.pb.h"

namespace rathaus::gateway {
namespace {

namespace v1 = rathaus::appointments::v1;
using ::testing::HasSubstr;

const RouteTable& Table() {
  static const RouteTable table = *RouteTable::FromServices(
      {v1::Booking::descriptor()->file()->FindServiceByName("Appointments")});
  return table;
}

const Route& RouteFor(const char* method, const char* path) {
  RouteMatch m = Table().Match(method, path);
  EXPECT_EQ(m.kind, RouteMatch::Kind::kFound) << path;
  return *m.route;
}

Problem ProblemOf(const absl::Status& s) { return ProblemFromStatus(s); }

TEST(BindingTest, QueryBindsScalarFields) {
  v1::ListServicesRequest request;
  ASSERT_TRUE(BindRequest(RouteFor("GET", "/api/v1/services"), {{}, "office=kiel-mitte", ""},
                          &request)
                  .ok());
  EXPECT_EQ(request.office(), "kiel-mitte");
}

TEST(BindingTest, QueryIsPercentDecoded) {
  v1::ListServicesRequest request;
  ASSERT_TRUE(BindRequest(RouteFor("GET", "/api/v1/services"), {{}, "office=kiel%2Dmitte+x", ""},
                          &request)
                  .ok());
  EXPECT_EQ(request.office(), "kiel-mitte x");
}

TEST(BindingTest, AvailabilityPairsServicesAndQuantities) {
  v1::GetAvailabilityRequest request;
  ASSERT_TRUE(BindRequest(RouteFor("GET", "/api/v1/availability"),
                          {{},
                           "office=o&service=pass&quantity=3&service=ausweis&service=melde&"
                           "quantity=2&from=2026-12-01&to=2026-12-07",
                           ""},
                          &request)
                  .ok());
  ASSERT_EQ(request.services_size(), 3);
  EXPECT_EQ(request.services(0).id(), "pass");
  EXPECT_EQ(request.services(0).quantity(), 3);
  EXPECT_EQ(request.services(1).id(), "ausweis");
  EXPECT_EQ(request.services(1).quantity(), 1);
  EXPECT_EQ(request.services(2).id(), "melde");
  EXPECT_EQ(request.services(2).quantity(), 2);
  EXPECT_EQ(request.from(), "2026-12-01");
  EXPECT_EQ(request.to(), "2026-12-07");
}

TEST(BindingTest, AvailabilityRejectsAQuantityWithoutItsService) {
  const Route& route = RouteFor("GET", "/api/v1/availability");
  for (const char* query : {"quantity=2&service=a", "service=a&quantity=2&quantity=3",
                            "service=a&quantity=x"}) {
    v1::GetAvailabilityRequest request;
    Problem p = ProblemOf(BindRequest(route, {{}, query, ""}, &request));
    EXPECT_EQ(p.status, 400) << query;
    EXPECT_EQ(p.field, "quantity") << query;
  }
}

TEST(BindingTest, UnknownAndBadQueryParametersAre400) {
  const Route& route = RouteFor("GET", "/api/v1/availability");
  v1::GetAvailabilityRequest request;
  Problem p = ProblemOf(BindRequest(route, {{}, "office=a&colour=red", ""}, &request));
  EXPECT_EQ(p.status, 400);
  EXPECT_EQ(p.field, "colour");
  EXPECT_EQ(p.type, "urn:rathaus:problem:invalid-query");

  p = ProblemOf(BindRequest(route, {{}, "office=a&office=b", ""}, &request));
  EXPECT_EQ(p.field, "office");
  p = ProblemOf(BindRequest(route, {{}, "office=%zz", ""}, &request));
  EXPECT_EQ(p.status, 400);
  p = ProblemOf(BindRequest(route, {{}, "office=%4", ""}, &request));
  EXPECT_EQ(p.status, 400);
}

TEST(BindingTest, TokenNeverComesFromTheQueryOrBody) {
  v1::GetBookingRequest get;
  Problem p = ProblemOf(
      BindRequest(RouteFor("GET", "/api/v1/bookings/ABC"), {{{"code", "ABC"}}, "token=x", ""}, &get));
  EXPECT_EQ(p.status, 400);
  EXPECT_EQ(p.field, "token");

  v1::RescheduleBookingRequest reschedule;
  p = ProblemOf(BindRequest(RouteFor("POST", "/api/v1/bookings/ABC/reschedule"),
                            {{{"code", "ABC"}}, "", R"({"start":"x","token":"t"})"}, &reschedule));
  EXPECT_EQ(p.status, 400);
  EXPECT_EQ(p.field, "token");
  p = ProblemOf(BindRequest(RouteFor("POST", "/api/v1/bookings/ABC/reschedule"),
                            {{{"code", "ABC"}}, "", R"({"start":"x","code":"OTHER"})"},
                            &reschedule));
  EXPECT_EQ(p.field, "code");
}

TEST(BindingTest, PathParametersAndBody) {
  v1::ConfirmReservationRequest request;
  ASSERT_TRUE(BindRequest(RouteFor("POST", "/api/v1/reservations/r1/confirm"),
                          {{{"reservation_id", "r1"}}, "",
                           R"({"name":"Erika Mustermann","email":"erika@example.org"})"},
                          &request)
                  .ok());
  EXPECT_EQ(request.reservation_id(), "r1");
  EXPECT_EQ(request.name(), "Erika Mustermann");
  EXPECT_EQ(request.email(), "erika@example.org");
}

TEST(BindingTest, BodyRoutesTakeNoQuery) {
  v1::ReserveRequest request;
  Problem p = ProblemOf(BindRequest(RouteFor("POST", "/api/v1/reservations"),
                                    {{}, "office=x", R"({"office":"a"})"}, &request));
  EXPECT_EQ(p.status, 400);
  EXPECT_EQ(p.field, "office");
}

TEST(JsonTest, UnknownFieldsAreRejectedByName) {
  v1::ReserveRequest request;
  Problem p = ProblemOf(JsonToMessage(R"({"office":"a","colour":"red"})", &request));
  EXPECT_EQ(p.status, 400);
  EXPECT_EQ(p.type, "urn:rathaus:problem:unknown-field");
  EXPECT_EQ(p.field, "colour");

  p = ProblemOf(JsonToMessage(R"({"services":[{"id":"a","qty":2}]})", &request));
  EXPECT_EQ(p.field, "services[0].qty");
}

TEST(JsonTest, WrongTypesNameTheField) {
  v1::ReserveRequest request;
  Problem p = ProblemOf(JsonToMessage(R"({"office":1})", &request));
  EXPECT_EQ(p.status, 400);
  EXPECT_EQ(p.field, "office");
  EXPECT_THAT(p.detail, HasSubstr("must be a string"));

  p = ProblemOf(JsonToMessage(R"({"services":[{"id":"a","quantity":"many"}]})", &request));
  EXPECT_EQ(p.field, "services[0].quantity");
  EXPECT_THAT(p.detail, HasSubstr("must be an integer"));
}

TEST(JsonTest, MalformedJson) {
  for (const char* json : {"{\"office\":", "[1]", "not json", "", "{\"a\" 1}"}) {
    v1::ReserveRequest request;
    Problem p = ProblemOf(JsonToMessage(json, &request));
    EXPECT_EQ(p.status, 400) << json;
    EXPECT_FALSE(p.detail.empty());
    EXPECT_THAT(p.detail, ::testing::Not(HasSubstr("\n")));
  }
}

TEST(JsonTest, AcceptsJsonAndProtoFieldNames) {
  v1::ConfirmReservationRequest request;
  ASSERT_TRUE(JsonToMessage(R"({"reservationId":"a"})", &request).ok());
  EXPECT_EQ(request.reservation_id(), "a");
  ASSERT_TRUE(JsonToMessage(R"({"reservation_id":"b"})", &request).ok());
  EXPECT_EQ(request.reservation_id(), "b");
}

TEST(JsonTest, PrintsJsonNamesAndZeroes) {
  v1::GetAvailabilityResponse response;
  v1::Slot* slot = response.add_slots();
  slot->set_start("2026-12-01T09:00:00+01:00");
  slot->set_end("2026-12-01T09:15:00+01:00");
  slot->set_free(0);
  EXPECT_EQ(MessageToJson(response),
            R"({"slots":[{"start":"2026-12-01T09:00:00+01:00","end":"2026-12-01T09:15:00+01:00","free":0}]})");
  v1::Service service;
  service.set_duration_minutes(15);
  EXPECT_THAT(MessageToJson(service), HasSubstr(R"("durationMinutes":15)"));
  EXPECT_THAT(MessageToJson(service), HasSubstr(R"("maxQuantity":0)"));
}

TEST(QueryTest, Parse) {
  auto q = ParseQuery("a=1&b=&c&d=x%26y&&e=%C3%A4");
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->size(), 5u);
  EXPECT_EQ((*q)[1].second, "");
  EXPECT_EQ((*q)[2].first, "c");
  EXPECT_EQ((*q)[3].second, "x&y");
  EXPECT_EQ((*q)[4].second, "ä");
  EXPECT_FALSE(ParseQuery("=x").ok());
}

}  // namespace
}  // namespace rathaus::gateway
