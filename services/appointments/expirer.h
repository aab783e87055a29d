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

#include "absl/time/time.h"
#include "services/appointments/store.h"
#include "shared/service/due_timer.h"

namespace rathaus::appointments {

class Expirer {
 public:
  explicit Expirer(Store& store, absl::Duration max_sleep = absl::Seconds(1));
  Expirer(const Expirer&) = delete;
  Expirer& operator=(const Expirer&) = delete;

  void Start() { timer_.Start(); }
  void Stop() { timer_.Stop(); }
  // A hold that ends at `expiry` was made.
  void Notify(absl::Time expiry) { timer_.Notify(expiry); }

 private:
  platform::DueTimer timer_;
};

}  // namespace rathaus::appointments
