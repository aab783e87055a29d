#include "shared/config/config.h"

#include "absl/strings/numbers.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <system_error>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"

namespace rathaus::platform {
namespace {

// The system Abseil has its own string_view type, distinct from std::string_view.
absl::string_view AsAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Secret files hold keys and passwords; anything larger is a wrong path, not a secret.
constexpr off_t kMaxSecretFileBytes = 1 << 20;

// Parses all of `text` as a decimal integer; no sign but '-', no spaces, no trailing text.
std::optional<int64_t> ParseInt(std::string_view text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::optional<bool> ParseBool(std::string_view text) {
  const std::string lower = absl::AsciiStrToLower(AsAbsl(text));
  if (lower == "true" || lower == "1" || lower == "yes" || lower == "on") return true;
  if (lower == "false" || lower == "0" || lower == "no" || lower == "off") return false;
  return std::nullopt;
}

// Accepts "host:port" and "[v6-address]:port"; an unbracketed host must not contain ':'.
bool ValidHostPort(std::string_view text, bool allow_port_zero) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return false;
  std::string_view host = text.substr(0, colon);
  const std::string_view port = text.substr(colon + 1);
  if (!host.empty() && host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return false;
    host = host.substr(1, host.size() - 2);
  } else if (host.find_first_of(":[]") != std::string_view::npos) {
    return false;
  }
  if (host.empty() || host.find_first_of(" \t/") != std::string_view::npos) return false;
  if (port.empty() || port.size() > 5) return false;
  const std::optional<int64_t> number = ParseInt(port);
  if (!number.has_value()) return false;
  return *number <= 65535 && (*number >= 1 || (allow_port_zero && *number == 0));
}

// Reads a regular file whole; on failure returns the reason for the error message.
std::optional<std::string> ReadSecretFile(const std::string& path, std::string* reason) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *reason = std::system_category().message(errno);
    return std::nullopt;
  }
  std::optional<std::string> contents;
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    *reason = std::system_category().message(errno);
  } else if (!S_ISREG(st.st_mode)) {
    *reason = "not a regular file";
  } else if (st.st_size > kMaxSecretFileBytes) {
    *reason = "larger than 1 MiB";
  } else {
    std::string data;
    char buffer[4096];
    while (true) {
      const ssize_t n = ::read(fd, buffer, sizeof(buffer));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        *reason = std::system_category().message(errno);
        break;
      }
      if (n == 0) {
        contents = std::move(data);
        break;
      }
      data.append(buffer, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return contents;
}

}  // namespace

EnvConfig::EnvConfig()
    : EnvConfig([](const char* name) -> const char* { return std::getenv(name); }) {}

EnvConfig::EnvConfig(Lookup lookup) : lookup_(std::move(lookup)) {}

