#include "shared/outbox/outbox.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "rathaus_platform_embedded.h"
#include "shared/crypto/crypto.h"

namespace rathaus::platform::outbox {

Outbox::Outbox(std::string service, std::string key_prefix)
    : service_(std::move(service)),
      topic_(absl::StrCat("rathaus.", service_, ".v1")),
      stream_key_(absl::StrCat(key_prefix, "outbox")) {}

OutgoingEvent Outbox::NewEvent(std::string_view aggregate_id,
                               const google::protobuf::Message& payload,
                               std::string_view traceparent) const {
  OutgoingEvent e;
  e.id = crypto::NewUuid();
  e.topic = topic_;
  e.key = std::string(aggregate_id);
  e.type = payload.GetDescriptor()->full_name();
  e.time = absl::FormatTime("%Y-%m-%d%ET%H:%M:%E6SZ", absl::Now(), absl::UTCTimeZone());
  e.subject = std::string(aggregate_id);
  e.traceparent = std::string(traceparent);
  e.payload = payload.SerializeAsString();
  return e;
}

void Outbox::AppendArgs(const OutgoingEvent& e, std::vector<std::string>* argv) {
  argv->push_back(e.id);
  argv->push_back(e.topic);
  argv->push_back(e.key);
  argv->push_back(e.type);
  argv->push_back(e.time);
  argv->push_back(e.subject);
  argv->push_back(e.traceparent);
  argv->push_back(e.payload);
}

absl::Status Outbox::Publish(redis::Pool& pool, std::span<const OutgoingEvent> events) const {
  static const redis::Script kPublish = redis::Script::WithPrelude("publish", lua::kPublish);
  if (events.empty()) return absl::OkStatus();
  std::vector<std::string> argv;
  argv.reserve(events.size() * kArgsPerEvent);
  for (const auto& e : events) AppendArgs(e, &argv);
  auto r = pool.Eval(kPublish, {stream_key_}, argv);
  return r.ok() ? absl::OkStatus() : r.status();
}

absl::StatusOr<int64_t> Outbox::Pending(redis::Pool& pool) const {
  auto r = pool.Command({"XLEN", stream_key_});
  if (!r.ok()) return r.status();
  return r->integer;
}

Inbox::Inbox(std::string key_prefix, std::string consumer_group, absl::Duration retention)
    : prefix_(absl::StrCat(key_prefix, "inbox:", consumer_group, ":")), retention_(retention) {}

std::string Inbox::Key(std::string_view event_id) const {
  return absl::StrCat(prefix_, absl::string_view(event_id.data(), event_id.size()));
}

std::string Inbox::TtlSeconds() const {
  return absl::StrCat(absl::ToInt64Seconds(retention_));
}

}  // namespace rathaus::platform::outbox
