#include "gateway/binding.h"

#include <cmath>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/problem.h"
#include "rathaus/appointments/v1/appointments.pb.h"
#include "rathaus/testing/v1/json_kinds.pb.h"

namespace rathaus::gateway {
namespace {

namespace v1 = rathaus::appointments::v1;
namespace testing_v1 = rathaus::testing::v1;
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

// protobuf's parser on its own takes an object for a repeated field as its one element, so
// this booked an appointment.
TEST(JsonTest, ObjectForARepeatedFieldIsRejected) {
  const Route& route = RouteFor("POST", "/api/v1/bookings");
  v1::BookRequest request;
  Problem p = ProblemOf(BindRequest(
      route, {{}, "", R"({"office":"o","services":{"id":"x"},"start":"s","name":"n"})"},
      &request));
  EXPECT_EQ(p.status, 400);
  EXPECT_EQ(p.type, "urn:rathaus:problem:invalid-argument");
  EXPECT_EQ(p.field, "services");
  EXPECT_THAT(p.detail, HasSubstr("\"services\" must be a list"));
}

TEST(JsonTest, WrongJsonKindsNameTheField) {
  struct Case {
    const char* json;
    const char* field;
    const char* must_be;
  };
  const Case cases[] = {
      {R"({"office":["a"]})", "office", "a string"},
      {R"({"office":{"id":"a"}})", "office", "a string"},
      {R"({"office":true})", "office", "a string"},
      {R"({"services":"pass"})", "services", "a list"},
      {R"({"services":["pass"]})", "services[0]", "an object"},
      {R"({"services":[{"id":"a"},[{"id":"b"}]]})", "services[1]", "an object"},
      {R"({"services":[{"id":["a"]}]})", "services[0].id", "a string"},
      {R"({"services":[{"id":"a","quantity":{"n":2}}]})", "services[0].quantity", "an integer"},
      {R"({"services":[{"id":"a","quantity":[2]}]})", "services[0].quantity", "an integer"},
      {R"({"services":[{"id":"a","quantity":true}]})", "services[0].quantity", "an integer"},
  };
  for (const Case& c : cases) {
    v1::ReserveRequest request;
    Problem p = ProblemOf(JsonToMessage(c.json, &request));
    EXPECT_EQ(p.status, 400) << c.json;
    EXPECT_EQ(p.type, "urn:rathaus:problem:invalid-argument") << c.json;
    EXPECT_EQ(p.field, c.field) << c.json;
    EXPECT_THAT(p.detail, HasSubstr(absl::StrCat("\"", c.field, "\" must be ", c.must_be)))
        << c.json;
  }
}

TEST(JsonTest, WrongJsonKindsOfEveryFieldKind) {
  struct Case {
    const char* json;
    const char* field;
  };
  const Case cases[] = {
      {R"({"text":1})", "text"},
      {R"({"text":["a"]})", "text"},
      {R"({"data":1})", "data"},
      {R"({"i32":{}})", "i32"},
      {R"({"i32":true})", "i32"},
      {R"({"i64":[1]})", "i64"},
      {R"({"u64":false})", "u64"},
      {R"({"s32":{}})", "s32"},
      {R"({"f64":[]})", "f64"},
      {R"({"real":true})", "real"},
      {R"({"smallReal":{}})", "smallReal"},
      {R"({"flag":"true"})", "flag"},
      {R"({"flag":1})", "flag"},
      {R"({"colour":true})", "colour"},
      {R"({"colour":{}})", "colour"},
      {R"({"colour":["COLOUR_RED"]})", "colour"},
      {R"({"item":"x"})", "item"},
      {R"({"item":[{"id":"a"}]})", "item"},
      {R"({"item":{"parts":{"id":"a"}}})", "item.parts"},
      {R"({"item":{"parts":[{"parts":[{"quantity":[]}]}]}})", "item.parts[0].parts[0].quantity"},
      {R"({"items":{"id":"a"}})", "items"},
      {R"({"items":[{"id":"a"},{"id":1}]})", "items[1].id"},
      {R"({"tags":"a"})", "tags"},
      {R"({"tags":["a",1]})", "tags[1]"},
      {R"({"tags":[["a"]]})", "tags[0]"},
      {R"({"numbers":[true]})", "numbers[0]"},
      {R"({"colours":"COLOUR_RED"})", "colours"},
      {R"({"itemsByName":[{"id":"a"}]})", "itemsByName"},
      {R"({"itemsByName":{"a":"x"}})", "itemsByName[\"a\"]"},
      {R"({"itemsByName":{"a":{"quantity":{}}}})", "itemsByName[\"a\"].quantity"},
      {R"({"namesByNumber":{"1":2}})", "namesByNumber[\"1\"]"},
      {R"({"counts":{"a":[1]}})", "counts[\"a\"]"},
      {R"({"at":1})", "at"},
      {R"({"at":{"seconds":1}})", "at"},
      {R"({"wait":1.5})", "wait"},
      {R"({"mask":["text"]})", "mask"},
      {R"({"maybeI32":{}})", "maybeI32"},
      {R"({"maybeI64":true})", "maybeI64"},
      {R"({"maybeReal":[]})", "maybeReal"},
      {R"({"maybeFlag":"yes"})", "maybeFlag"},
      {R"({"maybeText":1})", "maybeText"},
      {R"({"maybeData":{}})", "maybeData"},
      {R"({"attributes":[]})", "attributes"},
      {R"({"attributes":"a"})", "attributes"},
      {R"({"list":{}})", "list"},
      {R"({"nothing":[]})", "nothing"},
      {R"({"packed":"x"})", "packed"},
      {R"({"times":"2026-01-01T00:00:00Z"})", "times"},
      {R"({"times":[1]})", "times[0]"},
      {R"({"values":[1]})", "values"},
      {R"({"choiceItem":"x"})", "choiceItem"},
      {R"({"small_real":{}})", "small_real"},
      {R"({"items_by_name":{"a":{"parts":{}}}})", "items_by_name[\"a\"].parts"},
  };
  for (const Case& c : cases) {
    testing_v1::Kinds kinds;
    Problem p = ProblemOf(JsonToMessage(c.json, &kinds));
    EXPECT_EQ(p.status, 400) << c.json;
    EXPECT_EQ(p.type, "urn:rathaus:problem:invalid-argument") << c.json;
    EXPECT_EQ(p.field, c.field) << c.json;
  }
}

// What the proto3 JSON mapping allows keeps working: integers and floats as strings, enums by
// name or number, null for any field, the well-known types in their JSON forms.
TEST(JsonTest, EveryKindTheMappingAllows) {
  testing_v1::Kinds kinds;
  ASSERT_TRUE(JsonToMessage(R"({
        "text": "a", "data": "AQI=", "i32": "-3", "i64": "9007199254740993", "u32": 7,
        "u64": "18446744073709551615", "s32": -1, "f64": "5", "real": "NaN", "smallReal": 1.5,
        "flag": true, "colour": "COLOUR_RED", "item": {"id": "x", "parts": [{"id": "y"}]},
        "items": [{"quantity": "2"}, {}], "tags": ["a", "b"], "numbers": [1, "2"],
        "colours": ["COLOUR_RED", 0], "itemsByName": {"a": {"id": "z"}},
        "namesByNumber": {"1": "one"}, "counts": {"a": "3", "b": 4},
        "at": "2026-12-01T09:00:00Z", "wait": "1.5s", "mask": "text,i32", "maybeI32": "5",
        "maybeI64": 6, "maybeReal": "Infinity", "maybeFlag": false, "maybeText": "t",
        "maybeData": "AQI=", "attributes": {"a": [1, {"b": null}], "c": "d"},
        "anything": [1, "x", {}], "list": [1, null, {"e": true}], "nothing": {},
        "packed": {"@type": "type.googleapis.com/google.protobuf.Duration", "value": "1s"},
        "times": ["2026-12-01T09:00:00Z"], "values": {"v": [1], "w": null, "x": "y"},
        "nullValue": null, "choiceText": "c"})",
                            &kinds)
                  .ok());
  EXPECT_EQ(kinds.i32(), -3);
  EXPECT_EQ(kinds.i64(), 9007199254740993);
  EXPECT_EQ(kinds.u64(), 18446744073709551615u);
  EXPECT_EQ(kinds.f64(), 5u);
  EXPECT_TRUE(std::isnan(kinds.real()));
  EXPECT_EQ(kinds.colour(), testing_v1::COLOUR_RED);
  ASSERT_EQ(kinds.items_size(), 2);
  EXPECT_EQ(kinds.items(0).quantity(), 2);
  ASSERT_EQ(kinds.numbers_size(), 2);
  EXPECT_EQ(kinds.numbers(1), 2);
  EXPECT_EQ(kinds.colours_size(), 2);
  EXPECT_EQ(kinds.items_by_name().at("a").id(), "z");
  EXPECT_EQ(kinds.names_by_number().at(1), "one");
  EXPECT_EQ(kinds.counts().at("a"), 3);
  EXPECT_EQ(kinds.at().seconds(), 1796115600);
  EXPECT_EQ(kinds.wait().nanos(), 500000000);
  EXPECT_EQ(kinds.mask().paths_size(), 2);
  EXPECT_EQ(kinds.maybe_i32().value(), 5);
  EXPECT_TRUE(kinds.has_maybe_flag());
  EXPECT_EQ(kinds.attributes().fields().at("c").string_value(), "d");
  EXPECT_EQ(kinds.list().values_size(), 3);
  EXPECT_TRUE(kinds.has_nothing());
  EXPECT_EQ(kinds.choice_text(), "c");

