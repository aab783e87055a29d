#include "services/appointments/domain/catalog.h"

#include <algorithm>

#include <google/protobuf/util/json_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "catalog.pb.h"

namespace rathaus::appointments {
namespace {

namespace pb = ::rathaus::appointments::catalog::v1;

absl::Status Bad(const std::string& path, std::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", absl::string_view(reason.data(), reason.size())));
}

std::string Quoted(std::string_view s) { return absl::StrCat("\"", absl::string_view(s.data(), s.size()), "\""); }

// "HH:MM" -> minutes of day; "24:00" allowed as an end.
bool ParseClock(const std::string& text, int* minutes) {
  if (text.size() != 5 || text[2] != ':') return false;
  int h = 0, m = 0;
  if (!absl::SimpleAtoi(text.substr(0, 2), &h) || !absl::SimpleAtoi(text.substr(3, 2), &m)) {
    return false;
  }
  if (!absl::ascii_isdigit(text[0]) || !absl::ascii_isdigit(text[3])) return false;
  if (h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0)) return false;
  *minutes = h * 60 + m;
  return true;
}

bool ParseDay(const std::string& text, absl::CivilDay* day) {
  return text.size() == 10 && absl::ParseCivilTime(text, day);
}

int WeekdayIndex(std::string_view name) {
  static constexpr std::array<std::string_view, 7> kNames = {"mon", "tue", "wed", "thu",
                                                             "fri", "sat", "sun"};
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<int>(i);
  }
  return -1;
}

absl::Status CheckText(const std::string& path, const std::string& text, size_t max) {
  if (text.empty()) return Bad(path, "must not be empty");
  if (text.size() > max) return Bad(path, absl::StrCat("longer than ", max, " bytes"));
  return absl::OkStatus();
}

// An "HH:MM".."HH:MM" interval on the office's slot grid.
absl::StatusOr<OpeningInterval> ConvertInterval(const std::string& start, const std::string& end,
                                                int grid, const std::string& path) {
  OpeningInterval interval;
  if (!ParseClock(start, &interval.start_minute) || interval.start_minute == 1440) {
    return Bad(path + ".start", "expected HH:MM (00:00..23:59), got " + Quoted(start));
  }
  if (!ParseClock(end, &interval.end_minute)) {
    return Bad(path + ".end", "expected HH:MM (00:00..24:00), got " + Quoted(end));
  }
  if (interval.end_minute <= interval.start_minute) {
    return Bad(path + ".end", "must be after start " + Quoted(start));
  }
  if (interval.start_minute % grid != 0 || interval.end_minute % grid != 0) {
    return Bad(path, absl::StrCat("start and end must lie on the ", grid, "-minute slot grid"));
  }
  return interval;
}

// "MM-DD" -> month * 100 + day; 02-29 is allowed (it applies in leap years).
bool ParseMonthDay(const std::string& text, int* key) {
  if (text.size() != 5 || text[2] != '-') return false;
  int month = 0, day = 0;
  for (int i : {0, 1, 3, 4}) {
    if (!absl::ascii_isdigit(text[i])) return false;
  }
  if (!absl::SimpleAtoi(text.substr(0, 2), &month) || !absl::SimpleAtoi(text.substr(3, 2), &day)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1) return false;
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (day > kDays[month - 1]) return false;
  *key = month * 100 + day;
  return true;
}

// Annual days of the catalog (grid 0: checked per office) or of one office, into `out`.
absl::Status ConvertAnnualDays(const google::protobuf::RepeatedPtrField<pb::AnnualDay>& days,
                               int grid, const std::string& path,
                               std::map<int, std::vector<OpeningInterval>>* out) {
  for (int i = 0; i < days.size(); ++i) {
    const pb::AnnualDay& d = days.Get(i);
    const std::string dp = absl::StrCat(path, "annualDays[", i, "]");
    int key = 0;
    if (!ParseMonthDay(d.date(), &key)) return Bad(dp + ".date", "expected MM-DD, got " + Quoted(d.date()));
    if (out->contains(key)) return Bad(dp + ".date", "listed twice: " + Quoted(d.date()));
    std::vector<OpeningInterval> open;
    for (int j = 0; j < d.open_size(); ++j) {
      auto interval = ConvertInterval(d.open(j).start(), d.open(j).end(), grid == 0 ? 1 : grid,
                                      absl::StrCat(dp, ".open[", j, "]"));
      if (!interval.ok()) return interval.status();
      for (const OpeningInterval& other : open) {
        if (interval->start_minute < other.end_minute && other.start_minute < interval->end_minute) {
          return Bad(absl::StrCat(dp, ".open[", j, "]"), "overlaps another interval of the day");
        }
      }
      open.push_back(*interval);
    }
    std::sort(open.begin(), open.end(), [](const OpeningInterval& a, const OpeningInterval& b) {
      return a.start_minute < b.start_minute;
    });
    (*out)[key] = std::move(open);
  }
  return absl::OkStatus();
}

