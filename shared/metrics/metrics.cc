#include "shared/metrics/metrics.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "shared/log/log.h"

namespace rathaus::platform::metrics {

namespace {

std::string Escape(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string Number(double v) {
  if (v == static_cast<double>(static_cast<int64_t>(v)) && v < 9e15 && v > -9e15) {
    return absl::StrCat(static_cast<int64_t>(v));
  }
  return absl::StrCat(v);
}

// `{a="x",le="0.5"}` from rendered labels `{a="x"}` plus one more label.
std::string WithLabel(const std::string& rendered, const std::string& name,
                      const std::string& value) {
  std::string extra = absl::StrCat(name, "=\"", value, "\"");
  if (rendered.empty()) return absl::StrCat("{", extra, "}");
  return absl::StrCat(rendered.substr(0, rendered.size() - 1), ",", extra, "}");
}

}  // namespace

std::string RenderLabels(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out.push_back(',');
    absl::StrAppend(&out, labels[i].first, "=\"", Escape(labels[i].second), "\"");
  }
  out.push_back('}');
  return out;
}

void Gauges::Set(std::string_view name, const Labels& labels, double value) {
  values_.emplace_back(std::string(name), RenderLabels(labels), value);
}

void Registry::Describe(std::string name, std::string type, std::string help) {
  std::lock_guard lock(mu_);
  Family& f = families_[std::move(name)];
  f.type = std::move(type);
  f.help = std::move(help);
}

void Registry::Increment(std::string_view name, const Labels& labels, double by) {
  std::string rendered = RenderLabels(labels);
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) it = families_.emplace(std::string(name), Family{}).first;
  it->second.values[rendered] += by;
}

void Registry::Observe(std::string_view name, const Labels& labels, double seconds) {
  std::string rendered = RenderLabels(labels);
  size_t bucket = 0;
  while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) ++bucket;
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) it = families_.emplace(std::string(name), Family{}).first;
  Histogram& h = it->second.histograms[rendered];
  if (bucket < kBuckets.size()) ++h.counts[bucket];
  ++h.count;
  h.sum += seconds;
}

void Registry::AddCollector(std::function<void(Gauges&)> collector) {
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(collector));
}

void Registry::AddTextCollector(std::function<void(std::string*)> collector) {
  std::lock_guard lock(mu_);
  text_collectors_.push_back(std::move(collector));
}

std::string Registry::Text() const {
  std::vector<std::function<void(Gauges&)>> collectors;
  std::vector<std::function<void(std::string*)>> text_collectors;
  {
    std::lock_guard lock(mu_);
    collectors = collectors_;
    text_collectors = text_collectors_;
  }
  Gauges gauges;
  for (const auto& c : collectors) c(gauges);
  std::string collected;
  for (const auto& c : text_collectors) c(&collected);

  std::lock_guard lock(mu_);
  std::map<std::string, std::vector<std::pair<std::string, double>>> gauge_values;
  for (auto& [name, labels, value] : gauges.values_) gauge_values[name].emplace_back(labels, value);

  std::string out;
  auto header = [&](const std::string& name, const Family* f, std::string_view fallback_type) {
    if (f != nullptr && !f->help.empty()) absl::StrAppend(&out, "# HELP ", name, " ", f->help, "\n");
    const std::string type = f != nullptr && !f->type.empty() ? f->type : std::string(fallback_type);
    if (!type.empty()) absl::StrAppend(&out, "# TYPE ", name, " ", type, "\n");
  };
  for (const auto& [name, f] : families_) {
    auto gauge = gauge_values.find(name);
    if (f.values.empty() && f.histograms.empty() && gauge == gauge_values.end()) {
      // A described counter with no series yet still shows, at 0, so dashboards see it.
      if (f.type == "counter") {
        header(name, &f, "");
        absl::StrAppend(&out, name, " 0\n");
      }
      continue;
    }
    header(name, &f, "");
    for (const auto& [labels, value] : f.values) {
      absl::StrAppend(&out, name, labels, " ", Number(value), "\n");
    }
    for (const auto& [labels, h] : f.histograms) {
      uint64_t cumulative = 0;
      for (size_t i = 0; i < kBuckets.size(); ++i) {
        cumulative += h.counts[i];
        absl::StrAppend(&out, name, "_bucket", WithLabel(labels, "le", Number(kBuckets[i])), " ",
                        cumulative, "\n");
      }
      absl::StrAppend(&out, name, "_bucket", WithLabel(labels, "le", "+Inf"), " ", h.count, "\n");
      absl::StrAppend(&out, name, "_sum", labels, " ", h.sum, "\n");
      absl::StrAppend(&out, name, "_count", labels, " ", h.count, "\n");
    }
    if (gauge != gauge_values.end()) {
      for (const auto& [labels, value] : gauge->second) {
        absl::StrAppend(&out, name, labels, " ", Number(value), "\n");
      }
      gauge_values.erase(gauge);
    }
  }
  for (const auto& [name, values] : gauge_values) {
    header(name, nullptr, "gauge");
    for (const auto& [labels, value] : values) {
      absl::StrAppend(&out, name, labels, " ", Number(value), "\n");
    }
  }
  out += collected;
  return out;
}

MetricsServer::~MetricsServer() { Stop(); }

absl::Status MetricsServer::Start(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("metrics: bad listen address ", listen));
  }
  std::string host = listen.substr(0, colon);
  if (host.empty() || host == "*") host = "0.0.0.0";
  if (host == "localhost") host = "127.0.0.1";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("metrics: not an IPv4 address: ", host));
  }
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return absl::InternalError(absl::StrCat("metrics: socket: ", strerror(errno)));
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listen_fd_, 16) != 0) {
    const std::string error = strerror(errno);
    close(listen_fd_);
    listen_fd_ = -1;
    return absl::UnavailableError(absl::StrCat("metrics: cannot listen on ", listen, ": ", error));
  }
  socklen_t len = sizeof(addr);
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Loop(); });
  return absl::OkStatus();
}

void MetricsServer::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) close(listen_fd_);
  listen_fd_ = -1;
}

void MetricsServer::Loop() {
  while (!stop_.load()) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    Serve(fd);
    close(fd);
  }
}

void MetricsServer::Serve(int fd) {
  // One short request per connection; a slow or silent client gets 2 s.
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  std::string request;
  char buf[2048];
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < 8192) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return;
    request.append(buf, static_cast<size_t>(n));
  }
  std::string status = "200 OK";
  std::string type = "text/plain; version=0.0.4; charset=utf-8";
  std::string body;
  const bool get = request.rfind("GET ", 0) == 0;
  const std::string_view target =
      get ? std::string_view(request).substr(4, request.find(' ', 4) - 4) : std::string_view();
  if (!get) {
    status = "405 Method Not Allowed";
    type = "text/plain; charset=utf-8";
    body = "GET /metrics\n";
  } else if (target != "/metrics") {
    status = "404 Not Found";
    type = "text/plain; charset=utf-8";
    body = "metrics are at /metrics\n";
  } else {
    body = registry_.Text();
  }
  std::string response =
      absl::StrCat("HTTP/1.1 ", status, "\r\nContent-Type: ", type,
                   "\r\nContent-Length: ", body.size(), "\r\nConnection: close\r\n\r\n", body);
  size_t sent = 0;
  while (sent < response.size()) {
    ssize_t n = send(fd, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

}  // namespace rathaus::platform::metrics
