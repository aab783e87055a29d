#include "tests/harness/harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <mutex>
#include <set>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <grpcpp/generic/generic_stub.h>

#include "absl/random/distributions.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace rathaus::testing {
namespace {

Servers ReadEnvFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    std::cerr << "harness: cannot read " << path
              << " (run the tests with ctest, whose fixture starts the servers)\n";
    std::abort();
  }
  Servers s;
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string k = line.substr(0, eq), v = line.substr(eq + 1);
    if (k == "RATHAUS_REDIS_URL") s.redis_url = v;
    if (k == "RATHAUS_KAFKA_BROKERS") s.kafka_brokers = v;
  }
  return s;
}

}  // namespace

std::string SourceDir() { return RATHAUS_SOURCE_DIR; }
std::string BinaryDir() { return RATHAUS_BINARY_DIR; }

// The test servers are one Kafka broker: services that tests start (they inherit this process's
// environment) may create topics with one replica (RATHAUS_ENV, shared/service/kit.h).
void MarkDevelopment() { setenv("RATHAUS_ENV", "development", /*overwrite=*/0); }

const Servers& SharedServers() {
  static const Servers servers = [] {
    const char* dir = std::getenv("RATHAUS_TEST_SERVERS_DIR");
    if (dir == nullptr) {
      std::cerr << "harness: RATHAUS_TEST_SERVERS_DIR is not set (run the tests with ctest)\n";
      std::abort();
    }
    MarkDevelopment();
    return ReadEnvFile(std::string(dir) + "/servers.env");
  }();
  return servers;
}

int FreePort() {
  // Below the kernel's ephemeral range (32768-60999), so no outgoing connection of a starting
  // process takes the port before the server binds it; never the same port twice in a process.
  static std::mutex mu;
  static std::set<int> handed_out;
  static absl::BitGen gen;
  std::lock_guard lock(mu);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const int port = absl::Uniform(gen, 20000, 32000);
    if (handed_out.contains(port)) continue;
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    const bool free = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    close(fd);
    if (!free) continue;
    handed_out.insert(port);
    return port;
  }
  std::cerr << "FreePort: no free port in 20000-31999\n";
  std::abort();
}

std::string RunTool(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

grpc::Status CallUnaryRaw(const std::string& addr, const std::string& method,
                          const std::vector<std::pair<std::string, std::string>>& metadata,
                          const std::string& request, std::string* response) {
  auto channel = grpc::CreateChannel(addr, grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  for (const auto& [k, v] : metadata) ctx.AddMetadata(k, v);
  grpc::Slice slice(request);
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response_buffer;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&ctx, method, grpc::StubOptions(), &request_buffer, &response_buffer,
                 [&done](grpc::Status s) { done.set_value(std::move(s)); });
  grpc::Status status = done.get_future().get();
  if (status.ok() && response != nullptr) {
    std::vector<grpc::Slice> slices;
    response->clear();
    if (response_buffer.Dump(&slices).ok()) {
      for (const auto& s : slices) {
        response->append(reinterpret_cast<const char*>(s.begin()), s.size());
      }
    }
  }
  return status;
}

int HealthOf(int port, const std::string& service) {
  std::string request;  // HealthCheckRequest: field 1 (service) as a string
  if (!service.empty()) {
    request = absl::StrCat("\x0a", std::string(1, static_cast<char>(service.size())), service);
  }
  std::string response;  // HealthCheckResponse: field 1 (status) as a varint
  if (!CallUnaryRaw(absl::StrCat("127.0.0.1:", port), "/grpc.health.v1.Health/Check", {}, request,
                    &response)
           .ok()) {
    return -1;
  }
  if (response.empty()) return 0;
  return response.size() == 2 && response[0] == 0x08 ? response[1] : -1;
}

std::string UniqueName(const std::string& prefix) {
  static absl::BitGen gen;
  static std::mutex mu;
  std::lock_guard lock(mu);
  return absl::StrCat(prefix, "-", absl::Hex(absl::Uniform<uint64_t>(gen)));
}

bool WaitFor(const std::function<bool()>& done, absl::Duration timeout) {
  absl::Time until = absl::Now() + timeout;
  while (absl::Now() < until) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return done();
}

OwnServers::OwnServers() {
  char tmpl[] = "/tmp/rathaus-test-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) std::abort();
  dir_ = tmpl;
  Run("start");
  servers_ = ReadEnvFile(dir_ + "/servers.env");
  MarkDevelopment();
}

OwnServers::~OwnServers() {
  Run("stop");
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void OwnServers::Run(const std::string& command) {
  std::string cmd = absl::StrCat(SourceDir(), "/scripts/servers.sh ", command, " ", dir_);
  if (std::system(cmd.c_str()) != 0) {
    std::cerr << "harness: '" << cmd << "' failed\n";
    std::abort();
  }
}

void OwnServers::KillRedis() { Run("kill-redis"); }
void OwnServers::StartRedis() { Run("start-redis"); }
void OwnServers::KillKafka() { Run("kill-kafka"); }
void OwnServers::StopKafka() { Run("stop-kafka"); }
void OwnServers::StartKafka() { Run("start-kafka"); }

Child::Child(const std::string& path, const std::vector<std::string>& args,
             const std::map<std::string, std::string>& env) {
  char tmpl[] = "/tmp/rathaus-child-XXXXXX";
  int fd = mkstemp(tmpl);
  stderr_path_ = tmpl;
  pid_ = fork();
  if (pid_ == 0) {
    dup2(fd, STDERR_FILENO);
    dup2(fd, STDOUT_FILENO);  // the platform logs to stdout
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(path.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(path.c_str(), argv.data());
    _exit(127);
  }
  close(fd);
}

Child::~Child() {
  if (status_ == -1 && pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  unlink(stderr_path_.c_str());
}

void Child::Kill(int signal) {
  if (status_ == -1) kill(pid_, signal);
}

int Child::Wait(absl::Duration timeout) {
  if (status_ != -1) return status_;
  absl::Time until = absl::Now() + timeout;
  while (true) {
    int st = 0;
    pid_t r = waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      return status_;
    }
    if (absl::Now() >= until) return -1;
    absl::SleepFor(absl::Milliseconds(10));
  }
}

std::string Child::Stderr() const {
  std::ifstream in(stderr_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace rathaus::testing
