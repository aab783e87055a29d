#include "tests/harness/events.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "rathaus/testing/v1/events.pb.h"
#include "rathaus_test_harness_embedded.h"

namespace rathaus::testing {

absl::Status FillOutbox(platform::redis::Pool& pool, const platform::outbox::Outbox& outbox,
                        int64_t first, int64_t count, int aggregates, int batch) {
  std::vector<platform::outbox::OutgoingEvent> events;
  for (int64_t seq = first; seq < first + count; ++seq) {
    rathaus::testing::v1::Pinged ping;
    ping.set_seq(seq);
    ping.set_created_unix_micros(absl::ToUnixMicros(absl::Now()));
    events.push_back(outbox.NewEvent(absl::StrCat("agg-", seq % aggregates), ping));
    if (static_cast<int>(events.size()) == batch || seq == first + count - 1) {
      if (auto s = outbox.Publish(pool, events); !s.ok()) return s;
      events.clear();
    }
  }
  return absl::OkStatus();
}

PingApplier::PingApplier(platform::redis::Pool& pool, std::string prefix, std::string group)
    : pool_(pool), prefix_(std::move(prefix)), inbox_(prefix_, std::move(group)) {}

absl::Status PingApplier::Apply(const platform::kafka::Event& event) {
  static const platform::redis::Script kApply =
      platform::redis::Script::WithPrelude("apply_ping", lua::kApplyPing);
  rathaus::testing::v1::Pinged ping;
  if (event.type() != "rathaus.testing.v1.Pinged" || !ping.ParseFromString(event.value)) {
    return absl::InvalidArgumentError("not a rathaus.testing.v1.Pinged event");
  }
  auto r = pool_.Eval(kApply,
                      {inbox_.Key(event.id()), prefix_ + "applied", prefix_ + "deliveries",
                       prefix_ + "last-seq", prefix_ + "order-violations"},
                      {inbox_.TtlSeconds(), std::string(event.id()), event.key,
                       absl::StrCat(ping.seq())});
  return r.ok() ? absl::OkStatus() : r.status();
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
