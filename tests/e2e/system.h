// The real system for end-to-end tests: the appointments, e-invoice, id-documents,
// registrations and e-file services and a gateway in front of them, as child processes on free loopback
// ports, on the Redis and Kafka of the ctest fixture `servers`; and a small HTTP client for them.
//
//   System system;                                   // starts everything, waits for /readyz
//   Answer a = Send(system.port(), http::verb::get, "/api/v1/offices");
//   auto offices = Parse<v1::ListOfficesResponse>(a);
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "shared/crypto/personal_data.h"
#include "tests/harness/harness.h"

namespace rathaus::testing {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

struct Answer {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::vector<std::string> set_cookies;         // every Set-Cookie, in order
  std::string body;
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// One request on a fresh connection; status 0 when the connection failed.
inline Answer Send(int port, http::verb verb, const std::string& target, const std::string& body = "",
            const std::map<std::string, std::string>& headers = {}) {
  Answer answer;
  try {
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::seconds(30));
    stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"),
                                          static_cast<unsigned short>(port)));
    http::request<http::string_body> req(verb, target, 11);
    req.set(http::field::host, "127.0.0.1");
    bool has_type = false;
    for (const auto& [k, v] : headers) {
      req.set(k, v);
      has_type = has_type || absl::EqualsIgnoreCase(k, "content-type");
    }
    if (!body.empty() && !has_type) req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1 << 24);
    http::read(stream, buffer, parser);
    auto res = parser.release();
    answer.status = res.result_int();
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(c));
      answer.headers[name] = std::string(f.value());
      if (name == "set-cookie") answer.set_cookies.emplace_back(f.value());
    }
    answer.body = res.body();
    beast::error_code ec;
    stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
  } catch (const std::exception&) {
    answer.status = 0;
  }
  return answer;
}

template <typename M>
M Parse(const Answer& a) {
  M m;
  auto s = google::protobuf::util::JsonStringToMessage(a.body, &m);
  EXPECT_TRUE(s.ok()) << s.ToString() << " in " << a.body;
  return m;
}

inline int64_t UnixSeconds(const std::string& rfc3339) {
  absl::Time t;
  std::string error;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &error)) << error;
  return absl::ToUnixSeconds(t);
}

inline std::string WriteTemp(const std::string& name, const std::string& content) {
  const std::string path = absl::StrCat("/tmp/", UniqueName(name));
  std::ofstream(path) << content;
  return path;
}


inline std::string GatewayBinary() { return BinaryDir() + "/../gateway/rathaus-gateway"; }
inline std::string DevTokenBinary() { return BinaryDir() + "/../gateway/rathaus-dev-token"; }
inline std::string ServiceBinary() {
  return BinaryDir() + "/../services/appointments/rathaus-appointments";
}
inline std::string IdDocumentsBinary() {
  return BinaryDir() + "/../services/id-documents/rathaus-id-documents";
}
inline std::string RegistrationsBinary() {
  return BinaryDir() + "/../services/registrations/rathaus-registrations";
}
inline std::string EFileBinary() { return BinaryDir() + "/../services/e-file/rathaus-e-file"; }
inline std::string InvoiceServiceBinary() {
  return BinaryDir() + "/../services/e-invoice/rathaus-e-invoice";
}

