// The attack suite: what an attacker tried against the running system (issue 15), run against the
// real gateway and services on loopback. Each test is bounded in time and in traffic; each one
// failed on the gateway before these fixes.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "rathaus/appointments/v1/appointments.pb.h"
#include "tests/e2e/system.h"
#include "tests/harness/harness.h"

namespace rathaus::testing {
namespace {

namespace v1 = rathaus::appointments::v1;

System* sys = nullptr;

// A raw TCP exchange: connects, writes `bytes` (in one piece, or the pieces with a pause
// between), reads until the peer closes or `timeout` passes. `closed`: the peer closed.
struct Raw {
  std::string received;
  bool closed = false;
  bool connected = false;
};

// A connected socket to the loopback port, or -1.
int ConnectLoopback(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

Raw Exchange(int port, const std::vector<std::string>& pieces, absl::Duration timeout) {
  Raw raw;
  const int fd = ConnectLoopback(port);
  if (fd < 0) return raw;
  raw.connected = true;
  for (const std::string& piece : pieces) {
    if (send(fd, piece.data(), piece.size(), MSG_NOSIGNAL) < 0) break;
  }
  timeval tv{};
  tv.tv_sec = 0;
  tv.tv_usec = 100 * 1000;
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const absl::Time until = absl::Now() + timeout;
  char buffer[65536];
  while (absl::Now() < until) {
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n > 0) {
      raw.received.append(buffer, static_cast<size_t>(n));
    } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
      raw.closed = true;
      break;
    }
  }
  close(fd);
  return raw;
}

int CountResponses(const std::string& received) {
  int n = 0;
  for (size_t at = received.find("HTTP/1."); at != std::string::npos;
       at = received.find("HTTP/1.", at + 1)) {
    ++n;
  }
  return n;
}

// A problem body without its request-specific member.
std::string WithoutInstance(const std::string& body) {
  return std::regex_replace(body, std::regex(R"("instance":"[^"]*")"), "");
}

int64_t MetricValue(const std::string& text, const std::string& series) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StartsWith(line, series + " ")) {
      int64_t v = 0;
      if (absl::SimpleAtoi(line.substr(series.size() + 1), &v)) return v;
    }
  }
  return -1;
}

class AttackE2eTest : public ::testing::Test {
 protected:
  // The system starts in the first case's SetUp, not in SetUpTestSuite: a failure there would
  // mark every case "skipped", which ctest counts as not run instead of failed.
  void SetUp() override {
    if (sys == nullptr) sys = new System();
  }
  static void TearDownTestSuite() {
    delete sys;
    sys = nullptr;
  }

  std::string Metrics() {
    return Send(sys->gateway_metrics_port(), http::verb::get, "/metrics").body;
  }
};

