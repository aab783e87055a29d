#include "tests/harness/events.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "rathaus/testing/v1/events.pb.h"
#include "rathaus_test_harness_embedded.h"

namespace rathaus::testing {

absl::Status FillOutbox(platform::redis::Pool& pool, const platform::outbox::Outbox& outbox,
                        int64_t first, int64_t count, int aggregates, int batch,
                        const std::string& key_prefix) {
  std::vector<platform::outbox::OutgoingEvent> events;
  for (int64_t seq = first; seq < first + count; ++seq) {
    rathaus::testing::v1::Pinged ping;
    ping.set_seq(seq);
    ping.set_created_unix_micros(absl::ToUnixMicros(absl::Now()));
    events.push_back(outbox.NewEvent(absl::StrCat(key_prefix, seq % aggregates), ping));
    if (static_cast<int>(events.size()) == batch || seq == first + count - 1) {
      if (auto s = outbox.Publish(pool, events); !s.ok()) return s;
      events.clear();
    }
  }
  return absl::OkStatus();
}

PingApplier::PingApplier(platform::redis::Pool& pool, std::string prefix, std::string group)
    : pool_(pool), prefix_(std::move(prefix)), inbox_(prefix_, std::move(group)) {}

namespace {
const platform::redis::Script& ApplyScript() {
  static const platform::redis::Script kApply =
      platform::redis::Script::WithPrelude("apply_ping", lua::kApplyPing);
  return kApply;
}
}  // namespace

absl::StatusOr<platform::redis::ScriptCall> PingApplier::Call(const platform::kafka::Event& event) {
  rathaus::testing::v1::Pinged ping;
  if (event.type() != "rathaus.testing.v1.Pinged" || !ping.ParseFromString(event.value)) {
    return absl::InvalidArgumentError("not a rathaus.testing.v1.Pinged event");
  }
  return platform::redis::ScriptCall{
      {inbox_.Key(event.id()), prefix_ + "applied", prefix_ + "deliveries", prefix_ + "last-seq",
       prefix_ + "order-violations"},
      {inbox_.TtlSeconds(), std::string(event.id()), event.key, absl::StrCat(ping.seq())}};
}

absl::Status PingApplier::Apply(const platform::kafka::Event& event) {
  auto call = Call(event);
  if (!call.ok()) return call.status();
  auto r = pool_.Eval(ApplyScript(), call->keys, call->argv);
  return r.ok() ? absl::OkStatus() : r.status();
}

std::vector<absl::Status> PingApplier::ApplyBatch(
    const std::vector<platform::kafka::Event>& events) {
  std::vector<absl::Status> out(events.size());
  std::vector<platform::redis::ScriptCall> calls;
  std::vector<size_t> index;
  for (size_t i = 0; i < events.size(); ++i) {
    auto call = Call(events[i]);
    if (!call.ok()) {
      out[i] = call.status();
      continue;
    }
    calls.push_back(std::move(*call));
    index.push_back(i);
  }
  if (calls.empty()) return out;
  auto replies = pool_.EvalMany(ApplyScript(), calls);
  for (size_t j = 0; j < index.size(); ++j) {
    if (!replies.ok()) {
      out[index[j]] = replies.status();
    } else if (!(*replies)[j].ok()) {
      out[index[j]] = (*replies)[j].status();
    }
  }
  return out;
}

absl::StatusOr<PingApplier::Tally> PingApplier::Count() {
  Tally t;
  auto all = pool_.Command({"HGETALL", prefix_ + "applied"});
  if (!all.ok()) return all.status();
  for (size_t i = 0; i + 1 < all->elements.size(); i += 2) {
    ++t.distinct;
    if (all->elements[i + 1].str != "1") ++t.applied_twice;
  }
  auto get_int = [&](const std::string& key) -> int64_t {
    auto r = pool_.Command({"GET", key});
    int64_t v = 0;
    if (r.ok() && !r->is_nil()) (void)absl::SimpleAtoi(r->str, &v);
    return v;
  };
  t.deliveries = get_int(prefix_ + "deliveries");
  t.order_violations = get_int(prefix_ + "order-violations");
  return t;
}

}  // namespace rathaus::testing
