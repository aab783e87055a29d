// Whether a Redis acknowledges only durable writes (DESIGN.md "Never lose an event"): an event
// that reached Kafka must never describe a state that a crash of the Redis host took back.
//
//   appendonly yes        every write goes to the append-only file
//   appendfsync always    ...and is on disk before Redis answers (Redis groups the fsyncs of
//                         one event-loop round); "everysec" may lose the last second
//   maxmemory-policy noeviction   full memory refuses writes instead of dropping keys (the
//                         volatile-* policies would drop inbox records, which have a TTL)
//
// Services check this at start and as a readiness probe (shared/service/kit.h); an operator
// whose managed Redis hides CONFIG turns the check off with RATHAUS_REDIS_DURABILITY_CHECK=off
// after making sure of the same by other means.
#pragma once

#include "absl/status/status.h"
#include "shared/redis/redis.h"

namespace rathaus::platform::redis {

// OK, or FAILED_PRECONDITION naming every setting that is off (UNAVAILABLE when Redis does not
// answer).
absl::Status CheckDurability(Pool& pool);

}  // namespace rathaus::platform::redis