  testing_v1::Kinds nulls;
  ASSERT_TRUE(JsonToMessage(R"({
        "text": null, "data": null, "i32": null, "u64": null, "real": null, "flag": null,
        "colour": null, "item": null, "items": null, "tags": null, "itemsByName": null,
        "at": null, "wait": null, "maybeI32": null, "attributes": null, "list": null,
        "nothing": null, "packed": null, "times": null, "values": null, "anything": null})",
                            &nulls)
                  .ok());
  EXPECT_EQ(nulls.text(), "");
  EXPECT_FALSE(nulls.has_item());
  EXPECT_EQ(nulls.items_size(), 0);
  EXPECT_TRUE(nulls.anything().has_null_value());
}

// With a name twice in one object the parser keeps both values of a repeated field, so the
// second could bring in what the check of the first did not see.
TEST(JsonTest, ANameTwiceInOneObjectIsRejected) {
  for (const char* json : {R"({"services":[{"id":"a"}],"services":{"id":"x"}})",
                           R"({"office":"a","office":"b"})",
                           R"({"services":[{"id":"a","id":"b"}]})"}) {
    v1::ReserveRequest request;
    Problem p = ProblemOf(JsonToMessage(json, &request));
    EXPECT_EQ(p.status, 400) << json;
    EXPECT_EQ(p.type, "urn:rathaus:problem:malformed-json") << json;
    EXPECT_THAT(p.detail, HasSubstr("appears twice")) << json;
  }
}

