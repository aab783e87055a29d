// The service through a real in-process gRPC server: status codes and trailing metadata as the
// gateway sees them.
#include <gtest/gtest.h>

#include <grpcpp/grpcpp.h>

#include <atomic>

#include "absl/strings/match.h"
#include "rathaus/appointments/v1/appointments.grpc.pb.h"
#include "services/appointments/domain/slots.h"
#include "services/appointments/integration/fixture.h"
#include "services/appointments/service.h"
#include "shared/grpc/server.h"

namespace rathaus::appointments::testing {
namespace {

class AppointmentsGrpcTest : public StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    store_options_.quota = 2;
    MakeStore();
    service_impl_ = std::make_unique<AppointmentsService>(
        catalog_, *store_, std::string(32, 'k'), credentials_.callers(), [this] {
          const int64_t fake = clock_ms_.load();
          return fake == 0 ? absl::Now() : absl::FromUnixMillis(fake);
        });
    platform::GrpcServerOptions options;
    options.listen = "127.0.0.1:0";
    server_ = std::make_unique<platform::GrpcServer>("appointments", options);
    server_->AddService(service_impl_.get());
    ASSERT_TRUE(server_->Start().ok());
    stub_ = v1::Appointments::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", server_->port()), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    server_->RequestShutdown();
    server_->Wait();
    StoreFixture::TearDown();
  }

  std::string StartText(int ahead, int bucket) {
    return FormatLocal(At(ahead, bucket).start, office_->time_zone);
  }
  static std::string Trailer(const grpc::ClientContext& ctx, const std::string& key) {
    auto it = ctx.GetServerTrailingMetadata().find(key);
    return it == ctx.GetServerTrailingMetadata().end() ? ""
                                                      : std::string(it->second.data(), it->second.size());
  }
  v1::BookRequest BookAt(int ahead, int bucket, const std::string& email) {
    v1::BookRequest req;
    req.set_office("night");
    auto* s = req.add_services();
    s->set_id("pass");
    req.set_start(StartText(ahead, bucket));
    req.set_name("Erika Mustermann");
    req.set_email(email);
    return req;
  }

  // The service's clock: the real one unless a test sets a time.
  std::atomic<int64_t> clock_ms_{0};
  void SetClock(absl::Time t) { clock_ms_ = absl::ToUnixMillis(t); }
  std::unique_ptr<AppointmentsService> service_impl_;
  std::unique_ptr<platform::GrpcServer> server_;
  std::unique_ptr<v1::Appointments::Stub> stub_;
};