// 1. Request smuggling: a Transfer-Encoding that is not exactly "chunked" must not make the body
// a second request. The hidden request would be answered 200 with the OpenAPI document.
TEST_F(AttackE2eTest, TransferEncodingOtherThanChunkedIsRefusedAndClosed) {
  const std::string hidden = "GET /api/openapi.yaml HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::vector<std::string> framings = {
      "Transfer-Encoding: chunked, identity\r\n",
      "Transfer-Encoding: xchunked\r\n",
      "Transfer-Encoding: identity\r\n",
      "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
      "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
  };
  for (const std::string& framing : framings) {
    const std::string request =
        absl::StrCat("POST /api/v1/id-documents/status-lookup HTTP/1.1\r\nHost: x\r\n",
                     "Content-Type: application/json\r\n", framing, "\r\n", hidden);
    Raw raw = Exchange(sys->port(), {request}, absl::Seconds(5));
    ASSERT_TRUE(raw.connected);
    EXPECT_EQ(CountResponses(raw.received), 1) << framing << raw.received;
    EXPECT_TRUE(absl::StartsWith(raw.received, "HTTP/1.1 400")) << framing << raw.received;
    EXPECT_FALSE(absl::StrContains(raw.received, "openapi: 3.1.0")) << framing;
    EXPECT_TRUE(raw.closed) << framing << ": the connection stays open";
  }
  // HTTP/1.0 knows no Transfer-Encoding at all.
  Raw old = Exchange(sys->port(),
                     {absl::StrCat("POST /api/v1/id-documents/status-lookup HTTP/1.0\r\nHost: x\r\n"
                                   "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                                   "0\r\n\r\n", hidden)},
                     absl::Seconds(5));
  EXPECT_TRUE(absl::StartsWith(old.received, "HTTP/1.0 400") ||
              absl::StartsWith(old.received, "HTTP/1.1 400")) << old.received;
  EXPECT_FALSE(absl::StrContains(old.received, "openapi: 3.1.0"));
  // Plain chunked still works: a real body, then the next request on the same connection.
  const std::string body = R"({"serial":"T22000129","birthDate":"1990-01-01"})";
  Raw chunked = Exchange(
      sys->port(),
      {absl::StrCat("POST /api/v1/id-documents/status-lookup HTTP/1.1\r\nHost: x\r\n"
                    "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
                    absl::StrFormat("%x", body.size()), "\r\n", body, "\r\n0\r\n\r\n",
                    "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")},
      absl::Seconds(5));
  EXPECT_EQ(CountResponses(chunked.received), 2) << chunked.received;
  EXPECT_TRUE(absl::StrContains(chunked.received, "document-unknown")) << chunked.received;
}

// 2. Metrics: not on the public port, and a client cannot add series with invented methods.
TEST_F(AttackE2eTest, MetricsArePrivateAndMethodsAreAFixedSet) {
  EXPECT_EQ(Send(sys->port(), http::verb::get, "/metrics").status, 404);
  absl::BitGen random;
  std::vector<std::string> methods;
  for (int i = 0; i < 20; ++i) {
    std::string method;
    for (int k = 0; k < 4096; ++k) method += static_cast<char>('A' + absl::Uniform(random, 0, 26));
    methods.push_back(method);
    Raw raw = Exchange(sys->port(), {absl::StrCat(method, " /api/v1/offices HTTP/1.1\r\nHost: x\r\n"
                                                          "Connection: close\r\n\r\n")},
                       absl::Seconds(5));
    EXPECT_TRUE(absl::StartsWith(raw.received, "HTTP/1.1 4")) << raw.received.substr(0, 200);
  }
  const std::string text = Metrics();
  ASSERT_TRUE(absl::StrContains(text, "rathaus_gateway_http_requests_total")) << text;
  for (const std::string& method : methods) {
    EXPECT_FALSE(absl::StrContains(text, method.substr(0, 64)));
  }
  EXPECT_TRUE(absl::StrContains(text, R"(method="other")")) << text;
  EXPECT_LT(text.size(), 64u * 1024) << "metrics grew with the attack";
}

// 3. Large bodies: the credential and the rate limit are checked before a body is read, and only
// so many large bodies are read at once.
TEST_F(AttackE2eTest, LargeBodiesAreCheckedBeforeTheyAreRead) {
  // Headers only, announcing 5 MB: an answer before any body byte proves the order.
  const std::string import_head =
      "POST /api/v1/id-documents/status-updates HTTP/1.1\r\nHost: x\r\n"
      "Content-Type: application/x-ndjson\r\nContent-Length: 5000000\r\n\r\n";
  Raw anonymous = Exchange(sys->port(), {import_head}, absl::Seconds(5));
  EXPECT_TRUE(absl::StartsWith(anonymous.received, "HTTP/1.1 401")) << anonymous.received;
  EXPECT_TRUE(anonymous.closed);

  std::unique_ptr<Child> gateway;
  const int port = sys->StartGateway({{"RATHAUS_RATE_LIMIT_INVOICE", "2/1m"},
                                      {"RATHAUS_GATEWAY_MAX_LARGE_BODIES", "2"},
                                      {"RATHAUS_GATEWAY_ANONYMOUS_INVOICE_UPLOAD", "on"}},
                                     &gateway);
  const std::string invoice_head =
      "POST /api/v1/invoices HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\n"
      "Content-Length: 10000000\r\n\r\n";
  // Two large bodies in flight (headers and a first part sent, the rest never comes): a third is
  // answered 503 with Retry-After at once.
  std::vector<std::unique_ptr<std::thread>> slow;
  for (int i = 0; i < 2; ++i) {
    slow.push_back(std::make_unique<std::thread>([&] {
      Exchange(port, {invoice_head, std::string(1000, ' ')}, absl::Seconds(4));
    }));
  }
  absl::SleepFor(absl::Milliseconds(800));
  Raw third = Exchange(port, {invoice_head}, absl::Seconds(3));
  EXPECT_TRUE(absl::StartsWith(third.received, "HTTP/1.1 503")) << third.received;
  EXPECT_TRUE(absl::StrContains(third.received, "Retry-After:")) << third.received;
  EXPECT_TRUE(absl::StrContains(third.received, "server-busy")) << third.received;
  for (auto& t : slow) t->join();
  // The two slow ones counted against the rate limit (2 per minute): the next upload is refused
  // before its body.
  Raw limited = Exchange(port, {invoice_head}, absl::Seconds(3));
  EXPECT_TRUE(absl::StartsWith(limited.received, "HTTP/1.1 429")) << limited.received;
  EXPECT_TRUE(absl::StrContains(limited.received, "Retry-After:")) << limited.received;
  EXPECT_TRUE(absl::StrContains(Send(sys->gateway_metrics_port(), http::verb::get, "/metrics").body,
                                "rathaus_gateway_large_bodies_refused_total"));
}

// 4. Supplier sign-in: without the development setting an invoice needs a supplier token, and an
// anonymous upload is refused before its body.
TEST_F(AttackE2eTest, InvoiceUploadsNeedASupplierToken) {
  std::unique_ptr<Child> gateway;
  const int port = sys->StartGateway({{"RATHAUS_GATEWAY_ANONYMOUS_INVOICE_UPLOAD", "off"}}, &gateway);
  Raw anonymous = Exchange(port, {"POST /api/v1/invoices HTTP/1.1\r\nHost: x\r\n"
                                  "Content-Type: application/xml\r\nContent-Length: 10000000\r\n\r\n"},
                           absl::Seconds(5));
  EXPECT_TRUE(absl::StartsWith(anonymous.received, "HTTP/1.1 401")) << anonymous.received;
  const std::string xml = "<Invoice/>";
  const std::map<std::string, std::string> clerk = {
      {"Content-Type", "application/xml"},
      {"Authorization", "Bearer " + sys->InvoiceClerkToken("*", "anna")}};
  EXPECT_EQ(Send(port, http::verb::post, "/api/v1/invoices", xml, clerk).status, 403);
  const std::map<std::string, std::string> supplier = {
      {"Content-Type", "application/xml"},
      {"Authorization", "Bearer " + sys->SupplierToken("lieferant-4711")}};
  Answer signed_in = Send(port, http::verb::post, "/api/v1/invoices", xml, supplier);
  EXPECT_EQ(signed_in.status, 422) << "checked as an invoice: " << signed_in.body;
  EXPECT_TRUE(absl::StrContains(signed_in.body, "invoice-rejected")) << signed_in.body;
}

// 6. Rate limits: behind the Ingress every citizen has a bucket of their own (X-Forwarded-For from
// the trusted proxy only), IPv6 clients share one per /64, and a Redis outage follows the setting.
TEST_F(AttackE2eTest, RateLimitsKeyClientsBehindTheProxyAndByIpv6Prefix) {
  std::unique_ptr<Child> gateway;
  const int port = sys->StartGateway({{"RATHAUS_RATE_LIMIT_LOOKUP", "3/1m"},
                                      {"RATHAUS_GATEWAY_TRUSTED_PROXIES", "127.0.0.0/8"}},
                                     &gateway);
  const std::string lookup = R"({"serial":"T22000129","birthDate":"1990-01-01"})";
  auto from = [&](const std::string& client) {
    return Send(port, http::verb::post, "/api/v1/id-documents/status-lookup", lookup,
                {{"X-Forwarded-For", client}}).status;
  };
  for (int i = 0; i < 3; ++i) EXPECT_EQ(from("203.0.113.1"), 404);
  EXPECT_EQ(from("203.0.113.1"), 429);
  EXPECT_EQ(from("203.0.113.2"), 404) << "another citizen behind the same Ingress";
  // What a client writes left of the proxy's entry changes nothing.
  EXPECT_EQ(from("198.51.100.9, 203.0.113.1"), 429);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(from(absl::StrCat("2001:db8:1:2::", i + 1)), 404);
  EXPECT_EQ(from("2001:db8:1:2:ffff:ffff:ffff:ffff"), 429) << "the same /64";
  EXPECT_EQ(from("2001:db8:1:3::1"), 404) << "another /64";

  // Redis away: "open" lets lookups through (the service still answers), "closed" refuses them.
  const std::string dead_redis = absl::StrCat("redis://127.0.0.1:", FreePort());
  std::unique_ptr<Child> open_gateway, closed_gateway;
  const int open_port = sys->StartGateway({{"RATHAUS_REDIS_URL", dead_redis},
                                           {"RATHAUS_RATE_LIMIT_LOOKUP", "3/1m"}},
                                          &open_gateway, /*ready_wanted=*/false);
  const int closed_port = sys->StartGateway({{"RATHAUS_REDIS_URL", dead_redis},
                                             {"RATHAUS_RATE_LIMIT_LOOKUP", "3/1m"},
                                             {"RATHAUS_RATE_LIMIT_ON_ERROR", "closed"}},
                                            &closed_gateway, /*ready_wanted=*/false);
  EXPECT_EQ(Send(open_port, http::verb::post, "/api/v1/id-documents/status-lookup", lookup).status, 404);
  Answer refused = Send(closed_port, http::verb::post, "/api/v1/id-documents/status-lookup", lookup);
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_TRUE(absl::StrContains(refused.body, "rate-limit-unavailable")) << refused.body;
  EXPECT_FALSE(refused.Header("retry-after").empty());
}

// 7. Clerk answers that leak: another office's booking looks exactly like an unknown code, a
// padded "*" is not every office, and names cannot carry direction or control characters.
TEST_F(AttackE2eTest, ClerkAnswersRevealNothingAndClaimsAreExact) {
  Answer offices = Send(sys->port(), http::verb::get, "/api/v1/offices");
  ASSERT_EQ(offices.status, 200);
  const std::string office = Parse<v1::ListOfficesResponse>(offices).offices(0).id();
  Answer services = Send(sys->port(), http::verb::get, "/api/v1/services?office=" + office);
  const std::string service = Parse<v1::ListServicesResponse>(services).services(0).id();
  Answer slots = Send(sys->port(), http::verb::get,
                      absl::StrCat("/api/v1/availability?office=", office, "&service=", service));
  const auto availability = Parse<v1::GetAvailabilityResponse>(slots);
  ASSERT_GT(availability.slots_size(), 0);
  const std::string start = availability.slots(availability.slots_size() - 1).start();
  auto body = [&](const std::string& name) {
    return absl::StrCat(R"({"office":")", office, R"(","services":[{"id":")", service,
                        R"(","quantity":1}],"start":")", start, R"(","name":")", name,
                        R"(","email":")", UniqueName("attack"), R"(@example.org"})");
  };
  // Names that read differently on a clerk's screen than they are stored.
  for (const char* name : {"Eve \\u202Egnp.exe", "Eve \\u2066x\\u2069", "Eve \\u0085", "Eve \\u001b[31m"}) {
    Answer bad = Send(sys->port(), http::verb::post, "/api/v1/bookings", body(name));
    EXPECT_EQ(bad.status, 400) << name << " " << bad.body;
    EXPECT_TRUE(absl::StrContains(bad.body, R"("field":"name")")) << bad.body;
  }
  Answer booked = Send(sys->port(), http::verb::post, "/api/v1/bookings", body("Erika Mustermann"));
  ASSERT_EQ(booked.status, 201) << booked.body;
  const std::string code = Parse<v1::Booking>(booked).code();

  const std::map<std::string, std::string> elsewhere = {
      {"Authorization", "Bearer " + sys->ClerkToken("some-other-office")}};
  Answer theirs = Send(sys->port(), http::verb::post, "/api/v1/bookings/" + code + "/no-show", "", elsewhere);
  Answer unknown = Send(sys->port(), http::verb::post, "/api/v1/bookings/ZZZZ2222/no-show", "", elsewhere);
  EXPECT_EQ(theirs.status, 404) << theirs.body;
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  EXPECT_EQ(WithoutInstance(theirs.body), WithoutInstance(unknown.body));

  const std::string padded = RunTool(absl::StrCat(DevTokenBinary(), " clerk ", sys->clerk_key(),
                                                  " --offices ' *'"));
  Answer padded_answer = Send(sys->port(), http::verb::post, "/api/v1/bookings/" + code + "/no-show",
                              "", {{"Authorization", "Bearer " + padded}});
  EXPECT_EQ(padded_answer.status, 401) << padded_answer.body;
}

