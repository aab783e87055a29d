// Emits ReservationExpired promptly: a thread that sleeps until the earliest hold's expiry
// (Redis clock) and then runs the purge. Capacity does not depend on it (every script purges
// the day it touches first); the expirer makes the event appear on time even when nobody
// touches the day. A new earlier hold wakes it early; holds made by other replicas are seen
// after at most `max_sleep`.
//
//   Expirer expirer(store);
//   store.SetHoldListener([&](absl::Time t) { expirer.Notify(t); });
//   expirer.Start();  ...  expirer.Stop();
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/time/time.h"
#include "services/appointments/store.h"

namespace rathaus::appointments {

class Expirer {
 public:
  explicit Expirer(Store& store, absl::Duration max_sleep = absl::Seconds(1));
  ~Expirer();
  Expirer(const Expirer&) = delete;
  Expirer& operator=(const Expirer&) = delete;

  void Start();
  void Stop();
  // A hold that ends at `expiry` was made.
  void Notify(absl::Time expiry);

 private:
  void Loop();

  Store& store_;
  absl::Duration max_sleep_;
  std::mutex mu_;
  std::condition_variable cv_;
  absl::Time wake_at_ = absl::InfiniteFuture();  // guarded by mu_
  bool stop_ = false;                             // guarded by mu_
  std::thread thread_;
};

}  // namespace rathaus::appointments