std::optional<std::string> EnvConfig::Get(std::string_view name) const {
  const std::string key(name);
  const char* value = lookup_ ? lookup_(key.c_str()) : nullptr;
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

// `got` is the raw value ("" for a missing one). It is escaped so that a value with quotes or
// control characters still gives one readable line.
void EnvConfig::Fail(std::string_view name, std::string_view expected, std::string_view got) {
  const std::string got_text =
      got.empty() ? "nothing" : absl::StrCat("\"", absl::CHexEscape(AsAbsl(got)), "\"");
  errors_.push_back(
      absl::StrCat(AsAbsl(name), ": expected ", AsAbsl(expected), ", got ", got_text));
}

std::string EnvConfig::String(std::string_view name, std::optional<std::string> default_value) {
  std::optional<std::string> value = Get(name);
  if (value.has_value()) return *std::move(value);
  if (default_value.has_value()) return *std::move(default_value);
  Fail(name, "a value", "");
  return "";
}

int64_t EnvConfig::Int(std::string_view name, std::optional<int64_t> default_value, int64_t min,
                       int64_t max) {
  const std::string expected = absl::StrCat("an integer in [", min, ", ", max, "]");
  const std::optional<std::string> value = Get(name);
  if (!value.has_value()) {
    if (default_value.has_value()) return *default_value;
    Fail(name, expected, "");
    return min;
  }
  const std::optional<int64_t> number = ParseInt(*value);
  if (!number.has_value() || *number < min || *number > max) {
    Fail(name, expected, *value);
    return default_value.value_or(min);
  }
  return *number;
}

bool EnvConfig::Bool(std::string_view name, std::optional<bool> default_value) {
  constexpr std::string_view kExpected = "a boolean (true/false, 1/0, yes/no, on/off)";
  const std::optional<std::string> value = Get(name);
  if (!value.has_value()) {
    if (default_value.has_value()) return *default_value;
    Fail(name, kExpected, "");
    return false;
  }
  const std::optional<bool> parsed = ParseBool(*value);
  if (!parsed.has_value()) {
    Fail(name, kExpected, *value);
    return default_value.value_or(false);
  }
  return *parsed;
}

absl::Duration EnvConfig::Duration(std::string_view name,
                                   std::optional<absl::Duration> default_value) {
  constexpr std::string_view kExpected = "a non-negative duration such as 250ms, 10s, 1m30s or 14d";
  const std::optional<std::string> value = Get(name);
  if (!value.has_value()) {
    if (default_value.has_value()) return *default_value;
    Fail(name, kExpected, "");
    return absl::ZeroDuration();
  }
  absl::Duration parsed;
  // Days first ("14d", "1d12h"): retention periods are said in days; absl does not read them.
  std::string_view rest = *value;
  absl::Duration days = absl::ZeroDuration();
  bool has_days = false;
  if (const size_t d = rest.find('d'); d != std::string_view::npos && d > 0) {
    int64_t n = 0;
    if (absl::SimpleAtoi(absl::string_view(rest.data(), d), &n) && n >= 0 && n < 100000) {
      days = absl::Hours(24 * n);
      has_days = true;
      rest.remove_prefix(d + 1);
    }
  }
  if (has_days && rest.empty()) {
    parsed = days;
  } else if (absl::ParseDuration(absl::string_view(rest.data(), rest.size()), &parsed) &&
             parsed >= absl::ZeroDuration()) {
    parsed += days;
  } else {
    parsed = -absl::Seconds(1);
  }
  // ParseDuration also reads "inf"; an endless timeout is never what an operator meant.
  if (parsed < absl::ZeroDuration() || parsed == absl::InfiniteDuration()) {
    Fail(name, kExpected, *value);
    return default_value.value_or(absl::ZeroDuration());
  }
  return parsed;
}

std::string EnvConfig::HostPort(std::string_view name, std::optional<std::string> default_value,
                                bool allow_port_zero) {
  const std::string expected =
      absl::StrCat("host:port with a port in ", allow_port_zero ? "0" : "1", "..65535");
  std::optional<std::string> value = Get(name);
  if (!value.has_value()) {
    if (default_value.has_value()) return *std::move(default_value);
    Fail(name, expected, "");
    return "";
  }
  if (!ValidHostPort(*value, allow_port_zero)) {
    Fail(name, expected, *value);
    return default_value.value_or("");
  }
  return *std::move(value);
}

std::string EnvConfig::GrpcTarget(std::string_view name, std::optional<std::string> default_value) {
  const std::string expected = "host:port, dns:///host:port or ipv4:host:port[,host:port...]";
  std::optional<std::string> value = Get(name);
  if (!value.has_value()) {
    if (default_value.has_value()) return *std::move(default_value);
    Fail(name, expected, "");
    return "";
  }
  bool valid = false;
  if (absl::StartsWith(*value, "dns:///")) {
    valid = ValidHostPort(value->substr(7), /*allow_port_zero=*/false);
  } else if (absl::StartsWith(*value, "ipv4:")) {
    valid = true;
    for (absl::string_view part : absl::StrSplit(value->substr(5), ',')) {
      valid = valid && ValidHostPort(std::string(part), /*allow_port_zero=*/false);
    }
  } else {
    valid = ValidHostPort(*value, /*allow_port_zero=*/false);
  }
  if (!valid) {
    Fail(name, expected, *value);
    return default_value.value_or("");
  }
  return *std::move(value);
}

std::string EnvConfig::OneOf(std::string_view name, std::optional<std::string> default_value,
                             const std::vector<std::string>& allowed) {
  const std::string expected = absl::StrCat("one of ", absl::StrJoin(allowed, ", "));
  std::optional<std::string> value = Get(name);
  if (!value.has_value()) {
    if (default_value.has_value()) return *std::move(default_value);
    Fail(name, expected, "");
    return "";
  }
  for (const std::string& candidate : allowed) {
    if (*value == candidate) return *std::move(value);
  }
  Fail(name, expected, *value);
  return default_value.value_or("");
}

// Error messages name the path only: the contents are the secret.
std::string EnvConfig::SecretFile(std::string_view name, bool required) {
  const std::optional<std::string> path = Get(name);
  if (!path.has_value()) {
    if (required) Fail(name, "the path of a file holding the secret", "");
    return "";
  }
  std::string reason;
  std::optional<std::string> contents = ReadSecretFile(*path, &reason);
  if (!contents.has_value()) {
    Fail(name, absl::StrCat("a readable secret file (", reason, ")"), *path);
    return "";
  }
  if (contents->empty()) {
    Fail(name, "a non-empty secret file", *path);
    return "";
  }
  return *std::move(contents);
}

void EnvConfig::ExitOnError() const {
  if (errors_.empty()) return;
  std::fprintf(stderr, "config: %s\n", errors_.front().c_str());
  std::fflush(stderr);
  std::exit(2);
}

}  // namespace rathaus::platform
