// The store against real Redis (and Kafka for the events): reserve, confirm, book, reschedule,
// cancel, expiry, quota, clerk status changes.
#include <gtest/gtest.h>

#include "rathaus/appointments/v1/events.pb.h"
#include "shared/status/problem.h"
#include "services/appointments/expirer.h"
#include "services/appointments/integration/fixture.h"

namespace rathaus::appointments::testing {
namespace {

using rathaus::testing::WaitFor;

class AppointmentsStoreTest : public StoreFixture {};

TEST_F(AppointmentsStoreTest, ReserveConfirmAndRead) {
  auto r = store_->Reserve(At(2, 40, 2), "");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Used(2, 40), 1);
  EXPECT_EQ(Used(2, 41), 1);
  EXPECT_EQ(Used(2, 42), 0);
  EXPECT_NEAR(absl::ToDoubleSeconds(r->expires_at - absl::Now()), 600, 5);

  auto b = store_->Confirm(r->id, Person(1), "");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->status, "booked");
  EXPECT_EQ(Used(2, 40), 1);  // the hold became the booking
  auto again = store_->Confirm(r->id, Person(1), "");
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);

  auto read = store_->GetBooking(b->code);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->office, "night");
  EXPECT_EQ(read->start, At(2, 40, 2).start);
  EXPECT_EQ(read->end, At(2, 40, 2).end);
  EXPECT_EQ(read->items, (std::vector<VisitItem>{{"pass", 2}}));
  EXPECT_EQ(read->contact.email, "person1@example.org");
  EXPECT_EQ(read->reservation_id, r->id);
  EXPECT_EQ(store_->GetBooking("ZZZZZZZZ").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->Confirm("unknownunknownunknown1", Person(1), "").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(AppointmentsStoreTest, FullSlotIsTakenAndReleaseFreesAtOnce) {
  std::vector<ReservationRecord> held;
  for (int i = 0; i < 3; ++i) {
    auto r = store_->Reserve(At(1, 50), "");
    ASSERT_TRUE(r.ok()) << r.status();
    held.push_back(*r);
  }
  auto fourth = store_->Reserve(At(1, 50), "");
  EXPECT_EQ(fourth.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(platform::ProblemOf(fourth.status()), "slot-taken");
  auto direct = store_->Book(At(1, 50), Person(1), "");
  EXPECT_EQ(platform::ProblemOf(direct.status()), "slot-taken");

  ASSERT_TRUE(store_->Release(held[0].id, "").ok());
  EXPECT_EQ(Used(1, 50), 2);
  EXPECT_EQ(store_->Release(held[0].id, "").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->Confirm(held[0].id, Person(1), "").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(store_->Book(At(1, 50), Person(1), "").ok());
}

TEST_F(AppointmentsStoreTest, ReservationExpiresAtItsTtlAndIsAnnounced) {
  StartRelay();
  store_options_.hold = absl::Seconds(1);
  MakeStore();
  Expirer expirer(*store_);
  store_->SetHoldListener([&](absl::Time t) { expirer.Notify(t); });
  expirer.Start();

  auto r = store_->Reserve(At(3, 20), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Used(3, 20), 1);
  absl::SleepFor(r->expires_at - absl::Now() - absl::Milliseconds(150));
  EXPECT_EQ(Used(3, 20), 1) << "freed before its expiry";
  ASSERT_TRUE(WaitFor([&] { return Used(3, 20) == 0; }, absl::Seconds(2)));
  const absl::Duration late = absl::Now() - r->expires_at;
  EXPECT_LT(late, absl::Milliseconds(100)) << "freed " << late << " after expiry";

  auto confirm = store_->Confirm(r->id, Person(1), "");
  EXPECT_EQ(confirm.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(platform::ProblemOf(confirm.status()), "reservation-expired");
  EXPECT_EQ(platform::ProblemOf(store_->Release(r->id, "")), "reservation-expired");

  ASSERT_TRUE(WaitFor([&] { return collector_.events().size() >= 2; }, absl::Seconds(30)));
  auto events = collector_.events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type(), "rathaus.appointments.v1.AppointmentReserved");
  EXPECT_EQ(events[1].type(), "rathaus.appointments.v1.ReservationExpired");
  v1::AppointmentReserved reserved;
  ASSERT_TRUE(reserved.ParseFromString(events[0].value));
  EXPECT_EQ(reserved.expires_at().seconds() * 1000 + reserved.expires_at().nanos() / 1000000,
            absl::ToUnixMillis(r->expires_at));
  v1::ReservationExpired expired;
  ASSERT_TRUE(expired.ParseFromString(events[1].value));
  EXPECT_EQ(expired.reservation_id(), r->id);
  EXPECT_EQ(expired.office(), "night");
  EXPECT_EQ(events[0].key, r->code) << "keyed by the booking code it would have had";
  EXPECT_EQ(events[1].key, r->code);
  EXPECT_EQ(events[1].Header("traceparent").value_or(""),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  expirer.Stop();
}

TEST_F(AppointmentsStoreTest, EventsOfOneBookingInOrderWithCloudEventHeaders) {
  StartRelay();
  auto b = store_->Book(At(4, 10), Person(1), "");
  ASSERT_TRUE(b.ok()) << b.status();
  auto moved = store_->Reschedule(*b, At(4, 12), "");
  ASSERT_TRUE(moved.ok()) << moved.status();
  ASSERT_TRUE(store_->Cancel(*moved, "").ok());
  ASSERT_TRUE(WaitFor([&] { return collector_.events().size() >= 3; }, absl::Seconds(30)));
  auto events = collector_.events();
  ASSERT_EQ(events.size(), 3u);
  const std::vector<std::string> types = {"rathaus.appointments.v1.AppointmentBooked",
                                          "rathaus.appointments.v1.AppointmentRescheduled",
                                          "rathaus.appointments.v1.AppointmentCancelled"};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(events[i].type(), types[i]);
    EXPECT_EQ(events[i].key, b->code);
    EXPECT_EQ(events[i].Header("ce_subject").value_or(""), b->code);
    EXPECT_EQ(events[i].Header("ce_specversion").value_or(""), "1.0");
    EXPECT_EQ(events[i].Header("ce_source").value_or(""), "/rathaus/" + service_);
    EXPECT_EQ(events[i].Header("content-type").value_or(""), "application/protobuf");
    EXPECT_FALSE(events[i].id().empty());
    EXPECT_FALSE(events[i].Header("ce_time").value_or("").empty());
    EXPECT_EQ(events[i].value.find("example.org"), std::string::npos) << "personal data";
  }
  v1::AppointmentRescheduled rescheduled;
  ASSERT_TRUE(rescheduled.ParseFromString(events[1].value));
  EXPECT_EQ(rescheduled.sequence(), 1);
  EXPECT_EQ(rescheduled.previous_start().seconds(), absl::ToUnixSeconds(At(4, 10).start));
  EXPECT_EQ(rescheduled.start().seconds(), absl::ToUnixSeconds(At(4, 12).start));
}

// A reservation and the booking it becomes share one key (the booking code), so Kafka keeps
// AppointmentReserved before AppointmentBooked; a released reservation's event has it too.
TEST_F(AppointmentsStoreTest, AReservationAndItsBookingShareOneKey) {
  StartRelay();
  auto r = store_->Reserve(At(5, 10), "");
  ASSERT_TRUE(r.ok()) << r.status();
  auto b = store_->Confirm(r->id, Person(1), "");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->code, r->code);
  auto other = store_->Reserve(At(5, 20), "");
  ASSERT_TRUE(other.ok()) << other.status();
  ASSERT_TRUE(store_->Release(other->id, "").ok());
  ASSERT_TRUE(WaitFor([&] { return collector_.events().size() >= 4; }, absl::Seconds(30)));
  auto events = collector_.events();
  ASSERT_EQ(events.size(), 4u);
  std::vector<std::pair<std::string, std::string>> seen;
  for (const auto& e : events) seen.emplace_back(e.key, e.type());
  std::vector<std::pair<std::string, std::string>> mine, theirs;
  for (const auto& kt : seen) (kt.first == b->code ? mine : theirs).push_back(kt);
  EXPECT_EQ(mine, (std::vector<std::pair<std::string, std::string>>{
                      {b->code, "rathaus.appointments.v1.AppointmentReserved"},
                      {b->code, "rathaus.appointments.v1.AppointmentBooked"}}));
  EXPECT_EQ(theirs, (std::vector<std::pair<std::string, std::string>>{
                        {other->code, "rathaus.appointments.v1.AppointmentReserved"},
                        {other->code, "rathaus.appointments.v1.ReservationReleased"}}));
  for (const auto& e : events) EXPECT_EQ(e.Header("ce_subject").value_or(""), e.key);
}

// A held reservation's record has no TTL: however late the expiry is purged (the service down
// for days), the purge still finds it and announces ReservationExpired. Only then does it
// become a tombstone that expires.
TEST_F(AppointmentsStoreTest, AHeldReservationLivesUntilItsExpiryIsAnnounced) {
  store_options_.hold = absl::Milliseconds(200);
  MakeStore();
  auto r = store_->Reserve(At(3, 30), "");
  ASSERT_TRUE(r.ok()) << r.status();
  const std::string key = store_options_.key_prefix + "res:" + r->id;
  auto ttl = pool_->Command({"PTTL", key});
  ASSERT_TRUE(ttl.ok());
  EXPECT_EQ(ttl->integer, -1) << "a held reservation must not expire before its purge";
  absl::SleepFor(absl::Milliseconds(300));
  auto swept = store_->ExpireDue();
  ASSERT_TRUE(swept.ok()) << swept.status();
  EXPECT_EQ(swept->freed, 1);
  ttl = pool_->Command({"PTTL", key});
  ASSERT_TRUE(ttl.ok());
  EXPECT_GT(ttl->integer, 0) << "the tombstone expires";
  auto entries = pool_->Command({"XRANGE", outbox_->stream_key(), "-", "+"});
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->elements.size(), 2u);
  const auto& fields = entries->elements[1].elements[1].elements;
  bool expired = false;
  for (size_t i = 0; i + 1 < fields.size(); i += 2) {
    if (fields[i].str == "type") expired = fields[i + 1].str == "rathaus.appointments.v1.ReservationExpired";
  }
  EXPECT_TRUE(expired);
}

TEST_F(AppointmentsStoreTest, RescheduleMovesOrChangesNothing) {
  auto b = store_->Book(At(2, 30, 2), Person(1), "");
  ASSERT_TRUE(b.ok()) << b.status();
  // Overlapping move on the same day: its own buckets do not count against it.
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(store_->Book(At(2, 31), Person(10 + i), "").ok());
  auto moved = store_->Reschedule(*b, At(2, 31, 2), "");
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->reschedule_count, 1);
  EXPECT_EQ(Used(2, 30), 0);
  EXPECT_EQ(Used(2, 31), 3);
  EXPECT_EQ(Used(2, 32), 1);

  // Into a full slot: unchanged.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store_->Book(At(5, 60), Person(20 + i), "").ok());
  auto blocked = store_->Reschedule(*moved, At(5, 60, 2), "");
  EXPECT_EQ(platform::ProblemOf(blocked.status()), "slot-taken");
  auto read = store_->GetBooking(b->code);
  EXPECT_EQ(read->start, moved->start);
  EXPECT_EQ(read->reschedule_count, 1);
  EXPECT_EQ(Used(2, 31), 3);

  // Stale copy: someone else moved it since.
  EXPECT_EQ(store_->Reschedule(*b, At(6, 1, 2), "").status().code(), absl::StatusCode::kAborted);
  // To another day, then the code stays.
  auto far = store_->Reschedule(*moved, At(6, 1, 2), "");
  ASSERT_TRUE(far.ok()) << far.status();
  EXPECT_EQ(far->code, b->code);
  EXPECT_EQ(Used(2, 31), 2);
  EXPECT_EQ(Used(6, 1), 1);
  auto listed = store_->ListDay("night", Day(6));
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].code, b->code);
  EXPECT_TRUE(store_->ListDay("night", Day(2))->size() == 2u);
}