TEST_F(AppointmentsGrpcTest, BookViewCalendarRescheduleCancel) {
  grpc::ClientContext c1;
  v1::Booking booking;
  grpc::Status s = stub_->Book(&c1, BookAt(2, 36, "erika@example.org"), &booking);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(booking.code().size(), 8u);
  EXPECT_EQ(booking.token().size(), 43u);
  EXPECT_EQ(booking.status(), "booked");
  EXPECT_EQ(booking.start(), StartText(2, 36));

  grpc::ClientContext c2;
  v1::GetBookingRequest get;
  get.set_code(booking.code());
  get.set_token(booking.token());
  v1::Booking read;
  ASSERT_TRUE(stub_->GetBooking(&c2, get, &read).ok());
  EXPECT_TRUE(read.token().empty());
  EXPECT_EQ(read.email(), "erika@example.org");

  // A wrong token and an unknown code answer alike.
  grpc::ClientContext c3, c4;
  get.set_token(booking.token().substr(1) + "A");
  grpc::Status wrong = stub_->GetBooking(&c3, get, &read);
  get.set_code("ZZZZZZZZ");
  grpc::Status unknown = stub_->GetBooking(&c4, get, &read);
  EXPECT_EQ(wrong.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(wrong.error_message(), unknown.error_message());

  grpc::ClientContext c5;
  v1::RescheduleBookingRequest move;
  move.set_code(booking.code());
  move.set_token(booking.token());
  move.set_start(StartText(3, 40));
  v1::Booking moved;
  ASSERT_TRUE(stub_->RescheduleBooking(&c5, move, &moved).ok());
  EXPECT_EQ(moved.reschedule_count(), 1);
  EXPECT_EQ(moved.code(), booking.code());

  grpc::ClientContext c6;
  get.set_code(booking.code());
  get.set_token(booking.token());
  rathaus::common::v1::File ics;
  ASSERT_TRUE(stub_->GetBookingCalendar(&c6, get, &ics).ok());
  EXPECT_EQ(ics.content_type(), "text/calendar; charset=utf-8");
  EXPECT_TRUE(absl::StrContains(ics.content(), "SEQUENCE:1\r\n"));

  grpc::ClientContext c7;
  v1::CancelBookingRequest cancel;
  cancel.set_code(booking.code());
  cancel.set_token(booking.token());
  google::protobuf::Empty empty;
  ASSERT_TRUE(stub_->CancelBooking(&c7, cancel, &empty).ok());
}

TEST_F(AppointmentsGrpcTest, InvalidInputNamesTheField) {
  struct Case {
    std::function<void(v1::BookRequest*)> edit;
    std::string field;
  };
  for (const Case& c : std::vector<Case>{
           {[](v1::BookRequest* r) { r->set_email("not-an-email"); }, "email"},
           {[](v1::BookRequest* r) { r->set_name(""); }, "name"},
           {[](v1::BookRequest* r) { r->set_start("tomorrow"); }, "start"},
           {[](v1::BookRequest* r) { r->set_start("2020-01-01T09:00:00+01:00"); }, "start"},
           {[](v1::BookRequest* r) { r->mutable_services(0)->set_quantity(9); }, "services"},
           {[](v1::BookRequest* r) { r->clear_services(); }, "services"},
           {[](v1::BookRequest* r) { r->set_office(""); }, "office"}}) {
    v1::BookRequest req = BookAt(2, 50, "erika@example.org");
    c.edit(&req);
    grpc::ClientContext ctx;
    v1::Booking booking;
    grpc::Status s = stub_->Book(&ctx, req, &booking);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_EQ(Trailer(ctx, "rathaus-field"), c.field);
  }
  grpc::ClientContext ctx;
  v1::BookRequest req = BookAt(2, 50, "erika@example.org");
  req.set_office("../etc/passwd");
  v1::Booking booking;
  EXPECT_EQ(stub_->Book(&ctx, req, &booking).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Used(2, 50), 0);
}

TEST_F(AppointmentsGrpcTest, SlotTakenQuotaAndAvailability) {
  for (int i = 0; i < 3; ++i) {
    grpc::ClientContext ctx;
    v1::Booking booking;
    ASSERT_TRUE(stub_->Book(&ctx, BookAt(2, 44, absl::StrCat("p", i, "@example.org")), &booking).ok());
  }
  grpc::ClientContext taken_ctx;
  v1::Booking booking;
  grpc::Status taken = stub_->Book(&taken_ctx, BookAt(2, 44, "p9@example.org"), &booking);
  EXPECT_EQ(taken.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(Trailer(taken_ctx, "rathaus-problem"), "slot-taken");

  grpc::ClientContext q1, q2;
  ASSERT_TRUE(stub_->Book(&q1, BookAt(2, 45, "p0+x@example.org"), &booking).ok());
  grpc::Status quota = stub_->Book(&q2, BookAt(2, 46, "P0@example.org"), &booking);
  EXPECT_EQ(quota.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Trailer(q2, "rathaus-problem"), "quota-reached");

  grpc::ClientContext a;
  v1::GetAvailabilityRequest req;
  req.set_office("night");
  req.add_services()->set_id("pass");
  req.set_from(FormatDay(Day(2)));
  req.set_to(FormatDay(Day(2)));
  v1::GetAvailabilityResponse slots;
  ASSERT_TRUE(stub_->GetAvailability(&a, req, &slots).ok());
  int full = 0;
  for (const v1::Slot& slot : slots.slots()) {
    if (slot.start() == StartText(2, 44)) {
      EXPECT_EQ(slot.free(), 0);
      ++full;
    } else if (slot.start() == StartText(2, 45)) {
      EXPECT_EQ(slot.free(), 2);
    }
  }
  EXPECT_EQ(full, 1);

  grpc::ClientContext bad;
  req.set_to(FormatDay(Day(80)));
  EXPECT_EQ(stub_->GetAvailability(&bad, req, &slots).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Trailer(bad, "rathaus-field"), "to");
}

TEST_F(AppointmentsGrpcTest, ExpiredReservationCannotBeConfirmed) {
  store_options_.hold = absl::Milliseconds(300);
  MakeStore();
  AppointmentsService service(catalog_, *store_, std::string(32, 'k'), credentials_.callers());
  platform::GrpcServerOptions options;
  options.listen = "127.0.0.1:0";
  platform::GrpcServer server("appointments", options);
  server.AddService(&service);
  ASSERT_TRUE(server.Start().ok());
  auto stub = v1::Appointments::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", server.port()), grpc::InsecureChannelCredentials()));

  grpc::ClientContext c1;
  v1::ReserveRequest reserve;
  reserve.set_office("night");
  reserve.add_services()->set_id("pass");
  reserve.set_start(StartText(2, 20));
  v1::Reservation reservation;
  ASSERT_TRUE(stub->Reserve(&c1, reserve, &reservation).ok());
  EXPECT_EQ(reservation.reservation_id().size(), 22u);
  absl::SleepFor(absl::Milliseconds(400));
  grpc::ClientContext c2;
  v1::ConfirmReservationRequest confirm;
  confirm.set_reservation_id(reservation.reservation_id());
  confirm.set_name("Erika");
  confirm.set_email("erika@example.org");
  v1::Booking booking;
  grpc::Status s = stub->ConfirmReservation(&c2, confirm, &booking);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Trailer(c2, "rathaus-problem"), "reservation-expired");
  grpc::ClientContext c3;
  confirm.set_reservation_id("AAAAAAAAAAAAAAAAAAAAAA");
  EXPECT_EQ(stub->ConfirmReservation(&c3, confirm, &booking).error_code(),
            grpc::StatusCode::NOT_FOUND);
  server.RequestShutdown();
  server.Wait();
}

TEST_F(AppointmentsGrpcTest, ClerkMetadataIsRequiredAndLimitsOffices) {
  grpc::ClientContext c0;
  v1::Booking booking;
  ASSERT_TRUE(stub_->Book(&c0, BookAt(1, 8, "erika@example.org"), &booking).ok());

  v1::ListOfficeBookingsRequest list;
  list.set_office("night");
  list.set_date(FormatDay(Day(1)));
  v1::ListOfficeBookingsResponse listed;
  grpc::ClientContext anonymous;
  EXPECT_EQ(stub_->ListOfficeBookings(&anonymous, list, &listed).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // Metadata proves nothing: what the gateway used to send is refused without a token.
  grpc::ClientContext forged;
  forged.AddMetadata("rathaus-clerk-subject", "clerk-1");
  forged.AddMetadata("rathaus-clerk-offices", "*");
  EXPECT_EQ(stub_->ListOfficeBookings(&forged, list, &listed).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  grpc::ClientContext expired;
  expired.AddMetadata("authorization", "Bearer " + credentials_.Token("clerk", {"*"}, "clerk-1",
                                                                       absl::Hours(-1)));
  EXPECT_EQ(stub_->ListOfficeBookings(&expired, list, &listed).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  grpc::ClientContext wrong_role;
  wrong_role.AddMetadata("authorization",
                         "Bearer " + credentials_.Token("invoice-clerk", {"*"}, "clerk-1"));
  EXPECT_EQ(stub_->ListOfficeBookings(&wrong_role, list, &listed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  grpc::ClientContext elsewhere;
  elsewhere.AddMetadata("authorization", "Bearer " + credentials_.Token("clerk", {"other", "kiel-mitte"}, "clerk-1"));
  EXPECT_EQ(stub_->ListOfficeBookings(&elsewhere, list, &listed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  grpc::ClientContext clerk;
  clerk.AddMetadata("authorization", "Bearer " + credentials_.Token("clerk", {"other", "night"}, "clerk-1"));
  ASSERT_TRUE(stub_->ListOfficeBookings(&clerk, list, &listed).ok());
  ASSERT_EQ(listed.bookings_size(), 1);
  EXPECT_EQ(listed.bookings(0).code(), booking.code());
  EXPECT_TRUE(listed.bookings(0).token().empty());

  v1::ClerkBookingRequest req;
  req.set_code(booking.code());
  v1::Booking changed;
  grpc::ClientContext no_auth;
  EXPECT_EQ(stub_->CheckIn(&no_auth, req, &changed).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // A clerk of another office gets the answer of an unknown code: nothing tells that it exists.
  grpc::ClientContext denied;
  denied.AddMetadata("authorization", "Bearer " + credentials_.Token("clerk", {"other"}, "clerk-2"));
  const grpc::Status elsewhere_status = stub_->CheckIn(&denied, req, &changed);
  EXPECT_EQ(elsewhere_status.error_code(), grpc::StatusCode::NOT_FOUND);
  grpc::ClientContext unknown;
  unknown.AddMetadata("authorization", "Bearer " + credentials_.Token("clerk", {"other"}, "clerk-2"));
  v1::ClerkBookingRequest unknown_req;
  unknown_req.set_code("ZZZZ2222");
  const grpc::Status unknown_status = stub_->CheckIn(&unknown, unknown_req, &changed);
  EXPECT_EQ(unknown_status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(elsewhere_status.error_message(), unknown_status.error_message());
  grpc::ClientContext padded;
  padded.AddMetadata("authorization", "Bearer " + credentials_.Token("clerk", {" *"}, "clerk-2"));
  EXPECT_EQ(stub_->CheckIn(&padded, req, &changed).error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << "an offices claim \" *\" is not every office";
  grpc::ClientContext any;
  any.AddMetadata("authorization", "Bearer " + credentials_.Token("clerk", {"*"}, "clerk-3"));
  SetClock(At(1, 8).start - absl::Minutes(30));  // the appointment's day
  ASSERT_TRUE(stub_->CheckIn(&any, req, &changed).ok());
  EXPECT_EQ(changed.status(), "checked-in");
  grpc::ClientContext again;
  again.AddMetadata("authorization", "Bearer " + credentials_.Token("clerk", {"*"}, "clerk-3"));
  EXPECT_EQ(stub_->MarkNoShow(&again, req, &changed).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

// A check-in frees the citizen's quota and ends cancel and reschedule: it is accepted only on
// the appointment's day at the office (Europe/Berlin), like a no-show only after the start.
TEST_F(AppointmentsGrpcTest, CheckInOnlyOnTheAppointmentsDay) {
  grpc::ClientContext c0;
  v1::Booking booking;
  ASSERT_TRUE(stub_->Book(&c0, BookAt(3, 40, "early.bird@example.org"), &booking).ok());
  v1::ClerkBookingRequest req;
  req.set_code(booking.code());
  auto check_in = [&](absl::Time now, v1::Booking* out) {
    SetClock(now);
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + credentials_.Token("clerk", {"*"}, "clerk-1"));
    const grpc::Status status = stub_->CheckIn(&ctx, req, out);
    return std::make_pair(status, Trailer(ctx, "rathaus-problem"));
  };
  const absl::Time start = At(3, 40).start;  // 10:00 local
  const absl::Time midnight = absl::FromCivil(absl::CivilSecond(Day(3)), office_->time_zone);
  v1::Booking out;
  for (const absl::Time early : {absl::Now(), midnight - absl::Seconds(1)}) {
    auto [status, problem] = check_in(early, &out);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << early;
    EXPECT_EQ(problem, "booking-not-today");
    EXPECT_NE(status.error_message().find("day of the appointment"), std::string::npos)
        << status.error_message();
  }
  auto [late_status, late_problem] = check_in(midnight + absl::Hours(24), &out);
  EXPECT_EQ(late_status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(late_problem, "booking-not-today");
  EXPECT_EQ(store_->GetBooking(booking.code())->status, "booked") << "a refused check-in changes nothing";

  // The citizen can still cancel (the quota counts the booking until then).
  auto [ok, none] = check_in(start - absl::Hours(2), &out);
  ASSERT_TRUE(ok.ok()) << ok.error_message();
  EXPECT_EQ(out.status(), "checked-in");
  EXPECT_TRUE(none.empty());
}

}  // namespace
}  // namespace rathaus::appointments::testing
