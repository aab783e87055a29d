// Structured logging: one JSON object per line on stdout, for operators and log shippers.
//
//   namespace log = rathaus::platform::log;
//   log::Init("appointments", log::Level::kInfo);
//   log::Info("relay started", {{"topic", "rathaus.appointments.v1"}, {"batch", 500}});
//   {"ts":"2026-11-23T18:00:00.123456Z","level":"info","service":"appointments",
//    "msg":"relay started","trace_id":"","topic":"rathaus.appointments.v1","batch":500}
//
// Never log personal data (names, e-mail addresses, tokens): log ids and counts.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <string>
#include <string_view>
#include <variant>

#include "absl/status/statusor.h"

namespace rathaus::platform::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// "debug", "info", "warn", "error".
absl::StatusOr<Level> ParseLevel(std::string_view text);

struct Field {
  using Value = std::variant<std::string_view, int64_t, double, bool>;
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
  template <typename Int>
    requires std::is_integral_v<Int>
  Field(std::string_view k, Int v) : key(k), value(static_cast<int64_t>(v)) {}
  std::string_view key;
  Value value;
};
using Fields = std::initializer_list<Field>;

// Sets the service name and the lowest level written. `out` defaults to std::cout; lines are
// written whole under a lock, so threads never interleave within a line. Safe to call again.
void Init(std::string service, Level min_level, std::ostream* out = nullptr);
bool Enabled(Level level);
void Write(Level level, std::string_view msg, Fields fields = {});

inline void Debug(std::string_view msg, Fields f = {}) { Write(Level::kDebug, msg, f); }
inline void Info(std::string_view msg, Fields f = {}) { Write(Level::kInfo, msg, f); }
inline void Warn(std::string_view msg, Fields f = {}) { Write(Level::kWarn, msg, f); }
inline void Error(std::string_view msg, Fields f = {}) { Write(Level::kError, msg, f); }

// The W3C trace id written with every line of this thread while the object lives.
class ScopedTraceId {
 public:
  explicit ScopedTraceId(std::string trace_id);
  ~ScopedTraceId();
  ScopedTraceId(const ScopedTraceId&) = delete;
  ScopedTraceId& operator=(const ScopedTraceId&) = delete;

 private:
  std::string previous_;
};
std::string_view CurrentTraceId();

// JSON string escaping (RFC 8259), exposed for other writers of JSON.
void AppendJsonString(std::string* out, std::string_view s);

}  // namespace rathaus::platform::log