TEST_F(AppointmentsStoreTest, CancelFreesAtOnceOrAfterCooldown) {
  auto b = store_->Book(At(2, 70), Person(1), "");
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE(store_->Cancel(*b, "").ok());
  EXPECT_EQ(Used(2, 70), 0);
  auto again = store_->Cancel(*store_->GetBooking(b->code), "");
  EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->GetBooking(b->code)->status, "cancelled");

  store_options_.cancel_cooldown = absl::Milliseconds(700);
  MakeStore();
  auto c = store_->Book(At(2, 71), Person(2), "");
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(store_->Cancel(*c, "").ok());
  EXPECT_EQ(Used(2, 71), 1) << "the cool-down keeps the slot";
  ASSERT_TRUE(WaitFor([&] { return Used(2, 71) == 0; }, absl::Seconds(3)));
  EXPECT_TRUE(store_->Book(At(2, 71), Person(3), "").ok());
}

// The cool-down is not bypassed by moving the booking away: the time a reschedule frees is held
// as long as a cancelled one; the part the new time still covers stays the booking's.
TEST_F(AppointmentsStoreTest, RescheduleFreesTheOldTimeAfterTheCooldown) {
  store_options_.cancel_cooldown = absl::Milliseconds(900);
  MakeStore();
  auto b = store_->Book(At(2, 80, 2), Person(1), "");
  ASSERT_TRUE(b.ok()) << b.status();
  auto moved = store_->Reschedule(*b, At(3, 10, 2), "");
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(Used(2, 80), 1) << "the old time is held by the cool-down";
  EXPECT_EQ(Used(2, 81), 1);
  EXPECT_EQ(Used(3, 10), 1);
  // Same day, overlapping: 10..11 -> 11..12 frees bucket 10 only (after the cool-down).
  auto again = store_->Reschedule(*moved, At(3, 11, 2), "");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(Used(3, 10), 1);
  EXPECT_EQ(Used(3, 11), 1);
  EXPECT_EQ(Used(3, 12), 1);
  ASSERT_TRUE(WaitFor([&] { return Used(2, 80) == 0 && Used(2, 81) == 0 && Used(3, 10) == 0; },
                      absl::Seconds(4)));
  EXPECT_EQ(Used(3, 11), 1);
  EXPECT_EQ(Used(3, 12), 1);
  // Without a cool-down the old time is free at once (as before).
  store_options_.cancel_cooldown = absl::ZeroDuration();
  MakeStore();
  auto back = store_->Reschedule(*store_->GetBooking(b->code), At(2, 80, 2), "");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(Used(3, 11), 0);
  EXPECT_EQ(Used(3, 12), 0);
}

