// Typed, validated settings from environment variables (prefix RATHAUS_).
//
// Every getter records a problem instead of throwing, so a process can read all its settings
// and then stop once, with exit code 2 and one line naming the first bad variable:
//
//   rathaus::platform::EnvConfig env;
//   std::string brokers = env.String("RATHAUS_KAFKA_BROKERS", "127.0.0.1:9092");
//   absl::Duration hold = env.Duration("RATHAUS_RESERVATION_HOLD", absl::Minutes(10));
//   int64_t workers = env.Int("RATHAUS_WORKERS", 4, 1, 64);
//   env.ExitOnError();   // "config: RATHAUS_WORKERS: expected an integer in [1, 64], got "x""
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"

namespace rathaus::platform {

class EnvConfig {
 public:
  // `lookup` returns the variable's value or nullptr; tests pass a map-backed one.
  using Lookup = std::function<const char*(const char*)>;
  EnvConfig();
  explicit EnvConfig(Lookup lookup);

  // A value that is missing (unset or empty) takes the default; without a default it is an
  // error ("expected a value, got nothing").
  std::string String(std::string_view name, std::optional<std::string> default_value = std::nullopt);
  int64_t Int(std::string_view name, std::optional<int64_t> default_value, int64_t min, int64_t max);
  // true/false, 1/0, yes/no, on/off (case-insensitive).
  bool Bool(std::string_view name, std::optional<bool> default_value);
  // Go-style durations as absl::ParseDuration reads them: "250ms", "10s", "1m30s"; not negative.
  absl::Duration Duration(std::string_view name, std::optional<absl::Duration> default_value);
  // "host:port" with a port in 1..65535 (port 0 allowed when allow_port_zero).
  std::string HostPort(std::string_view name, std::optional<std::string> default_value,
                       bool allow_port_zero = false);
  // A gRPC target: "host:port", "dns:///host:port" (every address the name resolves to, e.g. a
  // Kubernetes headless Service) or "ipv4:host:port,host:port" (a fixed list).
  std::string GrpcTarget(std::string_view name, std::optional<std::string> default_value);
  // One of `allowed` (exact match).
  std::string OneOf(std::string_view name, std::optional<std::string> default_value,
                    const std::vector<std::string>& allowed);
  // The variable names a file; returns its contents. Secrets never come from the command line
  // or the variable itself. A missing variable with `required` false returns "".
  std::string SecretFile(std::string_view name, bool required);

  // Records a problem found by a check of the caller's own (e.g. a URL that does not parse).
  void Reject(std::string_view name, std::string_view expected, std::string_view got) {
    Fail(name, expected, got);
  }

  bool ok() const { return errors_.empty(); }
  // One line per problem: "RATHAUS_X: expected ..., got \"...\"".
  const std::vector<std::string>& errors() const { return errors_; }
  // If any problem was recorded: prints "config: <first problem>" on stderr and exits with 2.
  void ExitOnError() const;

 private:
  std::optional<std::string> Get(std::string_view name) const;
  void Fail(std::string_view name, std::string_view expected, std::string_view got);

  Lookup lookup_;
  std::vector<std::string> errors_;
};

}  // namespace rathaus::platform
