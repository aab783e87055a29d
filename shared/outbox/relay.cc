#include "shared/outbox/relay.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "rathaus_platform_embedded.h"
#include "shared/crypto/crypto.h"
#include "shared/log/log.h"

namespace rathaus::platform::outbox {
namespace {

const redis::Script& LeaseScript() {
  static const redis::Script s("relay_lease", std::string(lua::kRelayLease));
  return s;
}
const redis::Script& QuarantineScript() {
  static const redis::Script s("quarantine", std::string(lua::kQuarantine));
  return s;
}
const redis::Script& ReleaseScript() {
  static const redis::Script s("relay_release", std::string(lua::kRelayRelease));
  return s;
}

std::string DefaultInstanceId() {
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  return absl::StrCat(host, "-", getpid(), "-", crypto::RandomToken(4));
}

// Field value of an XREAD entry ([f1, v1, f2, v2, ...]).
const std::string& FieldOf(const redis::Reply& fields, std::string_view name) {
  static const std::string kEmpty;
  for (size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
    if (fields.elements[i].str == name) return fields.elements[i + 1].str;
  }
  return kEmpty;
}

}  // namespace

Relay::Relay(redis::Pool& pool, kafka::Producer& producer, RelayOptions options)
    : pool_(pool), producer_(producer), options_(std::move(options)) {
  if (options_.instance_id.empty()) options_.instance_id = DefaultInstanceId();
  lease_key_ = options_.outbox->stream_key() + ":lease";
  source_ = absl::StrCat("/rathaus/", options_.outbox->service());
}

Relay::~Relay() { Stop(); }

void Relay::Start() {
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void Relay::Stop(absl::Duration drain) {
  if (!thread_.joinable()) return;
  stop_ = true;
  thread_.join();
  if (!WaitInFlight(drain)) {
    log::Warn("outbox relay stopped with records unconfirmed; they stay in the outbox",
              {{"in_flight", in_flight_.load()}});
  }
  DeleteDelivered();
  ReleaseLease();
}

void Relay::SleepUnlessStopped(absl::Duration d) {
  absl::Time until = absl::Now() + d;
  while (!stop_.load() && absl::Now() < until) absl::SleepFor(absl::Milliseconds(10));
}

bool Relay::HoldLease() {
  if (leader_.load() && absl::Now() < lease_renew_at_) return true;
  auto r = pool_.Eval(LeaseScript(), {lease_key_},
                      {options_.instance_id, absl::StrCat(absl::ToInt64Milliseconds(options_.lease_ttl))});
  bool held = r.ok() && r->integer == 1;
  if (!r.ok()) log::Warn("outbox relay cannot reach redis", {{"error", r.status().ToString()}});
  if (held && !leader_.load()) {
    // A new leader starts from the oldest entry: whatever is still in the outbox was not
    // confirmed, whoever sent it before.
    cursor_ = "0-0";
    log::Info("outbox relay is now the publisher",
              {{"outbox", options_.outbox->stream_key()}, {"instance", options_.instance_id}});
  } else if (!held && leader_.load()) {
    // Records still in flight go out anyway (a stall past the lease): the new leader sends
    // them again from the oldest entry, and consumers drop the second copy by their inbox.
    log::Warn("outbox relay lost its lease",
              {{"outbox", options_.outbox->stream_key()}, {"in_flight", in_flight_.load()}});
  }
  leader_ = held;
  if (held) lease_renew_at_ = absl::Now() + options_.lease_ttl / 3;
  return held;
}

void Relay::ReleaseLease() {
  if (!leader_.exchange(false)) return;
  auto r = pool_.Eval(ReleaseScript(), {lease_key_}, {options_.instance_id});
  if (!r.ok()) log::Warn("outbox relay could not give its lease up", {{"error", r.status().ToString()}});
}

void Relay::Loop() {
  while (!stop_.load()) {
    if (!HoldLease()) {
      // Let our own sends finish before anyone else's resend, then wait for the lease.
      WaitInFlight(options_.lease_ttl);
      DeleteDelivered();
      SleepUnlessStopped(options_.lease_ttl / 3);
      continue;
    }
    DeleteDelivered();
    if (failed_.load()) {
      // A delivery failed: let everything in flight settle, then send again from the oldest
      // entry still in the outbox. What was confirmed is deleted; the rest goes again in order.
      WaitInFlight(absl::Seconds(60));
      DeleteDelivered();
      failed_ = false;
      cursor_ = "0-0";
      resends_.fetch_add(1);
      log::Warn("outbox relay resends unconfirmed events", {{"outbox", options_.outbox->stream_key()}});
      SleepUnlessStopped(options_.retry_backoff);
      continue;
    }
    if (in_flight_.load() >= options_.max_in_flight) {
      absl::SleepFor(absl::Milliseconds(1));
      continue;
    }
    if (absl::Status s = ReadAndSend(); !s.ok()) {
      log::Warn("outbox relay cannot read the outbox", {{"error", s.ToString()}});
      reader_.reset();
      SleepUnlessStopped(options_.retry_backoff);
    }
  }
}

absl::Status Relay::ReadAndSend() {
  if (!reader_ || !reader_->healthy()) {
    auto c = pool_.Dedicated(options_.block);
    if (!c.ok()) return c.status();
    reader_ = std::move(*c);
  }
  auto r = reader_->Command({"XREAD", "COUNT", absl::StrCat(options_.batch), "BLOCK",
                             absl::StrCat(absl::ToInt64Milliseconds(options_.block)), "STREAMS",
                             options_.outbox->stream_key(), cursor_});
  if (!r.ok()) return r.status();
  if (r->is_nil() || r->elements.empty()) return absl::OkStatus();
  const redis::Reply& entries = r->elements[0].elements[1];
  for (const redis::Reply& entry : entries.elements) {
    const std::string& entry_id = entry.elements[0].str;
    const redis::Reply& fields = entry.elements[1];
    kafka::Record record;
    record.topic = FieldOf(fields, "topic");
    record.key = FieldOf(fields, "key");
    record.value = FieldOf(fields, "payload");
    record.headers = kafka::CloudEventHeaders({.id = FieldOf(fields, "id"),
                                               .source = source_,
                                               .type = FieldOf(fields, "type"),
                                               .time = FieldOf(fields, "time"),
                                               .subject = FieldOf(fields, "subject"),
                                               .traceparent = FieldOf(fields, "traceparent")});
    in_flight_.fetch_add(1);
    producer_.Send(std::move(record), [this, entry_id](absl::Status delivered) {
      if (delivered.ok()) {
        std::lock_guard lock(mu_);
        delivered_ids_.push_back(entry_id);
      } else if (delivered.code() == absl::StatusCode::kInvalidArgument) {
        // Kafka refuses this entry for good (e.g. larger than the broker takes): sending it
        // again would block the outbox for ever. It goes to the quarantine.
        std::lock_guard lock(mu_);
        refused_.emplace_back(entry_id, std::string(delivered.message()));
      } else {
        failed_ = true;
        log::Warn("outbox event not delivered; it stays in the outbox",
                  {{"entry", entry_id}, {"error", delivered.ToString()}});
      }
      in_flight_.fetch_sub(1);
    });
    cursor_ = entry_id;
  }
  return absl::OkStatus();
}

void Relay::QuarantineRefused() {
  std::vector<std::pair<std::string, std::string>> refused;
  {
    std::lock_guard lock(mu_);
    refused.swap(refused_);
  }
  for (size_t i = 0; i < refused.size(); ++i) {
    const auto& [id, reason] = refused[i];
    auto r = pool_.Eval(QuarantineScript(),
                        {options_.outbox->stream_key(), options_.outbox->quarantine_key()},
                        {id, reason});
    if (!r.ok()) {
      std::lock_guard lock(mu_);
      refused_.insert(refused_.end(), refused.begin() + static_cast<long>(i), refused.end());
      log::Warn("outbox relay cannot quarantine yet", {{"error", r.status().ToString()}});
      return;
    }
    quarantined_.fetch_add(1);
    log::Error("outbox entry refused by Kafka for good; set aside in the quarantine",
               {{"outbox", options_.outbox->stream_key()}, {"entry", id}, {"reason", reason},
                {"quarantine", options_.outbox->quarantine_key()}});
  }
}

void Relay::DeleteDelivered() {
  QuarantineRefused();
  std::vector<std::string> ids;
  {
    std::lock_guard lock(mu_);
    ids.swap(delivered_ids_);
  }
  if (ids.empty()) return;
  constexpr size_t kChunk = 2000;
  for (size_t i = 0; i < ids.size(); i += kChunk) {
    std::vector<std::string> cmd = {"XDEL", options_.outbox->stream_key()};
    size_t end = std::min(ids.size(), i + kChunk);
    cmd.insert(cmd.end(), ids.begin() + i, ids.begin() + end);
    auto r = pool_.Command(cmd);
    if (!r.ok()) {
      // Kept for the next round; if we die first the events go again and consumers drop them.
      std::lock_guard lock(mu_);
      delivered_ids_.insert(delivered_ids_.end(), ids.begin() + i, ids.end());
      log::Warn("outbox relay cannot delete delivered entries yet", {{"error", r.status().ToString()}});
      return;
    }
    delivered_.fetch_add(static_cast<int64_t>(end - i));
  }
}

bool Relay::WaitInFlight(absl::Duration timeout) {
  absl::Time until = absl::Now() + timeout;
  while (in_flight_.load() > 0) {
    if (absl::Now() >= until) return false;
    absl::SleepFor(absl::Milliseconds(2));
  }
  return true;
}

}  // namespace rathaus::platform::outbox
