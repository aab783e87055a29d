#include "gateway/routes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rathaus/appointments/v1/appointments.pb.h"
#include "rathaus/e_invoice/v1/e_invoice.pb.h"
#include "rathaus/registrations/v1/registrations.pb.h"

namespace rathaus::gateway {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

RouteTable Appointments() {
  auto table = RouteTable::FromServices(
      {appointments::v1::Booking::descriptor()->file()->FindServiceByName("Appointments")});
  EXPECT_TRUE(table.ok()) << table.status();
  return *table;
}

TEST(RouteTableTest, InvoiceRoutesCarryTheirBodyLimitRoleAndProblemField) {
  auto table = RouteTable::FromServices(
      {appointments::v1::Booking::descriptor()->file()->FindServiceByName("Appointments"),
       e_invoice::v1::Invoice::descriptor()->file()->FindServiceByName("EInvoice")});
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->MaxBodyBytes("POST", "/api/v1/invoices"), 20u << 20);
  EXPECT_EQ(table->MaxBodyBytes("POST", "/api/v1/invoices?filename=a.xml"), 20u << 20);
  EXPECT_EQ(table->MaxBodyBytes("POST", "/api/v1/bookings"), 64u << 10);
  EXPECT_EQ(table->MaxBodyBytes("GET", "/nowhere"), 64u << 10);
  const RouteMatch submit = table->Match("POST", "/api/v1/invoices");
  ASSERT_EQ(submit.kind, RouteMatch::Kind::kFound);
  EXPECT_TRUE(submit.route->raw_body);
  EXPECT_EQ(submit.route->service, "rathaus.e_invoice.v1.EInvoice");
  EXPECT_EQ(submit.route->problem_field, "problem");
  EXPECT_EQ(submit.route->body_content_types,
            (std::vector<std::string>{"application/xml", "text/xml"}));
  const RouteMatch release = table->Match("POST", "/api/v1/invoices/abc/release");
  ASSERT_EQ(release.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(release.route->role, "invoice-clerk");
  const RouteMatch checkin = table->Match("POST", "/api/v1/bookings/ABC/check-in");
  ASSERT_EQ(checkin.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(checkin.route->role, "clerk");
}

TEST(RouteTableTest, DerivesEveryRouteFromTheProto) {
  RouteTable table = Appointments();
  EXPECT_EQ(table.routes().size(), 14u);
  const Route* book = nullptr;
  for (const Route& r : table.routes()) {
    if (r.path == "/api/v1/bookings" && r.http_method == "POST") book = &r;
  }
  ASSERT_NE(book, nullptr);
  EXPECT_EQ(book->grpc_method, "/rathaus.appointments.v1.Appointments/Book");
  EXPECT_EQ(book->body, "*");
  EXPECT_EQ(book->success_status, 201);
  EXPECT_EQ(book->rate_limit, "booking");
}

TEST(RouteTableTest, MatchesLiteralPaths) {
  RouteTable table = Appointments();
  RouteMatch m = table.Match("GET", "/api/v1/offices");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.route->grpc_method, "/rathaus.appointments.v1.Appointments/ListOffices");
  EXPECT_EQ(m.route->success_status, 200);
  EXPECT_TRUE(m.path_params.empty());
}

TEST(RouteTableTest, BindsPathParameters) {
  RouteTable table = Appointments();
  RouteMatch m = table.Match("GET", "/api/v1/bookings/K7M3Q9XP");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.route->auth, "booking-token");
  EXPECT_THAT(m.path_params, ElementsAre(Pair("code", "K7M3Q9XP")));

  m = table.Match("GET", "/api/v1/offices/kiel-mitte/bookings");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.route->auth, "clerk");
  EXPECT_THAT(m.path_params, ElementsAre(Pair("office", "kiel-mitte")));

  m = table.Match("POST", "/api/v1/reservations/r_123/confirm");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_THAT(m.path_params, ElementsAre(Pair("reservation_id", "r_123")));
}

TEST(RouteTableTest, LiteralSegmentsBeatParameters) {
  RouteTable table = Appointments();
  RouteMatch m = table.Match("GET", "/api/v1/bookings/K7M3Q9XP/calendar.ics");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_TRUE(m.route->raw_response);
  EXPECT_EQ(m.route->grpc_method, "/rathaus.appointments.v1.Appointments/GetBookingCalendar");
}

