#include "services/appointments/domain/slots.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "rathaus_appointments_embedded.h"
#include "shared/status/problem.h"
#include "services/appointments/domain/test_catalog.h"

namespace rathaus::appointments {
namespace {

class AppointmentsSlotsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto parsed = ParseCatalog(testing::TestCatalogJson());
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    catalog_ = std::move(*parsed);
    night_ = catalog_.FindOffice("night");
    early_ = catalog_.FindOffice("early");
  }
  std::string Local(absl::Time t) { return FormatLocal(t, night_->time_zone); }
  absl::Time Before(absl::CivilDay day) {
    return absl::FromCivil(absl::CivilSecond(day - 2), night_->time_zone);
  }

  Catalog catalog_;
  const Office* night_ = nullptr;
  const Office* early_ = nullptr;
};

TEST_F(AppointmentsSlotsTest, SpringForwardDaysHave23Hours) {
  for (absl::CivilDay day : {absl::CivilDay(2026, 3, 29), absl::CivilDay(2027, 3, 28)}) {
    DayPlan plan = PlanDay(*night_, day, Before(day));
    EXPECT_EQ(plan.bucket_count, 92) << day;
    ASSERT_EQ(plan.open.size(), 1u);
    EXPECT_EQ(plan.open[0], std::make_pair(0, 92));
    const std::string d = absl::FormatCivilTime(day);
    EXPECT_EQ(Local(plan.StartOf(7)), d + "T01:45:00+01:00");
    EXPECT_EQ(Local(plan.StartOf(8)), d + "T03:00:00+02:00");  // 02:00-03:00 does not exist
    EXPECT_EQ(Local(plan.StartOf(91)), d + "T23:45:00+02:00");
    EXPECT_EQ(FreeStarts(plan, {}, night_->counters, 1).size(), 92u);
  }
}

TEST_F(AppointmentsSlotsTest, FallBackDaysHave25Hours) {
  const absl::CivilDay day(2026, 10, 25);
  DayPlan plan = PlanDay(*night_, day, Before(day));
  EXPECT_EQ(plan.bucket_count, 100);
  ASSERT_EQ(plan.open.size(), 1u);
  EXPECT_EQ(plan.open[0], std::make_pair(0, 100));
  EXPECT_EQ(Local(plan.StartOf(8)), "2026-10-25T02:00:00+02:00");
  EXPECT_EQ(Local(plan.StartOf(11)), "2026-10-25T02:45:00+02:00");
  EXPECT_EQ(Local(plan.StartOf(12)), "2026-10-25T02:00:00+01:00");  // the hour again
  EXPECT_EQ(Local(plan.StartOf(99)), "2026-10-25T23:45:00+01:00");
  // A 45-minute visit (3 buckets) from the first 02:30 ends at the second 02:15.
  auto start = ParseTimestamp("2026-10-25T02:30:00+02:00", "start");
  ASSERT_TRUE(start.ok());
  auto bucket = BucketOf(plan, *start, 3);
  ASSERT_TRUE(bucket.ok()) << bucket.status();
  EXPECT_EQ(*bucket, 10);
  EXPECT_EQ(Local(plan.StartOf(13)), "2026-10-25T02:15:00+01:00");
  auto second = ParseTimestamp("2026-10-25T02:00:00+01:00", "start");
  EXPECT_EQ(*BucketOf(plan, *second, 1), 12);
}

TEST_F(AppointmentsSlotsTest, FallBack2027IsReformationstag) {
  const absl::CivilDay day(2027, 10, 31);
  EXPECT_TRUE(PlanDay(*night_, day, Before(day)).open.empty());
  DayPlan hours = PlanOpeningHours(*night_, day);
  EXPECT_EQ(hours.bucket_count, 100);
  EXPECT_EQ(Local(hours.StartOf(12)), "2027-10-31T02:00:00+01:00");
}

TEST_F(AppointmentsSlotsTest, OpeningHoursAcrossTheChangeCountAbsoluteTime) {
  // 01:00-04:00 civil is 2 hours in March and 4 hours in October.
  const absl::CivilDay march(2026, 3, 29);
  DayPlan m = PlanDay(*early_, march, Before(march));
  ASSERT_EQ(m.open.size(), 1u);
  EXPECT_EQ(m.open[0], std::make_pair(4, 12));
  const absl::CivilDay october(2026, 10, 25);
  DayPlan o = PlanDay(*early_, october, Before(october));
  ASSERT_EQ(o.open.size(), 1u);
  EXPECT_EQ(o.open[0], std::make_pair(4, 20));
  EXPECT_EQ(FreeStarts(o, {}, 1, 2).size(), 15u);
}

