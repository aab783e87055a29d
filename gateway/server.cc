#include "gateway/server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "shared/log/log.h"

namespace rathaus::gateway {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace log = rathaus::platform::log;
using tcp = net::ip::tcp;

constexpr auto kIdleTimeout = std::chrono::seconds(30);
constexpr auto kWriteTimeout = std::chrono::seconds(30);
// Reading a body larger than 64 KiB (an invoice of up to 20 MiB) may take a slow link longer.
constexpr auto kLargeBodyTimeout = std::chrono::seconds(120);
constexpr size_t kHeaderLimit = 16 * 1024;
// After an answer that ends the connection, what the client still sends is read and dropped for
// a moment, so closing does not reset the connection before the client has read the answer.
constexpr auto kLingerTimeout = std::chrono::seconds(2);
constexpr size_t kLingerBytes = 1 << 20;

// What every connection of one server shares: the gateway, the counters and the limits.
struct Shared {
  Gateway* gateway;
  Metrics* metrics;
  HttpLimits limits;
  std::atomic<int> connections{0};
  std::atomic<int> large_bodies{0};
};

// RFC 9112 section 6: a request's body is framed by Content-Length or by Transfer-Encoding whose
// only coding is "chunked". Anything else ("chunked, identity", "xchunked", both headers, two
// Transfer-Encoding lines, HTTP/1.0 with one) can be read two ways by two parsers: the request is
// refused and the connection closed, so no part of it is ever read as another request.
bool FramingIsUnambiguous(const http::request_parser<http::string_body>::value_type& header) {
  const size_t te = header.count(http::field::transfer_encoding);
  if (te == 0) return true;
  if (te > 1 || header.version() < 11 || header.count(http::field::content_length) > 0) return false;
  const auto value = header[http::field::transfer_encoding];
  return absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(absl::string_view(value.data(), value.size())),
                                "chunked");
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<Shared> shared)
      : stream_(std::move(socket)), shared_(std::move(shared)), gateway_(shared_->gateway) {
    shared_->metrics->ConnectionOpened();
    beast::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) {
      auto address = endpoint.address();
      if (address.is_v6() && address.to_v6().is_v4_mapped()) {
        address = address.to_v6().to_v4();
      }
      client_ip_ = address.to_string();
    }
  }

  ~Session() {
    --shared_->connections;
    shared_->metrics->ConnectionClosed();
  }

  void Start() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::Read, shared_from_this()));
  }

 private:
  void Read() {
    parser_.emplace();
    // Beast judges Content-Length against the limit as soon as the header is complete: start
    // with the largest any route allows, then OnHeader narrows it to this request's route.
    body_limit_ = gateway_->LargestBodyBytes();
    parser_->body_limit(body_limit_);
    parser_->header_limit(kHeaderLimit);
    stream_.expires_after(kIdleTimeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  // The header is in: the route decides how large the body may be (invoices: 20 MiB), and a
  // client that asked "Expect: 100-continue" (curl does for large bodies) is told to go on.
  void OnHeader(beast::error_code ec, size_t) {
    if (ec) return OnRead(ec, 0);
    const auto& header = parser_->get();
    if (!FramingIsUnambiguous(header)) {
      return Refuse(MakeProblem("bad-transfer-encoding",
                                "Send the body with Content-Length or Transfer-Encoding: chunked "
                                "alone."));
    }
    if (parser_->is_done()) return OnRead({}, 0);  // no body (GETs): nothing more to decide
    const auto method = header.method_string();
    const auto target = header.target();
    body_limit_ = gateway_->MaxBodyBytes(std::string_view(method.data(), method.size()),
                                         std::string_view(target.data(), target.size()));
    parser_->body_limit(body_limit_);
    const auto length = parser_->content_length();
    if (length && *length > body_limit_) return OnRead(http::error::body_limit, 0);
    if (body_limit_ <= kMaxBodyBytes) return ContinueBody();
    // A large body (an invoice, a status import): only so many at once, and only after the
    // credential and the rate limit said yes, so a refused client costs no body.
    if (shared_->large_bodies.fetch_add(1) >= shared_->limits.max_large_bodies) {
      --shared_->large_bodies;
      shared_->metrics->RecordLargeBodyRefused();
      Problem busy = MakeProblem("server-busy",
                                 "Too many uploads are being received right now; retry shortly.");
      busy.headers = {{"Retry-After", "5"}};
      return Refuse(std::move(busy));
    }
    holds_large_body_ = true;
    stream_.expires_after(kLargeBodyTimeout);
    gateway_->Admit(Head(), [self = shared_from_this()](std::optional<Problem> refused) {
      net::post(self->stream_.get_executor(), [self, refused = std::move(refused)]() mutable {
        if (refused) return self->Refuse(std::move(*refused));
        self->admitted_ = true;
        self->ContinueBody();
      });
    });
  }

  void ContinueBody() {
    const auto& header = parser_->get();
    stream_.expires_after(body_limit_ > kMaxBodyBytes ? kLargeBodyTimeout : kIdleTimeout);
    const auto expect = header[http::field::expect];
    if (header.version() >= 11 &&
        absl::EqualsIgnoreCase(absl::string_view(expect.data(), expect.size()), "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                       [self = shared_from_this()](beast::error_code ec, size_t) {
                         if (ec) return self->Close();
                         self->ReadBody();
                       });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset ||
        ec == net::error::eof) {
      return Close();
    }
    if (ec) {
      // The request cannot be read to its end: answer once and close the connection.
      return Refuse(ec == http::error::body_limit
                        ? MakeProblem("payload-too-large",
                                      absl::StrCat("The body may be at most ", body_limit_, " bytes."))
                        : MakeProblem("invalid-argument", "The HTTP request could not be parsed."));
    }
    http::request<http::string_body> req = parser_->release();
    HttpRequest request;
    request.admitted = admitted_;
    admitted_ = false;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    for (const auto& field : req) {
      std::string name(field.name_string());
      absl::AsciiStrToLower(&name);
      // Repeated headers: the first wins; none of the ones we read may be repeated.
      request.headers.emplace(std::move(name), std::string(field.value()));
    }
    request.body = std::move(req.body());
    request.client_ip = client_ip_;
    const bool keep_alive = req.keep_alive();
    const unsigned version = req.version();
    gateway_->Handle(std::move(request),
                     [self = shared_from_this(), keep_alive, version](HttpResponse r) {
                       net::post(self->stream_.get_executor(),
                                 [self, keep_alive, version, r = std::move(r)]() mutable {
                                   self->Write(std::move(r), keep_alive, version);
                                 });
                     });
  }

  // The request as far as its header: for Admit and for refusals.
  HttpRequest Head() const {
    HttpRequest request;
    if (parser_ && parser_->is_header_done()) {
      const auto& header = parser_->get();
      request.method = std::string(header.method_string());
      request.target = std::string(header.target());
      for (const auto& field : header) {
        std::string name(field.name_string());
        absl::AsciiStrToLower(&name);
        request.headers.emplace(std::move(name), std::string(field.value()));
      }
    }
    request.client_ip = client_ip_;
    return request;
  }

  // Answers once (counted and logged by the gateway) and closes the connection: what is left of
  // the request is never read as another one.
  void Refuse(Problem problem) {
    gateway_->Reject(Head(), std::move(problem), [self = shared_from_this()](HttpResponse r) {
      net::post(self->stream_.get_executor(),
                [self, r = std::move(r)]() mutable { self->Write(std::move(r), false, 11); });
    });
  }

  void Write(HttpResponse r, bool keep_alive, unsigned version) {
    ReleaseLargeBody();
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), version);
    res->set(http::field::server, "rathaus-gateway");
    if (!r.content_type.empty()) res->set(http::field::content_type, r.content_type);
    for (auto& [name, value] : r.headers) res->insert(name, value);
    // Every answer, not only files: no browser guesses another type than the one we send.
    res->set("X-Content-Type-Options", "nosniff");
    res->body() = std::move(r.body);
    res->keep_alive(keep_alive);
    res->prepare_payload();
    stream_.expires_after(kWriteTimeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res, keep_alive](beast::error_code ec, size_t) {
                        if (ec) return self->Close();
                        if (!keep_alive) return self->Linger();
                        self->Read();
                      });
  }

  void ReleaseLargeBody() {
    if (holds_large_body_) {
      holds_large_body_ = false;
      --shared_->large_bodies;
    }
  }

  // Half-close, then read and drop what the client still sends until it closes too (or a short
  // while passes): a close with unread data would reset the connection and could destroy the
  // answer in the client's receive buffer.
  void Linger() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return Close();
    stream_.expires_after(kLingerTimeout);
    DrainSome();
  }

  void DrainSome() {
    linger_buffer_.resize(16 * 1024);
    stream_.async_read_some(net::buffer(linger_buffer_),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->lingered_ += n;
                              if (ec || self->lingered_ > kLingerBytes) return self->Close();
                              self->DrainSome();
                            });
  }

  void Close() {
    ReleaseLargeBody();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<Shared> shared_;
  Gateway* gateway_;
  std::string client_ip_;
  size_t body_limit_ = kMaxBodyBytes;
  bool holds_large_body_ = false;  // counted in shared_->large_bodies until the answer
  bool admitted_ = false;          // Admit ran for the request being read
  std::vector<char> linger_buffer_;
  size_t lingered_ = 0;
};

}  // namespace

