#include "audit_job.h"

#include "domain/tree_head.h"
#include "shared/log/log.h"

namespace rathaus::efile {

void AuditJob::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void AuditJob::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

absl::Status AuditJob::RunOnce(absl::Time now) {
  if (close_days_ && now - days_checked_ >= absl::Minutes(1)) {
    absl::StatusOr<int> closed = store_.CloseDays(now);
    if (!closed.ok()) return closed.status();
    days_checked_ = now;
    if (*closed > 0) platform::log::Info("day statistics filed", {{"vorgaenge", *closed}});
  }
  for (;;) {
    absl::StatusOr<int64_t> n = store_.Integrate();
    if (!n.ok()) return n.status();
    if (*n == 0) break;
  }
  absl::StatusOr<uint64_t> size = store_.IntegratedSize();
  if (!size.ok()) return size.status();
  if (*size == signed_size_ && now - signed_at_ < head_interval_) return absl::OkStatus();
  // Another replica may have signed a larger tree meanwhile: never replace a head by a smaller one.
  auto latest = store_.LatestTreeHead();
  if (latest.ok() && latest->tree_size() > *size) {
    signed_size_ = latest->tree_size();
    signed_at_ = now;
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> root = store_.Root(*size);
  if (!root.ok()) return root.status();
  auto sth = SignTreeHead(key_, *size, *root, now);
  if (!sth.ok()) return sth.status();
  if (absl::Status s = store_.SaveTreeHead(*sth); !s.ok()) return s;
  signed_size_ = *size;
  signed_at_ = now;
  return absl::OkStatus();
}

void AuditJob::Loop() {
  absl::Duration pause = integrate_interval_;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    absl::Status s = RunOnce(absl::Now());
    lock.lock();
    if (!s.ok()) {
      platform::log::Warn("audit log integration failed; trying again",
                          {{"error", s.ToString()}});
      pause = std::min(pause * 2, absl::Seconds(10));
    } else {
      pause = integrate_interval_;
    }
    cv_.wait_for(lock, absl::ToChronoMilliseconds(pause), [this] { return stop_; });
  }
}

}  // namespace rathaus::efile
