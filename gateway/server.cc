#include "gateway/server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

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

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Gateway* gateway) : stream_(std::move(socket)), gateway_(gateway) {
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
    if (parser_->is_done()) return OnRead({}, 0);  // no body (GETs): nothing more to decide
    const auto& header = parser_->get();
    const auto method = header.method_string();
    const auto target = header.target();
    body_limit_ = gateway_->MaxBodyBytes(std::string_view(method.data(), method.size()),
                                         std::string_view(target.data(), target.size()));
    parser_->body_limit(body_limit_);
    const auto length = parser_->content_length();
    if (length && *length > body_limit_) return OnRead(http::error::body_limit, 0);
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
      Problem problem =
          ec == http::error::body_limit
              ? MakeProblem("payload-too-large",
                            absl::StrCat("The body may be at most ", body_limit_, " bytes."))
              : MakeProblem("invalid-argument", "The HTTP request could not be parsed.");
      HttpRequest request;
      if (parser_->is_header_done()) {
        request.method = std::string(parser_->get().method_string());
        request.target = std::string(parser_->get().target());
      }
      request.client_ip = client_ip_;
      gateway_->Reject(std::move(request), std::move(problem),
                       [self = shared_from_this()](HttpResponse r) {
                         net::post(self->stream_.get_executor(),
                                   [self, r = std::move(r)]() mutable {
                                     self->Write(std::move(r), false, 11);
                                   });
                       });
      return;
    }
    http::request<http::string_body> req = parser_->release();
    HttpRequest request;
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

  void Write(HttpResponse r, bool keep_alive, unsigned version) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), version);
    res->set(http::field::server, "rathaus-gateway");
    if (!r.content_type.empty()) res->set(http::field::content_type, r.content_type);
    for (auto& [name, value] : r.headers) res->insert(name, value);
    res->body() = std::move(r.body);
    res->keep_alive(keep_alive);
    res->prepare_payload();
    stream_.expires_after(kWriteTimeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res, keep_alive](beast::error_code ec, size_t) {
                        if (ec || !keep_alive) return self->Close();
                        self->Read();
                      });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Gateway* gateway_;
  std::string client_ip_;
  size_t body_limit_ = kMaxBodyBytes;
};

}  // namespace

struct HttpServer::Impl {
  Impl(std::string listen, int threads, Gateway* gateway)
      : listen(std::move(listen)), threads(threads), gateway(gateway), ioc(threads),
        acceptor(net::make_strand(ioc)) {}

  void Accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      if (!ec) std::make_shared<Session>(std::move(socket), gateway)->Start();
      Accept();
    });
  }

  std::string listen;
  int threads;
  Gateway* gateway;
  net::io_context ioc;
  tcp::acceptor acceptor;
  std::vector<std::thread> workers;
  int port = 0;
};

HttpServer::HttpServer(std::string listen, int threads, Gateway* gateway)
    : impl_(std::make_unique<Impl>(std::move(listen), threads, gateway)) {}

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
