#include "tests/harness/delay_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "absl/time/clock.h"

namespace rathaus::testing {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return addr;
}

bool WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

DelayProxy::DelayProxy(int target_port) : target_port_(target_port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = Loopback(0);
  socklen_t len = sizeof(addr);
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listen_fd_, 64) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::cerr << "DelayProxy: cannot listen on loopback\n";
    std::abort();
  }
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { Accept(); });
}

DelayProxy::~DelayProxy() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  acceptor_.join();
  ::close(listen_fd_);
  {
    std::lock_guard lock(mu_);
    for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
  }
  for (std::thread& t : threads_) t.join();
  for (int fd : fds_) ::close(fd);
}

void DelayProxy::SetDelay(absl::Duration delay) {
  delay_ms_ = absl::ToInt64Milliseconds(delay);
}

void DelayProxy::Accept() {
  while (!stopping_) {
    const int client = ::accept(listen_fd_, nullptr, nullptr);
    if (client < 0) return;
    const int server = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr = Loopback(target_port_.load());
    if (server < 0 || ::connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(client);
      if (server >= 0) ::close(server);
      continue;
    }
    const int one = 1;
    ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    ::setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    std::lock_guard lock(mu_);
    if (stopping_) {
      ::close(client);
      ::close(server);
      return;
    }
    fds_.push_back(client);
    fds_.push_back(server);
    threads_.emplace_back([this, client, server] { Pump(client, server, true); });
    threads_.emplace_back([this, client, server] { Pump(server, client, false); });
  }
}

void DelayProxy::Pump(int from, int to, bool delayed) {
  char buffer[64 * 1024];
  while (true) {
    const ssize_t n = ::recv(from, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    if (delayed) {
      const int64_t ms = delay_ms_;
      if (ms > 0) absl::SleepFor(absl::Milliseconds(ms));
    }
    if (!WriteAll(to, buffer, static_cast<size_t>(n))) break;
  }
  ::shutdown(to, SHUT_WR);
}

}  // namespace rathaus::testing
