// The HTTP/1.1 server (Boost.Beast on Asio): keep-alive connections, a body limit per route (64 KiB
// unless the route says more),
// read timeouts, and a few I/O threads. It only parses and writes HTTP; everything else is the
// Gateway's. This header keeps Beast out of every other translation unit.
//
//   HttpServer server("127.0.0.1:8080", /*threads=*/2, &gateway);
//   if (auto s = server.Start(); !s.ok()) ...
//   server.StopAccepting();   // on SIGTERM, then wait for gateway.in_flight() == 0
//   server.Stop();            // closes the remaining connections and joins the threads
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "gateway/gateway.h"

namespace rathaus::gateway {

class HttpServer {
 public:
  HttpServer(std::string listen, int threads, Gateway* gateway);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts the I/O threads; fails when the address cannot be bound.
  absl::Status Start();
  int port() const;
  void StopAccepting();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rathaus::gateway
