// AppendJson must print what util::MessageToJsonString prints (always_print_primitive_fields,
// json names) for every message the gateway answers with: random messages of every type
// reachable from the services' methods, with awkward strings, must parse back (with util's
// parser) into the same message, name every primitive field, and be as long as util's output
// (same escapes; util orders some keys differently, which JSON readers ignore).
#include "gateway/json_print.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <set>

#include "rathaus/appointments/v1/appointments.pb.h"
#include "rathaus/appointments/v1/events.pb.h"

namespace rathaus::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

const char* kStrings[] = {"",
                          "Bürgerbüro Mitte",
                          "quote \" backslash \\ slash /",
                          "tab\tnewline\ncr\rbell\x07 del\x7f",
                          "<script>alert(1)</script> & 'single'",
                          "line\xe2\x80\xa8separator \xe2\x80\xa9",
                          "emoji \xf0\x9f\x8f\x9b\xef\xb8\x8f",
                          "2026-12-01T09:00:00+01:00"};

void Fill(Message* m, std::mt19937* rng, int depth) {
  const Descriptor* d = m->GetDescriptor();
  const auto* r = m->GetReflection();
  auto pick = [&](int n) { return static_cast<int>((*rng)() % n); };
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    const int count = f->is_repeated() ? pick(4) : (pick(4) == 0 ? 0 : 1);
    for (int k = 0; k < count; ++k) {
      switch (f->cpp_type()) {
        case FieldDescriptor::CPPTYPE_INT32: {
          const int32_t v = pick(3) == 0 ? -pick(1000) : pick(100000);
          f->is_repeated() ? r->AddInt32(m, f, v) : r->SetInt32(m, f, v);
          break;
        }
        case FieldDescriptor::CPPTYPE_INT64: {
          const int64_t v = static_cast<int64_t>((*rng)()) * 1000003 - 77;
          f->is_repeated() ? r->AddInt64(m, f, v) : r->SetInt64(m, f, v);
          break;
        }
        case FieldDescriptor::CPPTYPE_BOOL:
          f->is_repeated() ? r->AddBool(m, f, pick(2)) : r->SetBool(m, f, pick(2));
          break;
        case FieldDescriptor::CPPTYPE_STRING: {
          const std::string v = kStrings[pick(std::size(kStrings))];
          f->is_repeated() ? r->AddString(m, f, v) : r->SetString(m, f, v);
          break;
        }
        case FieldDescriptor::CPPTYPE_MESSAGE:
          if (depth < 3) {
            Message* sub = f->is_repeated() ? r->AddMessage(m, f) : r->MutableMessage(m, f);
            if (sub->GetDescriptor()->full_name() == "google.protobuf.Timestamp") {
              sub->GetReflection()->SetInt64(sub, sub->GetDescriptor()->field(0),
                                             1764576000 + pick(100000));
            } else {
              Fill(sub, rng, depth + 1);
            }
          }
          break;
        default:
          break;
      }
    }
  }
}

std::string Util(const Message& m) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string out;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(m, &out, options).ok());
  return out;
}

std::set<const Descriptor*> ApiMessages() {
  std::set<const Descriptor*> out;
  const auto* service = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
      "rathaus.appointments.v1.Appointments");
  for (int i = 0; i < service->method_count(); ++i) {
    out.insert(service->method(i)->output_type());
    out.insert(service->method(i)->input_type());
  }
  out.insert(rathaus::appointments::v1::AppointmentRescheduled::descriptor());
  return out;
}

TEST(JsonPrintTest, MatchesUtilForEveryApiMessage) {
  google::protobuf::DynamicMessageFactory factory;
  std::mt19937 rng(20261123);
  int compared = 0;
  for (const Descriptor* d : ApiMessages()) {
    for (int round = 0; round < 200; ++round) {
      std::unique_ptr<Message> m(factory.GetPrototype(d)->New());
      if (round > 0) Fill(m.get(), &rng, 0);  // round 0: all defaults
      std::string mine;
      AppendJson(*m, &mine);
      const std::string util = Util(*m);
      ASSERT_EQ(mine.size(), util.size()) << d->full_name() << "\n" << mine << "\n" << util;
      std::unique_ptr<Message> back(factory.GetPrototype(d)->New());
      ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(mine, back.get()).ok()) << mine;
      ASSERT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*m, *back))
          << d->full_name() << "\n" << mine;
      for (int i = 0; i < d->field_count(); ++i) {
        const FieldDescriptor* f = d->field(i);
        if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || f->is_repeated()) {
          ASSERT_NE(mine.find("\"" + f->json_name() + "\":"), std::string::npos) << mine;
        }
      }
      ++compared;
    }
  }
  EXPECT_GT(compared, 2000);
}

TEST(JsonPrintTest, AvailabilityKeepsFreeZero) {
  rathaus::appointments::v1::GetAvailabilityResponse r;
  auto* s = r.add_slots();
  s->set_start("2026-12-01T09:00:00+01:00");
  s->set_end("2026-12-01T09:15:00+01:00");
  std::string out;
  AppendJson(r, &out);
  EXPECT_EQ(out,
            R"({"slots":[{"start":"2026-12-01T09:00:00+01:00","end":"2026-12-01T09:15:00+01:00","free":0}]})");
}

}  // namespace
}  // namespace rathaus::gateway
