// The e-file's background work in every replica (besides the day statistics' closing, below): integrates new entries into the
// Merkle tree (Store::Integrate) every RATHAUS_EFILE_INTEGRATE_INTERVAL, and signs a tree head
// whenever the tree grew and at least every RATHAUS_EFILE_TREE_HEAD_INTERVAL (default 1m), so a
// head is never older than that even when nothing happens.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "absl/time/time.h"
#include "store.h"

namespace rathaus::efile {

class AuditJob {
 public:
  AuditJob(Store& store, std::string signing_key_pem, absl::Duration integrate_interval,
           absl::Duration head_interval)
      : store_(store),
        key_(std::move(signing_key_pem)),
        integrate_interval_(integrate_interval),
        head_interval_(head_interval) {}
  // Also closes the day-statistics Vorgänge whose day is over (Store::CloseDays), once a
  // minute (every replica; the filing is idempotent).
  void set_close_days(bool on) { close_days_ = on; }
  ~AuditJob() { Stop(); }

  void Start();
  void Stop();
  // One round: integrate everything sequenced, sign when due. Exposed for tests.
  absl::Status RunOnce(absl::Time now);

 private:
  void Loop();

  Store& store_;
  std::string key_;
  absl::Duration integrate_interval_;
  absl::Duration head_interval_;
  uint64_t signed_size_ = UINT64_MAX;
  absl::Time signed_at_ = absl::InfinitePast();
  bool close_days_ = true;
  absl::Time days_checked_ = absl::InfinitePast();
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace rathaus::efile
