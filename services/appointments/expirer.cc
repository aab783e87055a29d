#include "services/appointments/expirer.h"

#include <algorithm>
#include <chrono>

#include "shared/log/log.h"

namespace rathaus::appointments {

namespace log = ::rathaus::platform::log;

namespace {
constexpr int kDaysPerRun = 100;
// Never spin: Redis and this host may disagree on the time by a little.
constexpr absl::Duration kMinSleep = absl::Milliseconds(2);
}  // namespace

Expirer::Expirer(Store& store, absl::Duration max_sleep) : store_(store), max_sleep_(max_sleep) {}

Expirer::~Expirer() { Stop(); }

void Expirer::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void Expirer::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Expirer::Notify(absl::Time expiry) {
  {
    std::lock_guard lock(mu_);
    if (expiry >= wake_at_) return;
    wake_at_ = expiry;
  }
  cv_.notify_all();
}

void Expirer::Loop() {
  while (true) {
    absl::Duration sleep = max_sleep_;
    absl::StatusOr<Store::ExpireResult> result = store_.ExpireDue(kDaysPerRun);
    if (!result.ok()) {
      log::Warn("expirer: purge failed", {{"error", result.status().ToString()}});
    } else {
      if (result->freed > 0) log::Info("expirer: holds freed", {{"count", result->freed}});
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

}  // namespace rathaus::appointments
