#include "shared/kafka/connection.h"

#include <mutex>

namespace rathaus::platform::kafka {
namespace {

std::mutex& Mu() {
  static std::mutex mu;
  return mu;
}

Settings& Current() {
  static Settings settings;
  return settings;
}

}  // namespace

void SetConnectionSettings(Settings settings) {
  std::lock_guard lock(Mu());
  Current() = std::move(settings);
}

Settings ConnectionSettings() {
  std::lock_guard lock(Mu());
  return Current();
}

}  // namespace rathaus::platform::kafka