// 5 (part). Tokens: NumericDates out of range and lifetimes over the maximum are refused.
TEST_F(AttackE2eTest, TokensBeyondTheirLifetimeOrRangeAreRefused) {
  const std::string month = RunTool(absl::StrCat(DevTokenBinary(), " clerk ", sys->clerk_key(),
                                                 " --offices '*' --days 30"));
  Answer a = Send(sys->port(), http::verb::get, "/api/v1/offices/kiel-mitte/bookings?date=2030-01-02",
                  "", {{"Authorization", "Bearer " + month}});
  EXPECT_EQ(a.status, 401) << "a 30-day token with the default maximum of 12h: " << a.body;
  const std::string day = RunTool(absl::StrCat(DevTokenBinary(), " clerk ", sys->clerk_key(),
                                               " --offices '*'"));
  Answer b = Send(sys->port(), http::verb::get, "/api/v1/offices/kiel-mitte/bookings?date=2030-01-02",
                  "", {{"Authorization", "Bearer " + day}});
  EXPECT_EQ(b.status, 200) << b.body;
}

// 8. Connections and headers: a cap on open connections, nosniff on every answer.
TEST_F(AttackE2eTest, ConnectionCapAndNosniffOnEveryAnswer) {
  for (const std::string target : {"/healthz", "/api/v1/offices", "/no/such/path", "/api/v1/bookings/x!"}) {
    Answer a = Send(sys->port(), http::verb::get, target);
    EXPECT_EQ(a.Header("x-content-type-options"), "nosniff") << target << " " << a.status;
  }
  std::unique_ptr<Child> gateway;
  const int metrics_port = FreePort();
  const int port = sys->StartGateway({{"RATHAUS_HTTP_MAX_CONNECTIONS", "4"},
                                      {"RATHAUS_GATEWAY_METRICS_LISTEN", absl::StrCat("127.0.0.1:", metrics_port)}},
                                     &gateway);
  // Four open connections, each proven to be served (one request on it, kept alive).
  std::vector<int> held;
  for (int i = 0; i < 4; ++i) {
    const int fd = ConnectLoopback(port);
    ASSERT_GE(fd, 0);
    held.push_back(fd);
    const std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL), static_cast<ssize_t>(request.size()));
    std::string answer;
    char buffer[4096];
    while (!absl::StrContains(answer, "{\"status\":\"ok\"}")) {
      const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
      ASSERT_GT(n, 0) << "connection " << i << " was not served: " << answer;
      answer.append(buffer, static_cast<size_t>(n));
    }
  }
  Raw fifth = Exchange(port, {"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"}, absl::Seconds(3));
  EXPECT_TRUE(fifth.closed);
  EXPECT_EQ(CountResponses(fifth.received), 0) << fifth.received;
  for (int fd : held) close(fd);
  EXPECT_TRUE(WaitFor([&] { return Send(port, http::verb::get, "/healthz").status == 200; },
                      absl::Seconds(5)));
  EXPECT_TRUE(absl::StrContains(gateway->Stderr(), "connection limit reached"));
  const std::string metrics = Send(metrics_port, http::verb::get, "/metrics").body;
  EXPECT_GE(MetricValue(metrics, "rathaus_gateway_connections_refused_total"), 1) << metrics;
}