// One appointments service and one gateway for the whole suite.
class System {
 public:
  // `extra`: settings for every process (services and gateways), e.g. RATHAUS_OIDC_ISSUER.
  explicit System(std::map<std::string, std::string> extra = {}) : extra_(std::move(extra)) {
    const Servers& servers = SharedServers();
    const std::string prefix = UniqueName("e2e");
    key_file_ = WriteTemp("booking-key", std::string(48, 'k') + prefix);
    RunTool(absl::StrCat(DevTokenBinary(), " keygen /tmp/", prefix, "-clerk.pem /tmp/", prefix,
                         "-clerk.pub"));
    clerk_key_ = absl::StrCat("/tmp/", prefix, "-clerk.pem");
    clerk_pub_ = absl::StrCat("/tmp/", prefix, "-clerk.pub");
    data_keys_ = WriteTemp("data-keys", platform::crypto::NewDataKeysFile());
    metrics_port_ = FreePort();
    grpc_port_ = StartService({{"RATHAUS_METRICS_LISTEN", absl::StrCat("127.0.0.1:", metrics_port_)}},
                              &service_);
    invoice_grpc_port_ = FreePort();
    blob_dir_ = absl::StrCat("/tmp/", prefix, "-blobs");
    invoices_ = std::make_unique<Child>(
        InvoiceServiceBinary(), std::vector<std::string>{},
        WithExtra({
            {"RATHAUS_REDIS_URL", servers.redis_url},
            {"RATHAUS_KAFKA_BROKERS", servers.kafka_brokers},
            {"RATHAUS_GRPC_LISTEN", absl::StrCat("127.0.0.1:", invoice_grpc_port_)},
            {"RATHAUS_EINVOICE_BLOB_DIR", blob_dir_},
            {"RATHAUS_EINVOICE_ANONYMOUS_SUBMISSION", "on"},  // as make up; the chart: off
            {"RATHAUS_CLERK_JWT_PUBLIC_KEY_FILE", clerk_pub_},
            {"RATHAUS_LOG_LEVEL", "warn"}}));
    id_documents_port_ = FreePort();
    id_documents_ = std::make_unique<Child>(
        IdDocumentsBinary(), std::vector<std::string>{},
        WithExtra({
            {"RATHAUS_REDIS_URL", servers.redis_url},
            {"RATHAUS_KAFKA_BROKERS", servers.kafka_brokers},
            {"RATHAUS_GRPC_LISTEN", absl::StrCat("127.0.0.1:", id_documents_port_)},
            {"RATHAUS_CLERK_JWT_PUBLIC_KEY_FILE", clerk_pub_},
            {"RATHAUS_DATA_KEYS_FILE", data_keys_},
            {"RATHAUS_LOG_LEVEL", "warn"}}));
    registrations_port_ = FreePort();
    registrations_ = std::make_unique<Child>(
        RegistrationsBinary(), std::vector<std::string>{},
        WithExtra({
            {"RATHAUS_REDIS_URL", servers.redis_url},
            {"RATHAUS_KAFKA_BROKERS", servers.kafka_brokers},
            {"RATHAUS_GRPC_LISTEN", absl::StrCat("127.0.0.1:", registrations_port_)},
            {"RATHAUS_CLERK_JWT_PUBLIC_KEY_FILE", clerk_pub_},
            {"RATHAUS_DATA_KEYS_FILE", data_keys_},
            {"RATHAUS_PUBLIC_URL", "https://kiel.example"},
            {"RATHAUS_REGISTRATIONS_FOUR_EYES_ABROAD", "on"},
            {"RATHAUS_REGISTRATIONS_CITIZEN_ACR", "dev,eidas-hoch"},
            {"RATHAUS_LOG_LEVEL", "warn"}}));
    RunTool(absl::StrCat(DevTokenBinary(), " keygen /tmp/", prefix, "-audit.pem /tmp/", prefix,
                         "-audit.pub"));
    audit_pub_ = absl::StrCat("/tmp/", prefix, "-audit.pub");
    efile_blob_dir_ = absl::StrCat("/tmp/", prefix, "-efile-blobs");
    // The e-file's service token for reading invoice originals and reports and the
    // Meldebestätigungen (fetch by reference).
    const std::string efile_token = WriteTemp(
        "efile-token", RunTool(absl::StrCat(DevTokenBinary(), " integrator ", clerk_key_,
                                            " --scope invoices:read,registrations:read --sub e-file")));
    efile_port_ = FreePort();
    efile_ = std::make_unique<Child>(
        EFileBinary(), std::vector<std::string>{},
        WithExtra({
            {"RATHAUS_REDIS_URL", servers.redis_url},
            {"RATHAUS_KAFKA_BROKERS", servers.kafka_brokers},
            {"RATHAUS_GRPC_LISTEN", absl::StrCat("127.0.0.1:", efile_port_)},
            {"RATHAUS_CLERK_JWT_PUBLIC_KEY_FILE", clerk_pub_},
            {"RATHAUS_EFILE_BLOB_DIR", efile_blob_dir_},
            {"RATHAUS_EFILE_SIGNING_KEY_FILE", absl::StrCat("/tmp/", prefix, "-audit.pem")},
            {"RATHAUS_EFILE_INTEGRATE_INTERVAL", "50ms"},
            {"RATHAUS_EFILE_TREE_HEAD_INTERVAL", "1s"},
            {"RATHAUS_E_INVOICE_ADDR", absl::StrCat("127.0.0.1:", invoice_grpc_port_)},
            {"RATHAUS_REGISTRATIONS_ADDR", absl::StrCat("127.0.0.1:", registrations_port_)},
            {"RATHAUS_EFILE_SERVICE_TOKEN_FILE", efile_token},
            {"RATHAUS_LOG_LEVEL", "warn"}}));
    gateway_metrics_port_ = FreePort();
    port_ = StartGateway({{"RATHAUS_RATE_LIMIT_BOOKING", "off"},
                          {"RATHAUS_RATE_LIMIT_LOOKUP", "off"},
                          {"RATHAUS_GATEWAY_METRICS_LISTEN",
                           absl::StrCat("127.0.0.1:", gateway_metrics_port_)}},
                         &gateway_);
  }

