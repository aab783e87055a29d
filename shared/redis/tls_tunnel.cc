#include "shared/redis/tls_tunnel.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"

namespace rathaus::platform::redis {
namespace {

// The oldest OpenSSL error on this thread's queue, as text ("" when there is none).
std::string SslError() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

int MillisLeft(absl::Time deadline) {
  return static_cast<int>(std::max<int64_t>(0, absl::ToInt64Milliseconds(deadline - absl::Now())));
}

bool SetNonBlocking(int fd) {
  const int flags = fcntl(fd, F_GETFL, 0);
  return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

// A connected, non-blocking TCP socket to host:port, or the reason.
absl::StatusOr<int> ConnectTcp(const std::string& host, int port, absl::Time deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    return absl::UnavailableError(absl::StrCat("cannot resolve ", host, ": ", gai_strerror(rc)));
  }
  absl::Cleanup free_found = [found] { freeaddrinfo(found); };
  std::string last = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last = std::strerror(errno);
      continue;
    }
    if (!SetNonBlocking(fd)) {
      last = std::strerror(errno);
      close(fd);
      continue;
    }
    int rc = connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      rc = poll(&p, 1, MillisLeft(deadline));
      if (rc == 0) {
        close(fd);
        return absl::UnavailableError("connect timed out");
      }
      int err = 0;
      socklen_t len = sizeof err;
      if (rc < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
      rc = err == 0 ? 0 : -1;
      errno = err;
    }
    if (rc != 0) {
      last = std::strerror(errno);
      close(fd);
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    return fd;
  }
  return absl::UnavailableError(last);
}

// `n` more bytes of `buffer` from `offset` on were passed on: forget them (compacting now and
// then, so the buffer does not grow while both sides keep it non-empty).
void Consumed(std::string& buffer, size_t& offset, size_t n) {
  offset += n;
  if (offset == buffer.size()) {
    buffer.clear();
    offset = 0;
  } else if (offset > 256 * 1024) {
    buffer.erase(0, offset);
    offset = 0;
  }
}

// OpenSSL writes to the socket with write(): a server that reset the connection would raise
// SIGPIPE and end the process. While this lives, SIGPIPE is blocked for the calling thread (a
// write then fails with EPIPE); one raised meanwhile is taken off the thread and the mask restored.
class NoSigpipe {
 public:
  NoSigpipe() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~NoSigpipe() {
    timespec zero{0, 0};
    while (sigtimedwait(&pipe_, nullptr, &zero) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t pipe_, old_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<TlsTunnel>> TlsTunnel::Open(const std::string& host, int port,
                                                           const TlsSettings& tls,
                                                           absl::Duration timeout, int* local_fd) {
  const absl::Time deadline = absl::Now() + timeout;
  NoSigpipe no_sigpipe;
  const std::string where = absl::StrCat(host, ":", port);
  auto fail = [&](const std::string& what) {
    return absl::UnavailableError(absl::StrCat("redis: TLS to ", where, ": ", what));
  };
  std::unique_ptr<TlsTunnel> t(new TlsTunnel());
  ERR_clear_error();
  t->ctx_ = SSL_CTX_new(TLS_client_method());
  if (t->ctx_ == nullptr) return fail(SslError());
  SSL_CTX_set_min_proto_version(t->ctx_, TLS1_2_VERSION);
  SSL_CTX_set_verify(t->ctx_, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_mode(t->ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (!tls.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(t->ctx_, tls.ca_file.c_str(), nullptr) != 1) {
      return fail(absl::StrCat("cannot read the CA file ", tls.ca_file, ": ", SslError()));
    }
  } else if (SSL_CTX_set_default_verify_paths(t->ctx_) != 1) {
    return fail(absl::StrCat("cannot load the system's CA certificates: ", SslError()));
  }
  if (!tls.cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(t->ctx_, tls.cert_file.c_str()) != 1) {
      return fail(absl::StrCat("cannot read the client certificate ", tls.cert_file, ": ", SslError()));
    }
    if (SSL_CTX_use_PrivateKey_file(t->ctx_, tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      return fail(absl::StrCat("cannot read the client key ", tls.key_file, ": ", SslError()));
    }
    if (SSL_CTX_check_private_key(t->ctx_) != 1) {
      return fail("the client key does not belong to the client certificate");
    }
  }

  auto tcp = ConnectTcp(host, port, deadline);
  if (!tcp.ok()) return fail(std::string(tcp.status().message()));
  t->tcp_fd_ = *tcp;

  t->ssl_ = SSL_new(t->ctx_);
  if (t->ssl_ == nullptr || SSL_set_fd(t->ssl_, t->tcp_fd_) != 1) return fail(SslError());
  const std::string& name = tls.server_name.empty() ? host : tls.server_name;
  in6_addr ip{};
  const bool is_ip = inet_pton(AF_INET, name.c_str(), &ip) == 1 || inet_pton(AF_INET6, name.c_str(), &ip) == 1;
  if (is_ip) {
    if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl_), name.c_str()) != 1) return fail(SslError());
  } else {
    if (SSL_set1_host(t->ssl_, name.c_str()) != 1) return fail(SslError());
    SSL_set_tlsext_host_name(t->ssl_, name.c_str());
  }
  for (;;) {
    ERR_clear_error();
    const int rc = SSL_connect(t->ssl_);
    if (rc == 1) break;
    const int e = SSL_get_error(t->ssl_, rc);
    short events = 0;
    if (e == SSL_ERROR_WANT_READ) events = POLLIN;
    if (e == SSL_ERROR_WANT_WRITE) events = POLLOUT;
    if (events == 0) {
      const long verify = SSL_get_verify_result(t->ssl_);
      if (verify != X509_V_OK) {
        return fail(absl::StrCat("the server's certificate is not accepted: ",
                                 X509_verify_cert_error_string(verify), " (checked for ", name, ")"));
      }
      std::string why = SslError();
      if (why.empty()) why = e == SSL_ERROR_SYSCALL ? "the server closed the connection" : "handshake failed";
      return fail(absl::StrCat("handshake failed: ", why));
    }
    pollfd p{t->tcp_fd_, events, 0};
    const int left = MillisLeft(deadline);
    if (left == 0 || poll(&p, 1, left) == 0) return fail("handshake timed out");
  }

  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return fail(std::strerror(errno));
  t->pump_fd_ = pair[1];
  SetNonBlocking(t->pump_fd_);
  t->stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (t->stop_fd_ < 0) {
    close(pair[0]);
    return fail(std::strerror(errno));
  }
  t->thread_ = std::thread([raw = t.get()] { raw->Pump(); });
  *local_fd = pair[0];
  return t;
}

TlsTunnel::~TlsTunnel() {
  if (thread_.joinable()) {
    const uint64_t one = 1;
    (void)!write(stop_fd_, &one, sizeof one);
    thread_.join();
  }
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  for (int fd : {tcp_fd_, pump_fd_, stop_fd_}) {
    if (fd >= 0) close(fd);
  }
}

// Moves bytes both ways without blocking on either side: hiredis -> `up` -> TLS, and
// TLS -> `down` -> hiredis, each buffer bounded. Ends when hiredis closes its end, the server
// closes the connection, an error happens, or the destructor asks.
void TlsTunnel::Pump() {
  NoSigpipe no_sigpipe;  // a reset connection fails SSL_write with EPIPE, it does not end the process
  constexpr size_t kCap = 256 * 1024;
  constexpr size_t kChunk = 16 * 1024;
  std::string up, down;
  size_t up_off = 0, down_off = 0;
  char buf[kChunk];
  bool server_open = true;
  for (;;) {
    bool progress = false;
    short tcp_events = 0, local_events = 0;
    // hiredis -> up
    if (up.size() - up_off < kCap) {
      const ssize_t n = read(pump_fd_, buf, sizeof buf);
      if (n > 0) {
        up.append(buf, static_cast<size_t>(n));
        progress = true;
      } else if (n == 0) {
        break;  // hiredis closed its end: nobody waits for an answer
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        local_events |= POLLIN;
      } else if (errno != EINTR) {
        break;
      }
    }
    // up -> TLS
    if (server_open && up.size() > up_off) {
      ERR_clear_error();
      const int n = SSL_write(ssl_, up.data() + up_off, static_cast<int>(std::min(up.size() - up_off, kChunk)));
      if (n > 0) {
        Consumed(up, up_off, static_cast<size_t>(n));
        progress = true;
      } else {
        const int e = SSL_get_error(ssl_, n);
        if (e == SSL_ERROR_WANT_READ) tcp_events |= POLLIN;
        else if (e == SSL_ERROR_WANT_WRITE) tcp_events |= POLLOUT;
        else server_open = false;
      }
    }
    // TLS -> down
    if (server_open && down.size() - down_off < kCap) {
      ERR_clear_error();
      const int n = SSL_read(ssl_, buf, sizeof buf);
      if (n > 0) {
        down.append(buf, static_cast<size_t>(n));
        progress = true;
      } else {
        const int e = SSL_get_error(ssl_, n);
        if (e == SSL_ERROR_WANT_READ) tcp_events |= POLLIN;
        else if (e == SSL_ERROR_WANT_WRITE) tcp_events |= POLLOUT;
        else server_open = false;  // closed (close_notify or EOF) or failed
      }
    }
    // down -> hiredis
    if (down.size() > down_off) {
      const ssize_t n = send(pump_fd_, down.data() + down_off, down.size() - down_off, MSG_NOSIGNAL);
      if (n > 0) {
        Consumed(down, down_off, static_cast<size_t>(n));
        progress = true;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        local_events |= POLLOUT;
      } else if (n < 0 && errno != EINTR) {
        break;
      }
    }
    // The server is gone and hiredis has all it sent: closing our end tells hiredis (EOF).
    if (!server_open && down.size() == down_off) break;
    if (progress) continue;
    // A side with nothing to wait for is left out (fd -1): a hung-up socket would otherwise wake
    // poll at once, again and again.
    const bool wait_tcp = server_open && tcp_events != 0;
    pollfd p[3] = {{pump_fd_, local_events, 0}, {wait_tcp ? tcp_fd_ : -1, tcp_events, 0},
                   {stop_fd_, POLLIN, 0}};
    if (poll(p, 3, -1) < 0 && errno != EINTR) break;
    if (p[2].revents != 0) break;
    // hiredis's end closed while we were not reading it (buffer full): nobody is left to answer.
    if ((p[0].revents & (POLLHUP | POLLERR)) != 0 && (local_events & POLLIN) == 0) break;
  }
  if (server_open) {
    ERR_clear_error();
    SSL_shutdown(ssl_);  // close_notify, best effort (non-blocking)
  }
  // hiredis reads EOF and gives up the connection. Only our sending side is shut: its writes
  // still land in the socket buffer (no SIGPIPE in the caller) until it frees the connection.
  shutdown(pump_fd_, SHUT_WR);
}

}  // namespace rathaus::platform::redis