absl::StatusOr<Service> ConvertService(const pb::Service& s, const std::string& path) {
  if (!IsValidId(s.id())) return Bad(path + ".id", "expected 1..64 of [a-z0-9-], got " + Quoted(s.id()));
  if (auto st = CheckText(path + ".name", s.name(), 200); !st.ok()) return st;
  if (s.duration_minutes() < 1 || s.duration_minutes() > 480) {
    return Bad(path + ".durationMinutes", absl::StrCat("expected 1..480, got ", s.duration_minutes()));
  }
  if (s.max_quantity() < 1 || s.max_quantity() > 10) {
    return Bad(path + ".maxQuantity", absl::StrCat("expected 1..10, got ", s.max_quantity()));
  }
  Service out;
  out.id = s.id();
  out.name = s.name();
  out.default_duration_minutes = s.duration_minutes();
  out.max_quantity = s.max_quantity();
  out.combinable_with.insert(s.combinable_with().begin(), s.combinable_with().end());
  out.what_to_bring.assign(s.what_to_bring().begin(), s.what_to_bring().end());
  out.requires_pickup_code = s.requires_pickup_code();
  return out;
}

absl::StatusOr<Office> ConvertOffice(const pb::Office& o, const std::string& path,
                                     const Catalog& catalog) {
  Office out;
  if (!IsValidId(o.id())) return Bad(path + ".id", "expected 1..64 of [a-z0-9-], got " + Quoted(o.id()));
  if (auto st = CheckText(path + ".name", o.name(), 200); !st.ok()) return st;
  if (auto st = CheckText(path + ".address.street", o.address().street(), 200); !st.ok()) return st;
  if (auto st = CheckText(path + ".address.postalCode", o.address().postal_code(), 10); !st.ok()) return st;
  if (auto st = CheckText(path + ".address.city", o.address().city(), 100); !st.ok()) return st;
  out.id = o.id();
  out.name = o.name();
  out.street = o.address().street();
  out.postal_code = o.address().postal_code();
  out.city = o.address().city();
  out.hints = o.hints();
  out.time_zone_name = o.time_zone().empty() ? "Europe/Berlin" : o.time_zone();
  if (!absl::LoadTimeZone(out.time_zone_name, &out.time_zone)) {
    return Bad(path + ".timeZone", "unknown time zone " + Quoted(out.time_zone_name));
  }
  if (o.counters() < 1 || o.counters() > 100) {
    return Bad(path + ".counters", absl::StrCat("expected 1..100, got ", o.counters()));
  }
  out.counters = o.counters();
  const int grid = o.slot_minutes() == 0 ? 15 : o.slot_minutes();
  if (grid < 5 || 60 % grid != 0) {
    return Bad(path + ".slotMinutes", absl::StrCat("expected a divisor of 60 >= 5, got ", grid));
  }
  out.slot_minutes = grid;
  if (o.booking_window_days() < 1 || o.booking_window_days() > 366) {
    return Bad(path + ".bookingWindowDays",
               absl::StrCat("expected 1..366, got ", o.booking_window_days()));
  }
  out.booking_window_days = o.booking_window_days();

  if (o.opening_hours().empty()) return Bad(path + ".openingHours", "must not be empty");
  for (int i = 0; i < o.opening_hours_size(); ++i) {
    const pb::OpeningHours& h = o.opening_hours(i);
    const std::string hp = absl::StrCat(path, ".openingHours[", i, "]");
    auto converted = ConvertInterval(h.start(), h.end(), grid, hp);
    if (!converted.ok()) return converted.status();
    const OpeningInterval interval = *converted;
    if (h.days().empty()) return Bad(hp + ".days", "must not be empty");
    for (int d = 0; d < h.days_size(); ++d) {
      const int wd = WeekdayIndex(h.days(d));
      if (wd < 0) {
        return Bad(absl::StrCat(hp, ".days[", d, "]"),
                   "expected one of mon, tue, wed, thu, fri, sat, sun, got " + Quoted(h.days(d)));
      }
      for (const OpeningInterval& other : out.hours[wd]) {
        if (interval.start_minute < other.end_minute && other.start_minute < interval.end_minute) {
          return Bad(hp, "overlaps other opening hours on " + h.days(d));
        }
      }
      out.hours[wd].push_back(interval);
    }
  }
  for (auto& day : out.hours) {
    std::sort(day.begin(), day.end(), [](const OpeningInterval& a, const OpeningInterval& b) {
      return a.start_minute < b.start_minute;
    });
  }

  for (int i = 0; i < o.closures_size(); ++i) {
    const pb::Closure& c = o.closures(i);
    const std::string cp = absl::StrCat(path, ".closures[", i, "]");
    Closure closure;
    if (!ParseDay(c.from(), &closure.from)) {
      return Bad(cp + ".from", "expected YYYY-MM-DD, got " + Quoted(c.from()));
    }
    closure.to = closure.from;
    if (!c.to().empty() && !ParseDay(c.to(), &closure.to)) {
      return Bad(cp + ".to", "expected YYYY-MM-DD, got " + Quoted(c.to()));
    }
    if (closure.to < closure.from) return Bad(cp + ".to", "must not be before from");
    out.closures.push_back(closure);
  }

  if (auto st = ConvertAnnualDays(o.annual_days(), grid, path + ".", &out.annual); !st.ok()) {
    return st;
  }
  for (const auto& [key, open] : catalog.annual) {
    if (out.annual.contains(key)) continue;  // the office's own entry wins
    for (const OpeningInterval& interval : open) {
      if (interval.start_minute % grid != 0 || interval.end_minute % grid != 0) {
        return Bad(path + ".slotMinutes",
                   absl::StrFormat("the catalog's annual day %02d-%02d does not lie on this office's "
                                   "%d-minute slot grid", key / 100, key % 100, grid));
      }
    }
    out.annual.emplace(key, open);
  }

  if (o.services().empty()) return Bad(path + ".services", "must not be empty");
  for (int i = 0; i < o.services_size(); ++i) {
    const pb::OfficeService& s = o.services(i);
    const std::string sp = absl::StrCat(path, ".services[", i, "]");
    const Service* service = catalog.FindService(s.id());
    if (service == nullptr) return Bad(sp + ".id", "unknown service " + Quoted(s.id()));
    if (out.DurationOf(s.id()) != 0) return Bad(sp + ".id", "listed twice: " + Quoted(s.id()));
    int minutes = s.duration_minutes() == 0 ? service->default_duration_minutes : s.duration_minutes();
    if (minutes < 1 || minutes > 480) {
      return Bad(sp + ".durationMinutes", absl::StrCat("expected 1..480, got ", minutes));
    }
    out.services.emplace_back(s.id(), minutes);
  }
  return out;
}

}  // namespace