struct HttpServer::Impl {
  Impl(std::string listen, int threads, Gateway* gateway, Metrics* metrics, HttpLimits limits)
      : listen(std::move(listen)), threads(threads),
        shared(std::make_shared<Shared>(gateway, metrics, limits)), ioc(threads),
        acceptor(net::make_strand(ioc)), accept_timer(acceptor.get_executor()) {}

  void Accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      if (ec) {
        // Out of file descriptors (EMFILE) and the like: the same accept would fail again at
        // once and spin a core. Wait, doubling up to a second, then try again.
        shared->metrics->RecordAcceptError();
        accept_backoff = std::min<std::chrono::milliseconds>(
            std::chrono::seconds(1), std::max<std::chrono::milliseconds>(
                                         std::chrono::milliseconds(10), accept_backoff * 2));
        log::Warn("accept failed, backing off",
                  {{"error", ec.message()},
                   {"backoff_ms", static_cast<int64_t>(accept_backoff.count())}});
        accept_timer.expires_after(accept_backoff);
        accept_timer.async_wait([this](beast::error_code wait_ec) {
          if (!wait_ec && acceptor.is_open()) Accept();
        });
        return;
      }
      accept_backoff = std::chrono::milliseconds(0);
      if (shared->connections.fetch_add(1) >= shared->limits.max_connections) {
        --shared->connections;
        shared->metrics->RecordConnectionRefused();
        const auto now = std::chrono::steady_clock::now();
        ++refused_since_log;
        if (now - last_refusal_log >= std::chrono::seconds(10)) {
          log::Warn("connection limit reached, closing new connections",
                    {{"max_connections", shared->limits.max_connections},
                     {"refused", refused_since_log}});
          last_refusal_log = now;
          refused_since_log = 0;
        }
        beast::error_code close_ec;
        socket.close(close_ec);
      } else {
        std::make_shared<Session>(std::move(socket), shared)->Start();
      }
      Accept();
    });
  }

  std::string listen;
  int threads;
  std::shared_ptr<Shared> shared;  // before ioc: sessions destroyed with ioc still use it
  net::io_context ioc;
  tcp::acceptor acceptor;
  net::steady_timer accept_timer;
  std::chrono::milliseconds accept_backoff{0};
  std::chrono::steady_clock::time_point last_refusal_log{};
  int64_t refused_since_log = 0;
  std::vector<std::thread> workers;
  int port = 0;
};

