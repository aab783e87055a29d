// The test harness: real Redis and Kafka on free loopback ports in a temporary folder, never a
// developer's running `make up` stack.
//
// Most tests share one pair of servers that ctest starts once per run (fixture `servers`, see
// tests/CMakeLists.txt) and isolate themselves with their own topic names and key prefixes:
//
//   const auto& servers = harness::SharedServers();
//   std::string topic = harness::UniqueName("relay-test");
//
// Tests that restart a server on purpose start their own:
//
//   harness::OwnServers own;            // Redis + Kafka in a new temporary folder
//   own.KillKafka(); own.StartKafka();  // same port, same data
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/time/time.h"

namespace rathaus::testing {

struct Servers {
  std::string redis_url;
  std::string kafka_brokers;
};

// The servers of the ctest fixture (RATHAUS_TEST_SERVERS_DIR/servers.env); aborts with a clear
// message when the fixture did not run.
const Servers& SharedServers();

// A name no other test uses: <prefix>-<random hex>.
std::string UniqueName(const std::string& prefix);

// Polls `done` every 20 ms until it returns true or `timeout` passes.
bool WaitFor(const std::function<bool()>& done, absl::Duration timeout);

// A loopback TCP port that was free a moment ago.
int FreePort();

// Runs a shell command; its standard output without trailing newlines.
std::string RunTool(const std::string& command);

// One unary gRPC call with raw request bytes (no generated stub needed: any method of any
// service, e.g. every clerk method read from the protos); the response bytes into *response.
grpc::Status CallUnaryRaw(const std::string& addr, const std::string& method,
                          const std::vector<std::pair<std::string, std::string>>& metadata,
                          const std::string& request = "", std::string* response = nullptr);

// grpc.health.v1.Health/Check of the server on 127.0.0.1:`port` for `service` ("" the whole
// server): 1 SERVING, 2 NOT_SERVING, -1 no answer.
int HealthOf(int port, const std::string& service = "");

// Path of scripts/servers.sh and of helper binaries built next to the tests.
std::string SourceDir();
std::string BinaryDir();

class OwnServers {
 public:
  OwnServers();   // starts both; aborts the test binary if they cannot start
  ~OwnServers();  // stops both and removes the folder
  OwnServers(const OwnServers&) = delete;
  OwnServers& operator=(const OwnServers&) = delete;

  const Servers& servers() const { return servers_; }
  void KillRedis();
  void StartRedis();
  void KillKafka();
  // Graceful (SIGTERM, as `servers.sh stop` does); returns once the broker has exited.
  void StopKafka();
  void StartKafka();

 private:
  void Run(const std::string& command);
  std::string dir_;
  Servers servers_;
};

// A child process (a test worker binary), killed with SIGKILL when the object dies.
class Child {
 public:
  Child(const std::string& path, const std::vector<std::string>& args,
        const std::map<std::string, std::string>& env);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  void Kill(int signal);
  // Waits for exit; returns the exit code (128+signal when killed), -1 on timeout.
  int Wait(absl::Duration timeout);
  // False once it has exited (its code is then what Wait returns).
  bool Running() { return Wait(absl::ZeroDuration()) == -1; }
  // What the child wrote to stderr and stdout (its log; collected into one file).
  std::string Stderr() const;

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  std::string stderr_path_;
};

}  // namespace rathaus::testing
