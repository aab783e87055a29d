// TLS to Redis (rediss://) for hiredis 0.14, which has no TLS of its own (Debian 12).
//
// Open() makes the TCP connection and the TLS handshake on the caller's thread, within the
// connect timeout: TLS 1.2 or newer, the server's certificate verified against the CA file (or
// the system's roots) and against the host name or IP address, a client certificate when one is
// given (Redis `tls-auth-clients yes`). Then hiredis gets one end of a socket pair
// (redisConnectFd) and a thread of this tunnel moves bytes between the other end and the TLS
// stream until either side closes. hiredis's own timeouts (SO_RCVTIMEO on its end) still bound
// every command.
//
//   int fd = -1;
//   auto tunnel = TlsTunnel::Open("redis.example", 6380, options.tls, absl::Seconds(1), &fd);
//   redisContext* ctx = redisConnectFd(fd);   // hiredis owns fd from here
//   ...
//   redisFree(ctx);      // closes fd: the tunnel's thread sees it and ends
//   tunnel.reset();      // joins the thread, closes the TLS connection
//
// The certificate and key files are read for every new connection, so a renewed certificate
// (cert-manager, a rotated Secret) is used from the next connection on without a restart.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace rathaus::platform::redis {

struct TlsSettings {
  bool enabled = false;      // rediss://
  std::string ca_file;       // PEM roots to verify the server; empty: the system's roots
  std::string cert_file;     // client certificate chain (PEM), together with key_file
  std::string key_file;      // its private key (PEM)
  std::string server_name;   // the name the certificate must carry; empty: the URL's host
};

class TlsTunnel {
 public:
  // On success *local_fd is the end for hiredis (the caller owns it).
  static absl::StatusOr<std::unique_ptr<TlsTunnel>> Open(const std::string& host, int port,
                                                         const TlsSettings& tls,
                                                         absl::Duration timeout, int* local_fd);
  ~TlsTunnel();
  TlsTunnel(const TlsTunnel&) = delete;
  TlsTunnel& operator=(const TlsTunnel&) = delete;

 private:
  TlsTunnel() = default;
  void Pump();

  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int tcp_fd_ = -1;
  int pump_fd_ = -1;   // our end of the socket pair
  int stop_fd_ = -1;   // eventfd: the destructor asks the thread to end
  std::thread thread_;
};

}  // namespace rathaus::platform::redis
