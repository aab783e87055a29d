#include "shared/log/log.h"

#include <atomic>
#include <charconv>
#include <cmath>
#include <iostream>
#include <mutex>
#include <type_traits>
#include <utility>
#include <variant>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace rathaus::platform::log {
namespace {

// The system Abseil has its own string_view type, distinct from std::string_view.
absl::string_view AsAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// The logger is process-wide: services call Init once in main, libraries just log.
struct Logger {
  std::mutex mu;
  std::string service_json = "\"\"";  // the service name, already a JSON string
  std::ostream* out = &std::cout;
  std::atomic<int> min_level{static_cast<int>(Level::kInfo)};
};

Logger& TheLogger() {
  static Logger* logger = new Logger();  // never destroyed: threads may log during exit
  return *logger;
}

thread_local std::string current_trace_id;

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "unknown";
}

constexpr char kHexDigits[] = "0123456789abcdef";

void AppendUnicodeEscape(std::string* out, unsigned char c) {
  out->append("\\u00");
  out->push_back(kHexDigits[c >> 4]);
  out->push_back(kHexDigits[c & 0xf]);
}

// Length of the well-formed UTF-8 sequence starting at s[i] (RFC 3629 table 3-7), or, when it
// is ill-formed, minus the length of its maximal invalid prefix (at least 1), which is what gets
// replaced by one U+FFFD as Unicode recommends.
int Utf8SequenceLength(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  int length;
  unsigned char lo = 0x80, hi = 0xbf;  // allowed range of the second byte
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) lo = 0xa0;  // no overlong forms
    if (lead == 0xed) hi = 0x9f;  // no UTF-16 surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) lo = 0x90;  // no overlong forms
    if (lead == 0xf4) hi = 0x8f;  // nothing above U+10FFFF
  } else {
    return -1;  // stray continuation byte, overlong lead C0/C1, or F5..FF
  }
  for (int k = 1; k < length; ++k) {
    if (i + k >= s.size()) return -k;
    const unsigned char c = byte(i + k);
    const bool ok = k == 1 ? (c >= lo && c <= hi) : (c >= 0x80 && c <= 0xbf);
    if (!ok) return -k;
  }
  return length;
}

void AppendDouble(std::string* out, double value) {
  if (!std::isfinite(value)) {
    out->append("null");  // JSON has no NaN or Infinity
    return;
  }
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  if (ec != std::errc()) {
    out->append("null");
    return;
  }
  out->append(buffer, end);
}

void AppendValue(std::string* out, const Field::Value& value) {
  std::visit(
      [out](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          AppendJsonString(out, v);
        } else if constexpr (std::is_same_v<T, bool>) {
          out->append(v ? "true" : "false");
        } else if constexpr (std::is_same_v<T, double>) {
          AppendDouble(out, v);
        } else {
          absl::StrAppend(out, v);
        }
      },
      value);
}

}  // namespace

absl::StatusOr<Level> ParseLevel(std::string_view text) {
  const std::string lower = absl::AsciiStrToLower(AsAbsl(text));
  if (lower == "debug") return Level::kDebug;
  if (lower == "info") return Level::kInfo;
  if (lower == "warn") return Level::kWarn;
  if (lower == "error") return Level::kError;
  return absl::InvalidArgumentError(
      absl::StrCat("log level must be debug, info, warn or error, got \"", AsAbsl(text), "\""));
}

void Init(std::string service, Level min_level, std::ostream* out) {
  std::string service_json;
  AppendJsonString(&service_json, service);
  Logger& logger = TheLogger();
  std::lock_guard<std::mutex> lock(logger.mu);
  logger.service_json = std::move(service_json);
  logger.out = out != nullptr ? out : &std::cout;
  logger.min_level.store(static_cast<int>(min_level), std::memory_order_relaxed);
}

bool Enabled(Level level) {
  return static_cast<int>(level) >= TheLogger().min_level.load(std::memory_order_relaxed);
}

void Write(Level level, std::string_view msg, Fields fields) {
  if (!Enabled(level)) return;
  // Everything but the service name is formatted outside the lock.
  std::string head = "{\"ts\":\"";
  head.append(absl::FormatTime("%Y-%m-%d%ET%H:%M:%E6SZ", absl::Now(), absl::UTCTimeZone()));
  head.append("\",\"level\":\"");
  head.append(LevelName(level));
  head.append("\",\"service\":");

  std::string tail = ",\"msg\":";
  AppendJsonString(&tail, msg);
  tail.append(",\"trace_id\":");
  AppendJsonString(&tail, current_trace_id);
  for (const Field& field : fields) {
    tail.push_back(',');
    AppendJsonString(&tail, field.key);
    tail.push_back(':');
    AppendValue(&tail, field.value);
  }
  tail.append("}\n");

  Logger& logger = TheLogger();
  std::lock_guard<std::mutex> lock(logger.mu);
  std::string line;
  line.reserve(head.size() + logger.service_json.size() + tail.size());
  line.append(head).append(logger.service_json).append(tail);
  logger.out->write(line.data(), static_cast<std::streamsize>(line.size()));
  logger.out->flush();  // log shippers read the pipe; a line must not wait in a buffer
}

ScopedTraceId::ScopedTraceId(std::string trace_id)
    : previous_(std::exchange(current_trace_id, std::move(trace_id))) {}

ScopedTraceId::~ScopedTraceId() { current_trace_id = std::move(previous_); }

std::string_view CurrentTraceId() { return current_trace_id; }

// Appends `s` as a quoted JSON string. Invalid UTF-8 becomes U+FFFD so that every line stays
// valid JSON whatever bytes a caller passes; DEL is escaped too, to keep terminals sane.
void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out->append("\\\"");
          break;
        case '\\':
          out->append("\\\\");
          break;
        case '\n':
          out->append("\\n");
          break;
        case '\r':
          out->append("\\r");
          break;
        case '\t':
          out->append("\\t");
          break;
        default:
          if (c < 0x20 || c == 0x7f) {
            AppendUnicodeEscape(out, c);
          } else {
            out->push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    const int length = Utf8SequenceLength(s, i);
    if (length > 0) {
      out->append(s.substr(i, static_cast<size_t>(length)));
      i += static_cast<size_t>(length);
    } else {
      out->append("\xef\xbf\xbd");  // U+FFFD REPLACEMENT CHARACTER
      i += static_cast<size_t>(-length);
    }
  }
  out->push_back('"');
}

}  // namespace rathaus::platform::log