// CPU seconds a process has used (user + system).
double CpuSeconds(pid_t pid) {
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const size_t close_paren = text.rfind(')');
  if (close_paren == std::string::npos) return -1;
  std::vector<std::string> fields = absl::StrSplit(text.substr(close_paren + 2), ' ');
  // After "pid (comm) ": state is field 3, utime 14, stime 15 (1-based).
  double utime = 0, stime = 0;
  if (fields.size() < 13 || !absl::SimpleAtod(fields[11], &utime) || !absl::SimpleAtod(fields[12], &stime)) {
    return -1;
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// 8. Out of file descriptors: accept fails; the gateway backs off instead of spinning on a core,
// says so, and serves again once descriptors are free.
TEST_F(AttackE2eTest, AcceptFailuresBackOffAndRecover) {
  std::unique_ptr<Child> gateway;
  const int metrics_port = FreePort();
  const int port = sys->StartGateway(
      {{"RATHAUS_GATEWAY_METRICS_LISTEN", absl::StrCat("127.0.0.1:", metrics_port)}}, &gateway,
      /*ready_wanted=*/true, {"/usr/bin/prlimit", "--nofile=128"});
  std::vector<int> held;
  for (int i = 0; i < 200; ++i) {
    const int fd = ConnectLoopback(port);
    if (fd < 0) break;
    held.push_back(fd);
  }
  ASSERT_GT(held.size(), 150u);
  absl::SleepFor(absl::Milliseconds(500));
  const double before = CpuSeconds(gateway->pid());
  absl::SleepFor(absl::Seconds(2));
  const double used = CpuSeconds(gateway->pid()) - before;
  EXPECT_LT(used, 0.5) << "the gateway spun on accept for " << used << " CPU seconds in 2 s";
  EXPECT_TRUE(absl::StrContains(gateway->Stderr(), "accept failed, backing off")) << gateway->Stderr().substr(0, 2000);
  for (int fd : held) close(fd);
  EXPECT_TRUE(WaitFor([&] { return Send(port, http::verb::get, "/healthz").status == 200; },
                      absl::Seconds(10)));
  const std::string metrics = Send(metrics_port, http::verb::get, "/metrics").body;
  EXPECT_GE(MetricValue(metrics, "rathaus_gateway_accept_errors_total"), 1) << metrics.substr(0, 500);
}

}  // namespace
}  // namespace rathaus::testing
