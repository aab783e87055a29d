// Test events through the real outbox and inbox: fill an outbox, apply consumed events with an
// inbox-guarded script, and check that every event was applied exactly once and in order per
// aggregate.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "shared/kafka/consumer.h"
#include "shared/outbox/outbox.h"
#include "shared/redis/redis.h"

namespace rathaus::testing {

// Writes events seq = first .. first+count-1 in batches, keyed "<key_prefix><seq % aggregates>".
// Writers that run at the same time use different key prefixes, so that the order of each
// aggregate's events is the order of its seq.
absl::Status FillOutbox(platform::redis::Pool& pool, const platform::outbox::Outbox& outbox,
                        int64_t first, int64_t count, int aggregates, int batch = 500,
                        const std::string& key_prefix = "agg-");

// Applies Pinged events under `prefix` (counts, order per aggregate), once per ce_id.
class PingApplier {
 public:
  PingApplier(platform::redis::Pool& pool, std::string prefix, std::string group);
  absl::Status Apply(const platform::kafka::Event& event);
  // The same for a batch, in one pipelined round trip.
  std::vector<absl::Status> ApplyBatch(const std::vector<platform::kafka::Event>& events);

  struct Tally {
    int64_t distinct = 0;      // events applied
    int64_t applied_twice = 0; // events whose count is not 1 (must be 0)
    int64_t deliveries = 0;    // records handed to the handler, duplicates included
    int64_t order_violations = 0;
  };
  absl::StatusOr<Tally> Count();

 private:
  platform::redis::Pool& pool_;
  std::string prefix_;
  absl::StatusOr<platform::redis::ScriptCall> Call(const platform::kafka::Event& event);
  platform::outbox::Inbox inbox_;
};

}  // namespace rathaus::testing
