#include "services/appointments/expirer.h"

namespace rathaus::appointments {

Expirer::Expirer(Store& store, absl::Duration max_sleep)
    : timer_(
          "expirer",
          [&store]() -> absl::StatusOr<platform::DueTimer::Run> {
            constexpr int kDaysPerRun = 100;
            auto r = store.ExpireDue(kDaysPerRun);
            if (!r.ok()) return r.status();
            return platform::DueTimer::Run{r->freed, r->next, r->now};
          },
          max_sleep) {}

}  // namespace rathaus::appointments
