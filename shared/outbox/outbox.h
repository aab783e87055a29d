// The transactional outbox: a service's state change and the event that announces it are
// written by ONE Lua script, so neither exists without the other. The relay (relay.h) later
// moves the events to Kafka.
//
// A service script is written with the platform prelude and calls outbox_append:
//
//   -- lua/cancel.lua        KEYS[1] booking, KEYS[2] outbox; ARGV[1] state, ARGV[2..9] event
//   redis.call('HSET', KEYS[1], 'state', ARGV[1])
//   outbox_append(KEYS[2], ARGV, 2)
//
//   static const redis::Script kCancel = redis::Script::WithPrelude("cancel", lua::kCancel);
//   outbox::Outbox outbox("appointments", "appt:");
//   std::vector<std::string> argv = {"cancelled"};
//   outbox.AppendArgs(outbox.NewEvent(booking_code, cancelled_proto), &argv);
//   pool.Eval(kCancel, {booking_key, outbox.stream_key()}, argv);
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/message.h>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "shared/redis/redis.h"

namespace rathaus::platform::outbox {

// An event as the outbox stores it; the relay turns it into a Kafka record with CloudEvents
// headers (ce_source comes from the relay's service name).
struct OutgoingEvent {
  std::string id;           // ce_id (UUID v4), fixed when the event is created
  std::string topic;
  std::string key;          // the aggregate id: Kafka key and ce_subject
  std::string type;         // ce_type: full protobuf name of the payload
  std::string time;         // ce_time, RFC 3339
  std::string subject;      // ce_subject; never personal data
  std::string traceparent;  // W3C trace context of the command, if any
  std::string payload;      // the serialized protobuf
};

class Outbox {
 public:
  static constexpr int kArgsPerEvent = 8;

  // `service` names the topic rathaus.<service>.v1; `key_prefix` (e.g. "appt:") the service's
  // keys; the stream is <key_prefix>outbox.
  Outbox(std::string service, std::string key_prefix);

  const std::string& service() const { return service_; }
  const std::string& topic() const { return topic_; }
  const std::string& stream_key() const { return stream_key_; }
  // Entries Kafka refused for good (relay.h), with their reason.
  std::string quarantine_key() const { return stream_key_ + ":quarantine"; }

  // An event on the service's topic, keyed and subjected by `aggregate_id`, with a new id and
  // the current time.
  OutgoingEvent NewEvent(std::string_view aggregate_id, const google::protobuf::Message& payload,
                         std::string_view traceparent = {}) const;

  // Appends the kArgsPerEvent script arguments for `event` (the order outbox_append reads).
  static void AppendArgs(const OutgoingEvent& event, std::vector<std::string>* argv);

  // Writes events with no other state change, atomically (all or none).
  absl::Status Publish(redis::Pool& pool, std::span<const OutgoingEvent> events) const;

  // Entries not yet confirmed by Kafka.
  absl::StatusOr<int64_t> Pending(redis::Pool& pool) const;

 private:
  std::string service_;
  std::string topic_;
  std::string stream_key_;
};

// The consumer side: a handler's script asks inbox_seen(KEYS[k]) first and changes nothing when
// it is true (the event was applied before); it checks everything before its first write and
// calls inbox_claim(KEYS[k], ttl) last, because Redis keeps what a failing script wrote: a claim
// written first would make the retry skip an event that was applied only half.
//
//   -- lua/apply_ready.lua   KEYS[1] inbox key, KEYS[2] application; ARGV[1] ttl
//   if inbox_seen(KEYS[1]) then return 0 end
//   if redis.call('EXISTS', KEYS[2]) == 0 then return redis.error_reply('unknown') end
//   redis.call('HSET', KEYS[2], 'status', 'ready')
//   inbox_claim(KEYS[1], ARGV[1])
//   return 1
class Inbox {
 public:
  // Records are kept for `retention`, longer than Kafka keeps the events (the service kit
  // derives it from RATHAUS_KAFKA_RETENTION; default here 14 days).
  Inbox(std::string key_prefix, std::string consumer_group,
        absl::Duration retention = absl::Hours(24 * 14));
  // The key that records `event_id` for this consumer group.
  std::string Key(std::string_view event_id) const;
  std::string TtlSeconds() const;

 private:
  std::string prefix_;
  absl::Duration retention_;
};

}  // namespace rathaus::platform::outbox
