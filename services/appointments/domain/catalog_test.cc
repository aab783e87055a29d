#include "services/appointments/domain/catalog.h"

#include <gtest/gtest.h>

#include "absl/strings/str_replace.h"
#include "rathaus_appointments_embedded.h"
#include "services/appointments/domain/test_catalog.h"

namespace rathaus::appointments {
namespace {

TEST(AppointmentsCatalogTest, ShippedKielCatalogIsValid) {
  auto catalog = ParseCatalog(embedded::kKiel);
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_GE(catalog->offices.size(), 4u);
  const Service* pass = catalog->FindService("reisepass-beantragen");
  ASSERT_NE(pass, nullptr);
  EXPECT_TRUE(pass->combinable_with.contains("personalausweis-beantragen"));  // symmetric
  const Office* gaarden = catalog->FindOffice("kiel-gaarden");
  ASSERT_NE(gaarden, nullptr);
  EXPECT_EQ(gaarden->DurationOf("reisepass-beantragen"), 25);
  EXPECT_EQ(gaarden->DurationOf("fuehrungszeugnis"), 0);
  EXPECT_EQ(gaarden->time_zone_name, "Europe/Berlin");
}

TEST(AppointmentsCatalogTest, TestCatalogIsValid) {
  auto catalog = ParseCatalog(testing::TestCatalogJson());
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_EQ(catalog->FindOffice("early")->hours[0].size(), 2u);
  EXPECT_TRUE(catalog->FindOffice("early")->ClosedOn(absl::CivilDay(2026, 12, 22)));
}

struct BadCase {
  std::string from;
  std::string to;
  std::string message;
};

class AppointmentsCatalogErrorTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(AppointmentsCatalogErrorTest, NamesThePathAndTheReason) {
  std::string json = testing::TestCatalogJson();
  const std::string edited = absl::StrReplaceAll(json, {{GetParam().from, GetParam().to}});
  ASSERT_NE(edited, json) << "the edit did not apply";
  auto catalog = ParseCatalog(edited);
  ASSERT_FALSE(catalog.ok());
  EXPECT_EQ(catalog.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(catalog.status().message(), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, AppointmentsCatalogErrorTest,
    ::testing::Values(
        BadCase{R"("end": "24:00")", R"("end": "25:00")",
                R"(offices[0].openingHours[0].end: expected HH:MM (00:00..24:00), got "25:00")"},
        BadCase{R"("start": "01:00", "end": "04:00")", R"("start": "05:00", "end": "04:00")",
                R"(offices[1].openingHours[0].end: must be after start "05:00")"},
        BadCase{R"("start": "10:00")", R"("start": "10:05")",
                "offices[1].openingHours[4]: start and end must lie on the 15-minute slot grid"},
        BadCase{R"(["sun"])", R"(["sunday"])",
                R"(offices[1].openingHours[0].days[0]: expected one of mon, tue, wed, thu, fri, sat, sun, got "sunday")"},
        BadCase{R"({"id": "melde"}]})", R"({"id": "nope"}]})",
                R"(offices[1].services[1].id: unknown service "nope")"},
        BadCase{R"("counters": 2)", R"("counters": 0)", "offices[0].counters: expected 1..100, got 0"},
        BadCase{R"("slotMinutes": 15, "bookingWindowDays": 366,
     "openingHours": [{"days": ["sun"])",
                R"("slotMinutes": 7, "bookingWindowDays": 366,
     "openingHours": [{"days": ["sun"])",
                "offices[1].slotMinutes: expected a divisor of 60 >= 5, got 7"},
        BadCase{R"("to": "2026-12-23")", R"("to": "2026-12-32")",
                R"(offices[1].closures[0].to: expected YYYY-MM-DD, got "2026-12-32")"},
        BadCase{R"("combinableWith": ["melde"])", R"("combinableWith": ["pass"])",
                R"(services[0].combinableWith[0]: expected another service's id, got "pass")"},
        BadCase{R"("maxQuantity": 3)", R"("maxQuantity": 0)",
                "services[0].maxQuantity: expected 1..10, got 0"},
        BadCase{R"("id": "early")", R"("id": "night")", R"(offices[1].id: listed twice: "night")"},
        BadCase{R"("version": 1)", R"("version": 2)", "version: expected 1, got 2"},
        BadCase{R"({"date": "12-31"})", R"({"date": "12-32"})",
                R"(annualDays[1].date: expected MM-DD, got "12-32")"},
        BadCase{R"({"date": "12-31"})", R"({"date": "12-24"})",
                R"(annualDays[1].date: listed twice: "12-24")"},
        BadCase{R"("open": [{"start": "08:00", "end": "10:00"}])",
                R"("open": [{"start": "10:00", "end": "08:00"}])",
                R"(offices[1].annualDays[0].open[0].end: must be after start "10:00")"},
        BadCase{R"("open": [{"start": "08:00", "end": "10:00"}])",
                R"("open": [{"start": "08:00", "end": "10:10"}])",
                "offices[1].annualDays[0].open[0]: start and end must lie on the 15-minute slot grid"}));

TEST(AppointmentsCatalogTest, JsonErrorsNameTheField) {
  auto unknown = ParseCatalog(absl::StrReplaceAll(testing::TestCatalogJson(),
                                                  {{R"("counters": 2)", R"("counterz": 2)"}}));
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("counterz"), std::string::npos)
      << unknown.status().message();
  auto type = ParseCatalog(absl::StrReplaceAll(testing::TestCatalogJson(),
                                               {{R"("counters": 2)", R"("counters": "two")"}}));
  ASSERT_FALSE(type.ok());
  EXPECT_NE(type.status().message().find("counters"), std::string::npos)
      << type.status().message();
  EXPECT_FALSE(ParseCatalog("{").ok());
  EXPECT_FALSE(ParseCatalog("").ok());
}

}  // namespace
}  // namespace rathaus::appointments
