// The notifications service's state in Redis (prefix notify:): the messages to send, each a job
// with its due time, and nothing personal. A job names a booking code, the kind of message and
// the appointment's start; the address is read from the owning service when the message is sent
// (sender.h), so it is never stored here and never crosses Kafka.
//
//   notify:job:<id>     hash kind, code, start (ms), attempts, created — expires after the job's
//                    lifetime (RATHAUS_NOTIFY_GIVE_UP)
//   notify:due          zset job id -> due time (ms): the messages' exact timers; a claimed job is
//                    leased by moving its due time ahead
//   notify:rem:<code>   set of the booking's planned reminder jobs (moved or dropped with it)
//   notify:optout:<code>  the citizen wants no reminders for this booking
//   notify:counts       hash sent, failed, skipped
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shared/outbox/outbox.h"
#include "shared/redis/redis.h"

namespace rathaus::notifications {

struct Job {
  std::string id;
  std::string kind;  // domain/templates.h KindName: booked, reminder, document-ready, …
  std::string code;
  absl::Time start;  // the appointment's start when the job was made
  int attempts = 0;
  absl::Time created;
  int64_t leased_until_ms = 0;  // the due time this sender's claim or hold set
  // This process's monotonic clock right before the claim was asked for: the lease began
  // later, so the time since this is at least the lease's age.
  std::chrono::steady_clock::time_point claimed;
};

struct Claimed {
  std::vector<Job> jobs;
  std::optional<absl::Time> next;  // the earliest job left (Redis clock)
  absl::Time now;                  // Redis clock
};

struct StoreOptions {
  std::string key_prefix = "notify:";
  // How long a message may wait for delivery before it is given up (and its job expires).
  absl::Duration give_up = absl::Hours(48);
  // RATHAUS_NOTIFY_LEASE: longer than a claimed batch takes to send.
  absl::Duration lease = absl::Minutes(2);
};

class Store {
 public:
  Store(platform::redis::Pool& pool, const platform::outbox::Outbox& outbox, StoreOptions options);

  const StoreOptions& options() const { return options_; }

  // The message about an event (kind "" for none) and the reminders of the booking from now on
  // ({job id, due}); one script with the inbox record. The timer listener hears of the earliest.
  absl::Status ApplyEvent(const std::string& kind, const std::string& code,
                          const std::string& event_id, absl::Time start,
                          const std::vector<std::pair<std::string, absl::Time>>& reminders,
                          const std::string& inbox_key, const std::string& inbox_ttl);
  absl::StatusOr<Claimed> ClaimDue(int max_jobs);
  // Renews the lease right before sending: false when the job is no longer this sender's (its
  // lease ran out and another took it, or it was finished) — then it must not be sent.
  absl::StatusOr<bool> Hold(Job& job);
  // outcome: "sent", "failed" (refused for good or given up), "skipped" (no longer wanted).
  // "sent" and "failed" publish MessageSent / MessageFailed with the record (no personal
  // data); `reason` and `smtp_reply` go into MessageFailed.
  absl::Status Finish(const Job& job, const std::string& outcome, const std::string& reason = "",
                      int smtp_reply = 0);
  // Due again after `after`; the attempts so far (0: the job is gone).
  absl::StatusOr<int> Retry(const Job& job, absl::Duration after);
  absl::Status OptOut(const std::string& code, absl::Duration remember);
  absl::StatusOr<bool> OptedOut(const std::string& code);
  // sent, failed, skipped so far.
  absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> Counts();

  void SetTimerListener(std::function<void(absl::Time)> listener) {
    listener_ = std::move(listener);
  }

 private:
  platform::redis::Pool& pool_;
  const platform::outbox::Outbox& outbox_;
  StoreOptions options_;
  std::function<void(absl::Time)> listener_;
};

}  // namespace rathaus::notifications
