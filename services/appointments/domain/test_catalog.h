// A small catalog for the unit tests: an office open through the night (so the clock-change
// hours are inside opening hours) and a Kiel-like one.
#pragma once

#include <string>

namespace rathaus::appointments::testing {

inline std::string TestCatalogJson() {
  return R"json({
  "version": 1,
  "services": [
    {"id": "pass", "name": "Reisepass", "durationMinutes": 20, "maxQuantity": 3,
     "combinableWith": ["melde"], "whatToBring": ["Foto"]},
    {"id": "melde", "name": "Meldebescheinigung", "durationMinutes": 10, "maxQuantity": 1},
    {"id": "fz", "name": "Führungszeugnis", "durationMinutes": 10, "maxQuantity": 1}
  ],
  "annualDays": [{"date": "12-24", "reason": "Heiligabend"}, {"date": "12-31"}],
  "offices": [
    {"id": "night", "name": "Nachtbüro", "address": {"street": "Weg 1", "postalCode": "24103",
     "city": "Kiel"}, "counters": 2, "slotMinutes": 15, "bookingWindowDays": 366,
     "openingHours": [{"days": ["mon","tue","wed","thu","fri","sat","sun"], "start": "00:00",
                       "end": "24:00"}],
     "services": [{"id": "pass"}, {"id": "melde"}, {"id": "fz"}]},
    {"id": "early", "name": "Frühbüro", "address": {"street": "Weg 2", "postalCode": "24103",
     "city": "Kiel"}, "counters": 1, "slotMinutes": 15, "bookingWindowDays": 366,
     "openingHours": [{"days": ["sun"], "start": "01:00", "end": "04:00"},
                      {"days": ["mon"], "start": "08:00", "end": "12:00"},
                      {"days": ["mon"], "start": "12:00", "end": "13:00"},
                      {"days": ["tue"], "start": "08:00", "end": "09:00"},
                      {"days": ["tue"], "start": "10:00", "end": "11:00"}],
     "closures": [{"from": "2026-12-21", "to": "2026-12-23"}],
     "annualDays": [{"date": "12-31", "reason": "Silvester: halber Tag",
                     "open": [{"start": "08:00", "end": "10:00"}]}],
     "services": [{"id": "pass", "durationMinutes": 25}, {"id": "melde"}]}
  ]
})json";
}

}  // namespace rathaus::appointments::testing
