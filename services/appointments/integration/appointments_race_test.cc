// Races against real Redis: many clients at once for one slot. Every capacity change is one
// Lua script, so exactly `counters` of them win and the rest are told the slot is taken.
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <thread>

#include "shared/status/problem.h"
#include "services/appointments/integration/fixture.h"

namespace rathaus::appointments::testing {
namespace {

constexpr int kClients = 300;

class AppointmentsRaceTest : public StoreFixture {
 protected:
  // Runs fn(i) for i in [0, n) on n threads released at the same moment.
  template <typename Fn>
  void Race(int n, Fn fn) {
    std::latch start(n);
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        fn(i);
      });
    }
    for (std::thread& t : threads) t.join();
  }

  int FreeAt(int ahead, int bucket) {
    auto days = store_->ReadDays(office_->id, {Day(ahead)});
    EXPECT_TRUE(days.ok());
    DayPlan plan = PlanDay(*office_, Day(ahead), absl::Now());
    for (const FreeStart& s : FreeStarts(plan, (*days)[0], office_->counters, 1)) {
      if (s.bucket == bucket) return s.free;
    }
    return -1;
  }
};

TEST_F(AppointmentsRaceTest, ThreeHundredClientsBookOneSlotWithCapacityThree) {
  std::atomic<int> booked{0}, taken{0}, other{0};
  Race(kClients, [&](int i) {
    auto b = store_->Book(At(3, 40), Person(i), "");
    if (b.ok()) {
      ++booked;
    } else if (b.status().code() == absl::StatusCode::kAborted &&
               platform::ProblemOf(b.status()) == "slot-taken") {
      ++taken;
    } else {
      ++other;
      ADD_FAILURE() << b.status();
    }
  });
  EXPECT_EQ(booked.load(), 3);
  EXPECT_EQ(taken.load(), kClients - 3);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(Used(3, 40), 3);
  EXPECT_EQ(FreeAt(3, 40), 0);
  EXPECT_EQ(store_->ListDay("night", Day(3))->size(), 3u);
}

TEST_F(AppointmentsRaceTest, ThreeHundredReschedulesIntoOneSlot) {
  // 300 bookings spread over two days (3 per bucket), all moving to one free slot at once.
  std::vector<BookingRecord> bookings;
  for (int i = 0; i < kClients; ++i) {
    auto b = store_->Book(At(1 + i / 150, (i % 150) / 3 + 10), Person(i), "");
    ASSERT_TRUE(b.ok()) << i << ": " << b.status();
    bookings.push_back(*b);
  }
  std::atomic<int> moved{0}, taken{0};
  std::vector<char> won(kClients, 0);  // not vector<bool>: threads write neighbours
  Race(kClients, [&](int i) {
    auto r = store_->Reschedule(bookings[i], At(5, 77), "");
    if (r.ok()) {
      ++moved;
      won[i] = 1;
    } else if (platform::ProblemOf(r.status()) == "slot-taken") {
      ++taken;
    } else {
      ADD_FAILURE() << r.status();
    }
  });
  EXPECT_EQ(moved.load(), 3);
  EXPECT_EQ(taken.load(), kClients - 3);
  EXPECT_EQ(FreeAt(5, 77), 0);
  for (int i = 0; i < kClients; ++i) {
    auto read = store_->GetBooking(bookings[i].code);
    ASSERT_TRUE(read.ok());
    EXPECT_EQ(read->start, won[i] ? At(5, 77).start : bookings[i].start) << i;
    EXPECT_EQ(read->reschedule_count, won[i] ? 1 : 0);
  }
  // The winners' old places are free again, the others' are not.
  int used = 0;
  for (int day = 1; day <= 2; ++day) {
    for (int b = 10; b < 60; ++b) used += Used(day, b);
  }
  EXPECT_EQ(used, kClients - 3);
}

TEST_F(AppointmentsRaceTest, ConfirmationsRaceTheirExpiry) {
  store_options_.hold = absl::Milliseconds(800);
  MakeStore();
  constexpr int kReservations = 200;
  std::vector<ReservationRecord> held;
  for (int i = 0; i < kReservations; ++i) {
    auto r = store_->Reserve(At(2, i / 3 + 1), "");
    ASSERT_TRUE(r.ok()) << r.status();
    held.push_back(*r);
  }
  // Fire the confirmations around the expiry of the first reservations.
  absl::SleepFor(held.front().expires_at - absl::Now() - absl::Milliseconds(60));
  std::atomic<int> confirmed{0}, expired{0};
  std::vector<std::string> codes(kReservations);
  Race(kReservations, [&](int i) {
    auto b = store_->Confirm(held[i].id, Person(i), "");
    if (b.ok()) {
      ++confirmed;
      codes[i] = b->code;
    } else if (platform::ProblemOf(b.status()) == "reservation-expired") {
      ++expired;
    } else {
      ADD_FAILURE() << b.status();
    }
  });
  EXPECT_EQ(confirmed + expired, kReservations);
  // Whatever the timing, capacity matches exactly what was confirmed.
  absl::SleepFor(absl::Milliseconds(900));
  int used = 0;
  for (int b = 1; b <= kReservations / 3 + 1; ++b) used += Used(2, b);
  EXPECT_EQ(used, confirmed.load());
  for (int i = 0; i < kReservations; ++i) {
    if (!codes[i].empty()) {
      EXPECT_EQ(store_->GetBooking(codes[i])->status, "booked");
    }
  }
  std::printf("confirmed %d, expired %d\n", confirmed.load(), expired.load());
}

}  // namespace
}  // namespace rathaus::appointments::testing