TEST_F(AppointmentsSlotsTest, AdjacentIntervalsMergeAndGapsSplit) {
  const absl::CivilDay monday(2026, 12, 7);
  DayPlan plan = PlanDay(*early_, monday, Before(monday));
  ASSERT_EQ(plan.open.size(), 1u);
  EXPECT_EQ(plan.open[0], std::make_pair(32, 52));  // 08:00-13:00
  const absl::CivilDay tuesday(2026, 12, 8);
  DayPlan split = PlanDay(*early_, tuesday, Before(tuesday));
  ASSERT_EQ(split.open.size(), 2u);
  EXPECT_FALSE(split.Fits(35, 2));  // 08:45 + 30 min runs into the gap
  EXPECT_TRUE(split.Fits(34, 2));
  EXPECT_EQ(FreeStarts(split, {}, 1, 2).size(), 6u);
}

TEST_F(AppointmentsSlotsTest, FreeCapacityIsTheBusiestBucket) {
  const absl::CivilDay monday(2026, 12, 7);
  DayPlan plan = PlanDay(*night_, monday, Before(monday));
  std::vector<int> used(96, 0);
  used[40] = 1;
  used[41] = 2;
  auto starts = FreeStarts(plan, used, 2, 2);
  EXPECT_EQ(starts[39].free, 1);
  EXPECT_EQ(starts[40].free, 0);
  EXPECT_EQ(starts[41].free, 0);
  EXPECT_EQ(starts[42].free, 2);
}

TEST_F(AppointmentsSlotsTest, BookingWindowHolidaysAndClosures) {
  const absl::Time now = absl::FromCivil(absl::CivilSecond(2026, 12, 1, 10, 0, 0),
                                         night_->time_zone);
  EXPECT_TRUE(PlanDay(*night_, absl::CivilDay(2026, 12, 1), now).open.empty());  // today
  EXPECT_FALSE(PlanDay(*night_, absl::CivilDay(2026, 12, 2), now).open.empty());
  EXPECT_TRUE(PlanDay(*night_, absl::CivilDay(2026, 12, 25), now).open.empty());
  EXPECT_TRUE(PlanDay(*early_, absl::CivilDay(2026, 12, 22), now).open.empty());  // closure
  EXPECT_TRUE(PlanDay(*night_, absl::CivilDay(2027, 12, 3), now).open.empty());   // > 366 days
}

// TVöD § 6 Abs. 3: 24 and 31 December are free days for city staff, every year, at every office.
TEST_F(AppointmentsSlotsTest, KielIsClosedOnChristmasEveAndNewYearsEveEveryYear) {
  auto kiel = ParseCatalog(embedded::kKiel);
  ASSERT_TRUE(kiel.ok()) << kiel.status();
  for (const Office& office : kiel->offices) {
    for (int year = 2026; year <= 2032; ++year) {
      for (const absl::CivilDay day : {absl::CivilDay(year, 12, 24), absl::CivilDay(year, 12, 31)}) {
        const absl::Time before = absl::FromCivil(absl::CivilSecond(day - 7), office.time_zone);
        EXPECT_TRUE(PlanDay(office, day, before).open.empty()) << office.id << " " << day;
      }
    }
  }
}

TEST_F(AppointmentsSlotsTest, AnnualDaysCloseOrShortenTheDay) {
  // The catalog closes 24 and 31 December; "early" keeps 08:00-10:00 of 31 December instead.
  const absl::CivilDay eve(2029, 12, 31);  // a Monday: "early" opens 08:00-13:00
  const DayPlan plan = PlanDay(*early_, eve, Before(eve));
  ASSERT_EQ(plan.open.size(), 1u);
  EXPECT_EQ(plan.open[0], std::make_pair(32, 40));
  EXPECT_TRUE(PlanDay(*night_, eve, Before(eve)).open.empty());
  EXPECT_TRUE(PlanDay(*night_, absl::CivilDay(2027, 12, 24), Before(absl::CivilDay(2027, 12, 24)))
                  .open.empty());
  EXPECT_FALSE(PlanDay(*night_, absl::CivilDay(2027, 12, 23), Before(absl::CivilDay(2027, 12, 23)))
                   .open.empty());
  // Reading a stored day still uses the weekday's hours.
  EXPECT_FALSE(PlanOpeningHours(*night_, absl::CivilDay(2027, 12, 24)).open.empty());
}

