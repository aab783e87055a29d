// A TCP proxy on loopback that can hold back what a client sends for a while: a slow network
// between a service and its Redis (or any server), to make a call outlive its caller's deadline
// while the server still carries it out.
//
//   DelayProxy proxy(redis_port);                    // the service connects to proxy.port()
//   proxy.SetDelay(absl::Seconds(1));                 // bytes from now on arrive 1 s late
//   proxy.SetDelay(absl::ZeroDuration());
//   proxy.SetTarget(FreePort());                      // the server is away for new connections
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/time/time.h"

namespace rathaus::testing {

class DelayProxy {
 public:
  explicit DelayProxy(int target_port);
  ~DelayProxy();
  DelayProxy(const DelayProxy&) = delete;
  DelayProxy& operator=(const DelayProxy&) = delete;

  int port() const { return port_; }
  // Data a client sends after this call reaches the server `delay` later (order kept); the
  // server's answers pass at once.
  void SetDelay(absl::Duration delay);
  // Connections accepted from now on go to `target_port` (a port nobody listens on: the server
  // is away; a client's connection is closed at once).
  void SetTarget(int target_port) { target_port_.store(target_port); }

 private:
  void Accept();
  void Pump(int from, int to, bool delayed);

  std::atomic<int> target_port_;
  int port_ = 0;
  int listen_fd_ = -1;
  std::atomic<int64_t> delay_ms_{0};
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::vector<int> fds_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace rathaus::testing