  // Starts an appointments service (another replica of the suite's: same keys, same Redis unless
  // `env` says otherwise); returns its gRPC port.
  int StartService(std::map<std::string, std::string> env, std::unique_ptr<Child>* child) {
    const int port = FreePort();
    for (const auto& [k, v] : extra_) env.emplace(k, v);
    env.emplace("RATHAUS_REDIS_URL", SharedServers().redis_url);
    env.emplace("RATHAUS_KAFKA_BROKERS", SharedServers().kafka_brokers);
    env.emplace("RATHAUS_GRPC_LISTEN", absl::StrCat("127.0.0.1:", port));
    env.emplace("RATHAUS_BOOKING_TOKEN_KEY_FILE", key_file_);
    env.emplace("RATHAUS_CLERK_JWT_PUBLIC_KEY_FILE", clerk_pub_);
    env.emplace("RATHAUS_DATA_KEYS_FILE", data_keys_);
    env.emplace("RATHAUS_METRICS_LISTEN", "");
    env.emplace("RATHAUS_RESERVATION_HOLD", "3s");
    env.emplace("RATHAUS_LOG_LEVEL", "warn");
    *child = std::make_unique<Child>(ServiceBinary(), std::vector<std::string>{}, env);
    return port;
  }

  // Starts a gateway in front of the suite's service; returns its port once it is ready.
  // `ready`: wait until /readyz says every upstream answers (else only until it serves HTTP).
  // `wrapper`: a command that runs the gateway (e.g. {"/usr/bin/prlimit", "--nofile=96"}).
  int StartGateway(std::map<std::string, std::string> env, std::unique_ptr<Child>* child,
                   bool ready_wanted = true, const std::vector<std::string>& wrapper = {}) {
    const int port = FreePort();
    for (const auto& [k, v] : extra_) env.emplace(k, v);
    env.emplace("RATHAUS_REDIS_URL", SharedServers().redis_url);
    env.emplace("RATHAUS_HTTP_LISTEN", absl::StrCat("127.0.0.1:", port));
    env.emplace("RATHAUS_GATEWAY_PUBLIC_URL", absl::StrCat("http://127.0.0.1:", port));
    env.emplace("RATHAUS_APPOINTMENTS_ADDR", absl::StrCat("127.0.0.1:", grpc_port_));
    env.emplace("RATHAUS_E_INVOICE_ADDR", absl::StrCat("127.0.0.1:", invoice_grpc_port_));
    env.emplace("RATHAUS_ID_DOCUMENTS_ADDR", absl::StrCat("127.0.0.1:", id_documents_port_));
    env.emplace("RATHAUS_REGISTRATIONS_ADDR", absl::StrCat("127.0.0.1:", registrations_port_));
    env.emplace("RATHAUS_E_FILE_ADDR", absl::StrCat("127.0.0.1:", efile_port_));
    env.emplace("RATHAUS_CLERK_JWT_PUBLIC_KEY_FILE", clerk_pub_);
    env.emplace("RATHAUS_GATEWAY_REDIS_PREFIX", UniqueName("gw") + ":");
    env.emplace("RATHAUS_GATEWAY_IO_THREADS", "2");
    env.emplace("RATHAUS_GATEWAY_ANONYMOUS_INVOICE_UPLOAD", "on");  // as make up
    if (wrapper.empty()) {
      *child = std::make_unique<Child>(GatewayBinary(), std::vector<std::string>{}, env);
    } else {
      std::vector<std::string> args(wrapper.begin() + 1, wrapper.end());
      args.push_back(GatewayBinary());
      *child = std::make_unique<Child>(wrapper.front(), args, env);
    }
    const bool ready = WaitFor(
        [&] {
          if (!ready_wanted) return Send(port, http::verb::get, "/healthz").status == 200;
          Answer a = Send(port, http::verb::get, "/readyz");
          return a.status == 200 && absl::StrContains(a.body, "\"status\":\"ready\"");
        },
        absl::Seconds(60));
    EXPECT_TRUE(ready) << "gateway: " << (*child)->Stderr() << "\nservice: " << service_->Stderr()
                       << "\ne-invoice: " << invoices_->Stderr()
                       << "\nid-documents: " << id_documents_->Stderr()
                       << "\nregistrations: " << registrations_->Stderr()
                       << "\ne-file: " << efile_->Stderr();
    return port;
  }