TEST_F(AppointmentsSlotsTest, BucketOfRejectsOffGridAndClosedTimes) {
  const absl::CivilDay monday(2026, 12, 7);
  DayPlan plan = PlanDay(*early_, monday, Before(monday));
  for (const char* text : {"2026-12-07T08:05:00+01:00", "2026-12-07T07:45:00+01:00",
                           "2026-12-07T12:45:00+01:00"}) {
    auto bucket = BucketOf(plan, *ParseTimestamp(text, "start"), 2);
    EXPECT_FALSE(bucket.ok()) << text;
    EXPECT_EQ(platform::FieldOf(bucket.status()), "start");
  }
  EXPECT_EQ(*BucketOf(plan, *ParseTimestamp("2026-12-07T07:00:00Z", "start"), 2), 32);
}

TEST_F(AppointmentsSlotsTest, ParsesTimestampsAndDates) {
  EXPECT_TRUE(ParseTimestamp("2026-12-01T09:00:00+01:00", "start").ok());
  EXPECT_TRUE(ParseTimestamp("2026-12-01T08:00:00Z", "start").ok());
  for (const char* bad : {"", "2026-12-01", "2026-12-01T09:00:00", "tomorrow",
                          "2026-13-01T09:00:00+01:00", "2026-12-01T09:00:00+01:00x"}) {
    auto t = ParseTimestamp(bad, "start");
    EXPECT_FALSE(t.ok()) << bad;
    EXPECT_EQ(platform::FieldOf(t.status()), "start");
  }
  EXPECT_TRUE(ParseDate("2026-12-01", "from").ok());
  for (const char* bad : {"2026-12-1", "2026-02-30", "01.12.2026", "2026-12-01x", ""}) {
    EXPECT_FALSE(ParseDate(bad, "from").ok()) << bad;
  }
  // A real date outside the years the service knows says so, with the range.
  for (const char* far : {"1999-12-31", "2201-01-01", "0000-01-01", "9999-12-31"}) {
    auto day = ParseDate(far, "from");
    ASSERT_FALSE(day.ok()) << far;
    EXPECT_EQ(platform::FieldOf(day.status()), "from");
    EXPECT_EQ(day.status().message(),
              absl::StrCat("the date ", far, " is out of range: expected 2000-01-01..2200-12-31"));
  }
  EXPECT_EQ(BucketsFor(50, 15), 4);
  EXPECT_EQ(BucketsFor(45, 15), 3);
}

}  // namespace
}  // namespace rathaus::appointments

namespace rathaus::appointments {
namespace {

// FormatLocal writes by hand what absl::FormatTime("%Y-%m-%d%ET%H:%M:%S%Ez") writes: the same
// text for every 7 min 13 s over two years around both DST changes, in zones with negative and
// non-hour offsets too, with and without fractional seconds.
TEST(AppointmentsFormatLocalTest, SameTextAsAbslFormatTime) {
  int compared = 0;
  for (const char* name : {"Europe/Berlin", "UTC", "America/St_Johns", "Asia/Kathmandu",
                           "Pacific/Chatham", "America/Los_Angeles"}) {
    absl::TimeZone tz;
    ASSERT_TRUE(absl::LoadTimeZone(name, &tz)) << name;
    const absl::Time begin = absl::FromCivil(absl::CivilSecond(2026, 1, 1, 0, 0, 0), tz);
    const absl::Time end = absl::FromCivil(absl::CivilSecond(2028, 1, 1, 0, 0, 0), tz);
    for (absl::Time t = begin; t < end; t += absl::Seconds(433) + absl::Milliseconds(250)) {
      ASSERT_EQ(FormatLocal(t, tz), absl::FormatTime("%Y-%m-%d%ET%H:%M:%S%Ez", t, tz)) << name;
      ++compared;
    }
  }
  EXPECT_GT(compared, 800000);
  absl::TimeZone berlin;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Berlin", &berlin));
  EXPECT_EQ(FormatLocal(absl::FromCivil(absl::CivilSecond(2026, 10, 25, 2, 30, 0), berlin), berlin),
            "2026-10-25T02:30:00+02:00");  // the first 02:30 of the October night
  EXPECT_EQ(FormatLocal(absl::FromUnixSeconds(0) - absl::Hours(24 * 365 * 2000), berlin),
            absl::FormatTime("%Y-%m-%d%ET%H:%M:%S%Ez",
                             absl::FromUnixSeconds(0) - absl::Hours(24 * 365 * 2000), berlin));
}

}  // namespace
}  // namespace rathaus::appointments
