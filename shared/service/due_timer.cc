#include "shared/service/due_timer.h"

#include <algorithm>
#include <chrono>

#include "shared/log/log.h"

namespace rathaus::platform {
namespace {
// Never spin: the store and this host may disagree on the time by a little.
constexpr absl::Duration kMinSleep = absl::Milliseconds(2);
}  // namespace

DueTimer::DueTimer(std::string name, std::function<absl::StatusOr<Run>()> run,
                   absl::Duration max_sleep)
    : name_(std::move(name)), run_(std::move(run)), max_sleep_(max_sleep) {}

DueTimer::~DueTimer() { Stop(); }

void DueTimer::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void DueTimer::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DueTimer::Notify(absl::Time due) {
  {
    std::lock_guard lock(mu_);
    if (due >= wake_at_) return;
    wake_at_ = due;
  }
  cv_.notify_all();
}

void DueTimer::Loop() {
  while (true) {
    absl::Duration sleep = max_sleep_;
    absl::StatusOr<Run> result = run_();
    if (!result.ok()) {
      log::Warn(name_ + ": timers failed", {{"error", result.status().ToString()}});
    } else {
      if (result->fired > 0) log::Info(name_ + ": timers fired", {{"count", result->fired}});
      if (result->next) sleep = std::min(sleep, *result->next - result->now);
    }
    sleep = std::max(sleep, kMinSleep);
    std::unique_lock lock(mu_);
    wake_at_ = absl::Now() + sleep;
    while (!stop_) {
      const absl::Duration left = wake_at_ - absl::Now();
      if (left <= absl::ZeroDuration()) break;
      cv_.wait_for(lock, absl::ToChronoMicroseconds(left));
    }
    if (stop_) return;
  }
}

}  // namespace rathaus::platform