  std::string ClerkToken(const std::string& offices) {
    return RunTool(absl::StrCat(DevTokenBinary(), " clerk ", clerk_key_, " --offices ", offices));
  }
  std::string SupplierToken(const std::string& sub) {
    return RunTool(absl::StrCat(DevTokenBinary(), " supplier ", clerk_key_, " --sub ", sub));
  }
  std::string IntegratorToken(const std::string& scope = "id-documents:status") {
    return RunTool(absl::StrCat(DevTokenBinary(), " integrator ", clerk_key_, " --scope ", scope));
  }
  std::string CitizenToken(const std::string& sub) {
    return RunTool(absl::StrCat(DevTokenBinary(), " citizen ", clerk_key_, " --sub ", sub));
  }
  std::string RegistrationClerkToken(const std::string& offices, const std::string& sub) {
    return RunTool(absl::StrCat(DevTokenBinary(), " registration-clerk ", clerk_key_,
                                " --offices '", offices, "' --sub ", sub));
  }
  std::string InvoiceClerkToken(const std::string& departments, const std::string& sub) {
    return RunTool(absl::StrCat(DevTokenBinary(), " invoice-clerk ", clerk_key_, " --departments '",
                                departments, "' --sub ", sub));
  }
  std::string FileClerkToken(const std::string& departments, const std::string& sub) {
    return RunTool(absl::StrCat(DevTokenBinary(), " file-clerk ", clerk_key_, " --departments '",
                                departments, "' --sub ", sub));
  }
  std::string ArchivistToken(const std::string& sub) {
    return RunTool(absl::StrCat(DevTokenBinary(), " archivist ", clerk_key_, " --sub ", sub));
  }
  ~System() {
    std::system(absl::StrCat("rm -rf '", blob_dir_, "' '", efile_blob_dir_, "'").c_str());
  }

  // `base` with the suite's extra settings where `base` has none.
  std::map<std::string, std::string> WithExtra(std::map<std::string, std::string> base) const {
    for (const auto& [k, v] : extra_) base.insert_or_assign(k, v);
    return base;
  }

  int port() const { return port_; }
  int metrics_port() const { return metrics_port_; }  // the appointments service's
  int gateway_metrics_port() const { return gateway_metrics_port_; }
  const std::string& clerk_key() const { return clerk_key_; }
  std::string appointments_addr() const { return absl::StrCat("127.0.0.1:", grpc_port_); }
  std::string invoices_addr() const { return absl::StrCat("127.0.0.1:", invoice_grpc_port_); }
  std::string id_documents_addr() const { return absl::StrCat("127.0.0.1:", id_documents_port_); }
  std::string registrations_addr() const { return absl::StrCat("127.0.0.1:", registrations_port_); }
  const std::string& data_keys_file() const { return data_keys_; }
  std::string efile_stderr() const { return efile_->Stderr(); }
  std::string efile_addr() const { return absl::StrCat("127.0.0.1:", efile_port_); }
  const std::string& audit_public_key() const { return audit_pub_; }  // e-file's, PEM file
  const std::string& efile_blob_dir() const { return efile_blob_dir_; }

 private:
  std::map<std::string, std::string> extra_;
  std::string key_file_, clerk_key_, clerk_pub_, data_keys_;
  int grpc_port_ = 0;
  int metrics_port_ = 0;
  int gateway_metrics_port_ = 0;
  int invoice_grpc_port_ = 0;
  int id_documents_port_ = 0;
  int registrations_port_ = 0;
  int port_ = 0;
  std::string blob_dir_;
  std::string audit_pub_, efile_blob_dir_;
  int efile_port_ = 0;
  std::unique_ptr<Child> service_;
  std::unique_ptr<Child> invoices_;
  std::unique_ptr<Child> id_documents_;
  std::unique_ptr<Child> registrations_;
  std::unique_ptr<Child> efile_;
  std::unique_ptr<Child> gateway_;
};

}  // namespace rathaus::testing