// A parameter with a literal suffix in its segment: /certificates/{person}.pdf.
TEST(RouteTableTest, ParameterWithASuffix) {
  auto table = RouteTable::FromServices(
      {registrations::v1::Registration::descriptor()->file()->FindServiceByName("Registrations")});
  ASSERT_TRUE(table.ok()) << table.status();
  const std::string id = "0b5c2a9e-5f7e-4d4a-9b1e-2f0c8d7a6e51";
  RouteMatch m = table->Match("GET", "/api/v1/registrations/" + id + "/certificates/2.pdf");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_TRUE(m.route->raw_response);
  EXPECT_EQ(m.route->role, "citizen");
  EXPECT_THAT(m.path_params, ElementsAre(Pair("id", id), Pair("person", "2")));
  EXPECT_EQ(table->Match("GET", "/api/v1/registrations/" + id + "/certificates/2").kind,
            RouteMatch::Kind::kNotFound);
  EXPECT_EQ(table->Match("GET", "/api/v1/registrations/" + id + "/certificates/.pdf").kind,
            RouteMatch::Kind::kNotFound);
  EXPECT_EQ(table->Match("GET", "/api/v1/registrations/" + id + "/certificates/a.b.pdf").kind,
            RouteMatch::Kind::kBadPathParameter);
  // The literal route beats /registrations/{id}.
  m = table->Match("GET", "/api/v1/registrations/certificates/K7M3Q9XP2W");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_THAT(m.path_params, ElementsAre(Pair("code", "K7M3Q9XP2W")));
}

TEST(RouteTableTest, WrongMethodListsTheAllowedOnes) {
  RouteTable table = Appointments();
  RouteMatch m = table.Match("PUT", "/api/v1/bookings/K7M3Q9XP");
  EXPECT_EQ(m.kind, RouteMatch::Kind::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "GET, DELETE");
  EXPECT_EQ(table.Match("GET", "/api/v1/reservations").allow, "POST");
}

TEST(RouteTableTest, UnknownPathsAreNotFound) {
  RouteTable table = Appointments();
  EXPECT_EQ(table.Match("GET", "/api/v1/nothing").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(table.Match("GET", "/api/v1/offices/").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(table.Match("GET", "/api/v2/offices").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(table.Match("GET", "").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(table.Match("GET", "/api/v1/bookings/a/b/c").kind, RouteMatch::Kind::kNotFound);
}

TEST(RouteTableTest, RejectsPathTraversalAndOddIds) {
  RouteTable table = Appointments();
  for (const char* path : {"/api/v1/bookings/..%2F..%2Fetc", "/api/v1/bookings/..",
                           "/api/v1/bookings/a.b", "/api/v1/bookings/a%20b",
                           "/api/v1/bookings/" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}) {
    RouteMatch m = table.Match("GET", path);
    EXPECT_EQ(m.kind, RouteMatch::Kind::kBadPathParameter) << path;
    EXPECT_EQ(m.bad_parameter, "code") << path;
    EXPECT_TRUE(m.path_params.empty());
  }
  EXPECT_EQ(table.Match("GET", "/api/v1/bookings//calendar.ics").kind,
            RouteMatch::Kind::kBadPathParameter);
}

TEST(PathParameterTest, Charset) {
  EXPECT_TRUE(IsValidPathParameter("K7M3Q9XP"));
  EXPECT_TRUE(IsValidPathParameter("kiel-mitte_2"));
  EXPECT_TRUE(IsValidPathParameter(std::string(64, 'a')));
  EXPECT_FALSE(IsValidPathParameter(std::string(65, 'a')));
  EXPECT_FALSE(IsValidPathParameter(""));
  EXPECT_FALSE(IsValidPathParameter("a/b"));
  EXPECT_FALSE(IsValidPathParameter("ä"));
  // Dots only where a route allows them (dotted_params), and never first.
  EXPECT_FALSE(IsValidPathParameter("20.30-1.4"));
  EXPECT_TRUE(IsValidPathParameter("20.30-1.4", /*dots=*/true));
  EXPECT_FALSE(IsValidPathParameter(".", true));
  EXPECT_FALSE(IsValidPathParameter("..", true));
  EXPECT_FALSE(IsValidPathParameter(".20.30", true));
}

}  // namespace
}  // namespace rathaus::gateway