bool IsValidId(std::string_view id) {
  if (id.empty() || id.size() > 64 || id.front() == '-') return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

int Office::DurationOf(std::string_view service_id) const {
  for (const auto& [id, minutes] : services) {
    if (id == service_id) return minutes;
  }
  return 0;
}

bool Office::ClosedOn(absl::CivilDay day) const {
  return std::any_of(closures.begin(), closures.end(),
                     [&](const Closure& c) { return c.from <= day && day <= c.to; });
}

int Office::LongestOpeningMinutes() const {
  int longest = 0;
  for (const std::vector<OpeningInterval>& day : hours) {  // sorted, non-overlapping
    int start = -1, end = -1;
    for (const OpeningInterval& interval : day) {
      if (interval.start_minute != end) start = interval.start_minute;
      end = interval.end_minute;
      longest = std::max(longest, end - start);
    }
  }
  return longest;
}

const std::vector<OpeningInterval>* Office::AnnualOn(absl::CivilDay day) const {
  auto it = annual.find(day.month() * 100 + day.day());
  return it == annual.end() ? nullptr : &it->second;
}

const Office* Catalog::FindOffice(std::string_view id) const {
  for (const Office& o : offices) {
    if (o.id == id) return &o;
  }
  return nullptr;
}

const Service* Catalog::FindService(std::string_view id) const {
  for (const Service& s : services) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

absl::StatusOr<Catalog> ParseCatalog(std::string_view json) {
  pb::Catalog file;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto parsed = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &file, options);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("not a valid catalog: ", parsed.message().as_string()));
  }
  if (file.version() != 1) return Bad("version", absl::StrCat("expected 1, got ", file.version()));

  Catalog catalog;
  if (file.services().empty()) return Bad("services", "must not be empty");
  for (int i = 0; i < file.services_size(); ++i) {
    const std::string path = absl::StrCat("services[", i, "]");
    auto service = ConvertService(file.services(i), path);
    if (!service.ok()) return service.status();
    if (catalog.FindService(service->id) != nullptr) {
      return Bad(path + ".id", "listed twice: " + Quoted(service->id));
    }
    catalog.services.push_back(std::move(*service));
  }
  // Combinability is symmetric: a visit for A and B is the same as one for B and A.
  for (int i = 0; i < file.services_size(); ++i) {
    const pb::Service& s = file.services(i);
    for (int j = 0; j < s.combinable_with_size(); ++j) {
      const std::string& other = s.combinable_with(j);
      Service* target = nullptr;
      for (Service& candidate : catalog.services) {
        if (candidate.id == other) target = &candidate;
      }
      if (target == nullptr || other == s.id()) {
        return Bad(absl::StrCat("services[", i, "].combinableWith[", j, "]"),
                   "expected another service's id, got " + Quoted(other));
      }
      target->combinable_with.insert(s.id());
    }
  }

  if (auto st = ConvertAnnualDays(file.annual_days(), 0, "", &catalog.annual); !st.ok()) return st;

  if (file.offices().empty()) return Bad("offices", "must not be empty");
  for (int i = 0; i < file.offices_size(); ++i) {
    const std::string path = absl::StrCat("offices[", i, "]");
    auto office = ConvertOffice(file.offices(i), path, catalog);
    if (!office.ok()) return office.status();
    if (catalog.FindOffice(office->id) != nullptr) {
      return Bad(path + ".id", "listed twice: " + Quoted(office->id));
    }
    catalog.offices.push_back(std::move(*office));
  }
  return catalog;
}

}  // namespace rathaus::appointments
