// A thread that runs a service's due timers on time (reservation expiry, a document's pickup
// reminder, retention): it sleeps until the earliest timer is due (by the Redis clock, which
// `run` reports) and then runs `run` again. A new earlier timer wakes it early (Notify); timers
// made by other replicas are seen after at most `max_sleep`.
//
//   DueTimer timer("expirer", [&]() -> absl::StatusOr<DueTimer::Run> {
//     auto r = store.FireDueTimers();                     // one Lua script
//     if (!r.ok()) return r.status();
//     return DueTimer::Run{r->fired, r->next, r->now};
//   });
//   store.SetTimerListener([&](absl::Time t) { timer.Notify(t); });
//   timer.Start();  ...  timer.Stop();
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace rathaus::platform {

class DueTimer {
 public:
  struct Run {
    int64_t fired = 0;
    std::optional<absl::Time> next;  // the earliest timer left (the store's clock)
    absl::Time now;                  // the store's clock when it ran
  };
  DueTimer(std::string name, std::function<absl::StatusOr<Run>()> run,
           absl::Duration max_sleep = absl::Seconds(1));
  ~DueTimer();
  DueTimer(const DueTimer&) = delete;
  DueTimer& operator=(const DueTimer&) = delete;

  void Start();
  void Stop();
  // A timer due at `due` was set.
  void Notify(absl::Time due);

 private:
  void Loop();

  std::string name_;
  std::function<absl::StatusOr<Run>()> run_;
  absl::Duration max_sleep_;
  std::mutex mu_;
  std::condition_variable cv_;
  absl::Time wake_at_ = absl::InfiniteFuture();  // guarded by mu_
  bool stop_ = false;                             // guarded by mu_
  std::thread thread_;
};

}  // namespace rathaus::platform
