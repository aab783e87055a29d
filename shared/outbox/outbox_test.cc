// Unit tests of the outbox's event shape (the Redis and Kafka parts run in tests/integration).
#include "shared/outbox/outbox.h"

#include <gtest/gtest.h>

#include <google/protobuf/wrappers.pb.h>

#include "rathaus_platform_embedded.h"

namespace rathaus::platform::outbox {
namespace {

TEST(OutboxTest, NamesFollowTheDesign) {
  Outbox outbox("appointments", "appt:");
  EXPECT_EQ(outbox.topic(), "rathaus.appointments.v1");
  EXPECT_EQ(outbox.stream_key(), "appt:outbox");
}

TEST(OutboxTest, NewEventCarriesIdTypeTimeAndSubject) {
  Outbox outbox("registrations", "reg:");
  google::protobuf::StringValue payload;
  payload.set_value("x");
  OutgoingEvent a = outbox.NewEvent("case-42", payload, "00-abc-def-01");
  OutgoingEvent b = outbox.NewEvent("case-42", payload);
  EXPECT_EQ(a.id.size(), 36u);
  EXPECT_NE(a.id, b.id) << "every event gets its own ce_id";
  EXPECT_EQ(a.topic, "rathaus.registrations.v1");
  EXPECT_EQ(a.key, "case-42");
  EXPECT_EQ(a.subject, "case-42");
  EXPECT_EQ(a.type, "google.protobuf.StringValue");
  EXPECT_EQ(a.traceparent, "00-abc-def-01");
  EXPECT_EQ(a.payload, payload.SerializeAsString());
  absl::Time t;
  std::string err;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, a.time, &t, &err)) << a.time << ": " << err;
  EXPECT_EQ(a.time.back(), 'Z');
}

TEST(OutboxTest, ArgsAreInThePreludeOrder) {
  OutgoingEvent e{.id = "i", .topic = "t", .key = "k", .type = "y", .time = "m", .subject = "s",
                  .traceparent = "p", .payload = "d"};
  std::vector<std::string> argv = {"state"};
  Outbox::AppendArgs(e, &argv);
  ASSERT_EQ(argv.size(), 1u + Outbox::kArgsPerEvent);
  EXPECT_EQ(argv, (std::vector<std::string>{"state", "i", "t", "k", "y", "m", "s", "p", "d"}));
  // The prelude must read the fields in the same order.
  std::string prelude(lua::kPrelude);
  const char* order[] = {"'id', argv[i]", "'topic', argv[i + 1]", "'key', argv[i + 2]",
                         "'type', argv[i + 3]", "'time', argv[i + 4]", "'subject', argv[i + 5]",
                         "'traceparent', argv[i + 6]", "'payload', argv[i + 7]"};
  for (const char* field : order) EXPECT_NE(prelude.find(field), std::string::npos) << field;
}

TEST(InboxTest, KeyPerConsumerGroupAndRetention) {
  Inbox inbox("idd:", "id-documents", absl::Hours(48));
  EXPECT_EQ(inbox.Key("7f1c"), "idd:inbox:id-documents:7f1c");
  EXPECT_EQ(inbox.TtlSeconds(), "172800");
}

}  // namespace
}  // namespace rathaus::platform::outbox