TEST_F(AppointmentsStoreTest, QuotaCountsNormalisedEmailsAcrossOffices) {
  store_options_.quota = 2;
  store_options_.quota_whitelist = {"counter@kiel.de"};
  MakeStore();
  const Office* other = catalog_.FindOffice("other");
  auto first = store_->Book(At(2, 10), {"A", "Max.Muster+1@GoogleMail.com", ""}, "");
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(store_->Book(At(2, 11, 1, other), {"A", "maxmuster@gmail.com", ""}, "").ok());
  auto third = store_->Book(At(2, 12), {"A", "MAX.MUSTER@gmail.com", ""}, "");
  EXPECT_EQ(third.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(platform::ProblemOf(third.status()), "quota-reached");
  EXPECT_EQ(Used(2, 12), 0) << "a refused booking changes nothing";

  // Confirming a reservation counts too.
  auto r = store_->Reserve(At(2, 12), "");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(platform::ProblemOf(store_->Confirm(r->id, {"A", "maxmuster@gmail.com", ""}, "").status()),
            "quota-reached");
  EXPECT_EQ(Used(2, 12), 1) << "the reservation is still held";

  ASSERT_TRUE(store_->Cancel(*first, "").ok());
  EXPECT_TRUE(store_->Confirm(r->id, {"A", "maxmuster@gmail.com", ""}, "").ok());
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(store_->Book(At(3, i), {"Counter", "Counter@Kiel.de", ""}, "").ok());
  }
}