// As deep as the parser takes a message, the kinds are checked (the generic tree of a deep body
// is five times deeper than the message).
TEST(JsonTest, DeepBodiesAreCheckedToTheBottom) {
  auto nested = [](int depth, const std::string& leaf) {
    std::string json = R"({"item":)";
    for (int i = 0; i < depth; ++i) json += R"({"parts":[)";
    json += leaf;
    for (int i = 0; i < depth; ++i) json += "]}";
    return json + "}";
  };
  testing_v1::Kinds kinds;
  ASSERT_TRUE(JsonToMessage(nested(97, R"({"id":"x"})"), &kinds).ok());
  Problem p = ProblemOf(JsonToMessage(nested(97, R"({"id":["x"]})"), &kinds));
  EXPECT_EQ(p.type, "urn:rathaus:problem:invalid-argument");
  EXPECT_TRUE(absl::EndsWith(p.field, ".parts[0].id")) << p.field;
}

// The kind check reads RFC 8259 JSON: escapes decode, and the loose syntax protobuf's reader
// would take (single quotes, trailing commas, leading zeros) is malformed.
TEST(JsonTest, StrictJsonSyntax) {
  v1::ReserveRequest request;
  ASSERT_TRUE(JsonToMessage(R"({"office":"K\u00f6ln \ud83d\ude00 \"x\"","services":[]})",
                            &request).ok());
  EXPECT_EQ(request.office(), "K\xc3\xb6ln \xf0\x9f\x98\x80 \"x\"");
  for (const char* json : {"{'office':'a'}", R"({"office":"a",})", R"({"services":[{"quantity":01}]})",
                           R"({"office":"a"} x)", R"({"office":"a\q"})"}) {
    Problem p = ProblemOf(JsonToMessage(json, &request));
    EXPECT_EQ(p.status, 400) << json;
    EXPECT_EQ(p.type, "urn:rathaus:problem:malformed-json") << json;
  }
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
