// The HTTP/1.1 server (Boost.Beast on Asio): keep-alive connections, a body limit per route (64 KiB
// unless the route says more), read timeouts, a few I/O threads, a cap on open connections and on
// large bodies at once, unambiguous framing only (no Transfer-Encoding but "chunked"), and for a
// large body the gateway's Admit (credential, rate limit) before it is read. It only parses and
// writes HTTP; everything else is the Gateway's. This header keeps Beast out of every other
// translation unit.
//
//   HttpServer server("127.0.0.1:8080", /*threads=*/2, &gateway, &metrics, HttpLimits{});
//   if (auto s = server.Start(); !s.ok()) ...
//   server.StopAccepting();   // on SIGTERM, then wait for gateway.in_flight() == 0
//   server.Stop();            // closes the remaining connections and joins the threads
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "gateway/gateway.h"

namespace rathaus::gateway {

struct HttpLimits {
  // Open connections at most (RATHAUS_HTTP_MAX_CONNECTIONS); more are closed at once and counted
  // (rathaus_gateway_connections_refused_total).
  int max_connections = 4096;
  // Bodies over 64 KiB (invoices, status imports) read and processed at once
  // (RATHAUS_GATEWAY_MAX_LARGE_BODIES); more are answered 503 with Retry-After.
  int max_large_bodies = 8;
};

class HttpServer {
 public:
  HttpServer(std::string listen, int threads, Gateway* gateway, Metrics* metrics,
             HttpLimits limits = {});
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