HttpServer::HttpServer(std::string listen, int threads, Gateway* gateway, Metrics* metrics,
                       HttpLimits limits)
    : impl_(std::make_unique<Impl>(std::move(listen), threads, gateway, metrics, limits)) {}

HttpServer::~HttpServer() { Stop(); }

absl::Status HttpServer::Start() {
  const size_t colon = impl_->listen.rfind(':');
  std::string host = impl_->listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(impl_->listen.substr(colon + 1), &port)) {
    return absl::InvalidArgumentError("listen address is not host:port");
  }
  beast::error_code ec;
  auto address = net::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("bad listen host ", host));
  tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot listen on ", impl_->listen, ": ",
                                                     ec.message()));
  impl_->port = acceptor.local_endpoint().port();
  impl_->Accept();
  for (int i = 0; i < impl_->threads; ++i) {
    impl_->workers.emplace_back([this] { impl_->ioc.run(); });
  }
  return absl::OkStatus();
}

int HttpServer::port() const { return impl_->port; }

void HttpServer::StopAccepting() {
  net::post(impl_->acceptor.get_executor(), [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
  });
}

void HttpServer::Stop() {
  impl_->ioc.stop();
  for (auto& t : impl_->workers) {
    if (t.joinable()) t.join();
  }
  impl_->workers.clear();
}

}  // namespace rathaus::gateway