TEST_F(AppointmentsStoreTest, ClerkStatusTransitions) {
  auto b = store_->Book(At(1, 5), Person(1), "");
  ASSERT_TRUE(b.ok());
  auto in = store_->SetStatus(*b, "checked-in", "");
  ASSERT_TRUE(in.ok()) << in.status();
  EXPECT_EQ(store_->GetBooking(b->code)->status, "checked-in");
  auto no = store_->SetStatus(*in, "no-show", "");
  EXPECT_EQ(no.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->Cancel(*in, "").code(), absl::StatusCode::kFailedPrecondition);
}

// A command repeated with its Idempotency-Key (a retry after a lost answer) changes nothing
// twice: same booking, same reservation, one event each; the key with another request is refused.
TEST_F(AppointmentsStoreTest, RepeatedCommandsChangeNothingTwice) {
  auto outbox_length = [&] {
    auto n = pool_->Command({"XLEN", outbox_->stream_key()});
    return n.ok() ? n->integer : -1;
  };
  const CommandKey book = store_->Command("Book|", "key-1", "request-1");
  auto first = store_->Book(At(4, 10), Person(1), "", book);
  ASSERT_TRUE(first.ok()) << first.status();
  auto again = store_->Book(At(4, 10), Person(1), "", book);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->code, first->code);
  EXPECT_EQ(again->contact.email, "person1@example.org");
  EXPECT_EQ(Used(4, 10), 1);
  EXPECT_EQ(outbox_length(), 1);
  auto other = store_->Book(At(4, 10), Person(2), "", store_->Command("Book|", "key-1", "request-2"));
  EXPECT_EQ(platform::ProblemOf(other.status()), "idempotency-key-reused") << other.status();
  EXPECT_EQ(Used(4, 10), 1);
  // The same key in another scope is another command.
  auto elsewhere = store_->Book(At(4, 10), Person(3), "", store_->Command("Book|x", "key-1", "request-1"));
  ASSERT_TRUE(elsewhere.ok()) << elsewhere.status();
  EXPECT_NE(elsewhere->code, first->code);
  EXPECT_EQ(Used(4, 10), 2);

  const CommandKey reserve = store_->Command("Reserve|", "key-2", "r");
  auto held = store_->Reserve(At(4, 20), "", reserve);
  ASSERT_TRUE(held.ok()) << held.status();
  auto held_again = store_->Reserve(At(4, 20), "", reserve);
  ASSERT_TRUE(held_again.ok()) << held_again.status();
  EXPECT_EQ(held_again->id, held->id);
  EXPECT_EQ(held_again->expires_at, held->expires_at);
  EXPECT_EQ(Used(4, 20), 1);
  const CommandKey confirm = store_->Command("Confirm|", "key-3", "c");
  auto confirmed = store_->Confirm(held->id, Person(4), "", confirm);
  ASSERT_TRUE(confirmed.ok()) << confirmed.status();
  auto confirmed_again = store_->Confirm(held->id, Person(4), "", confirm);
  ASSERT_TRUE(confirmed_again.ok()) << confirmed_again.status();
  EXPECT_EQ(confirmed_again->code, confirmed->code);
  EXPECT_EQ(store_->Confirm(held->id, Person(4), "").status().code(),
            absl::StatusCode::kAlreadyExists) << "without the key a second confirm is refused";

  const CommandKey move = store_->Command("Reschedule|" + first->code, "key-4", "m");
  auto moved = store_->Reschedule(*first, At(4, 30), "", move);
  ASSERT_TRUE(moved.ok()) << moved.status();
  auto moved_again = store_->Reschedule(*first, At(4, 30), "", move);
  ASSERT_TRUE(moved_again.ok()) << moved_again.status();
  EXPECT_EQ(moved_again->reschedule_count, 1);
  EXPECT_EQ(Used(4, 30), 1);
  EXPECT_EQ(Used(4, 10), 1);

  const CommandKey cancel = store_->Command("Cancel|" + first->code, "key-5", "x");
  EXPECT_TRUE(store_->Cancel(*moved, "", cancel).ok());
  EXPECT_TRUE(store_->Cancel(*moved, "", cancel).ok());
  EXPECT_EQ(Used(4, 30), 0);
  // Book, book elsewhere, reserve, confirm, reschedule, cancel: six events, none twice.
  EXPECT_EQ(outbox_length(), 6);
  // Redis holds neither the key nor the request in clear.
  auto keys = pool_->Command({"KEYS", store_->options().key_prefix + "cmd:*"});
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->elements.size(), 6u);
  for (const auto& k : keys->elements) EXPECT_EQ(k.str.find("key-"), std::string::npos);
}

}  // namespace
}  // namespace rathaus::appointments::testing
