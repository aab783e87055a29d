// A service the gateway was not compiled with (tests/proto/rathaus/echo/v1/echo.proto): the
// gateway routes it from its descriptor set once its address is configured — how a service added
// to the chart's values is reached without changing the gateway's code (issue 20 #12).
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "rathaus/echo/v1/echo.grpc.pb.h"
#include "tests/e2e/system.h"
#include "tests/harness/harness.h"

namespace rathaus::testing {
namespace {

System* sys = nullptr;

class EchoService final : public rathaus::echo::v1::Echo::Service {
  grpc::Status Say(grpc::ServerContext*, const rathaus::echo::v1::SayRequest* req,
                   rathaus::echo::v1::SayResponse* resp) override {
    if (req->text().empty()) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "text is required");
    resp->set_room(req->room());
    resp->set_text(req->text());
    int sum = 0;
    for (int n : req->numbers()) sum += n;
    resp->set_sum(sum);
    return grpc::Status::OK;
  }
};

class DescriptorE2eTest : public ::testing::Test {
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
};

TEST_F(DescriptorE2eTest, AServiceFromItsDescriptorSetIsRouted) {
  grpc::EnableDefaultHealthCheckService(true);
  EchoService echo;
  const int echo_port = FreePort();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(absl::StrCat("127.0.0.1:", echo_port), grpc::InsecureServerCredentials());
  builder.RegisterService(&echo);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  const std::string descriptors = BinaryDir() + "/../descriptors";

  std::unique_ptr<Child> gateway;
  const int port = sys->StartGateway({{"RATHAUS_GATEWAY_DESCRIPTOR_DIR", descriptors},
                                      {"RATHAUS_ECHO_ADDR", absl::StrCat("127.0.0.1:", echo_port)}},
                                     &gateway);
  Answer said = Send(port, http::verb::post, "/api/v1/echo/lobby", R"({"text":"Moin","numbers":[1,2,3]})");
  ASSERT_EQ(said.status, 200) << said.body << gateway->Stderr();
  EXPECT_EQ(said.body, R"({"room":"lobby","text":"Moin","sum":6})");
  // The same JSON rules as for compiled-in services: unknown fields, wrong types, path ids.
  EXPECT_EQ(Send(port, http::verb::post, "/api/v1/echo/lobby", R"({"text":"x","colour":"red"})").status, 400);
  EXPECT_EQ(Send(port, http::verb::post, "/api/v1/echo/lobby", R"({"text":"x","numbers":"many"})").status, 400);
  EXPECT_EQ(Send(port, http::verb::post, "/api/v1/echo/lob%20by", R"({"text":"x"})").status, 400);
  Answer empty = Send(port, http::verb::post, "/api/v1/echo/lobby", R"({"text":""})");
  EXPECT_EQ(empty.status, 400) << empty.body;
  EXPECT_TRUE(absl::StrContains(empty.body, "text is required")) << empty.body;
  // The compiled-in services still answer.
  EXPECT_EQ(Send(port, http::verb::get, "/api/v1/offices").status, 200);

  // Without its address the service is not routed (and the gateway says so).
  std::unique_ptr<Child> plain;
  const int plain_port = sys->StartGateway({{"RATHAUS_GATEWAY_DESCRIPTOR_DIR", descriptors}}, &plain);
  EXPECT_EQ(Send(plain_port, http::verb::post, "/api/v1/echo/lobby", R"({"text":"Moin"})").status, 404);
  EXPECT_TRUE(absl::StrContains(plain->Stderr(), "RATHAUS_ECHO_ADDR")) << plain->Stderr();
  server->Shutdown();
}

}  // namespace
}  // namespace rathaus::testing
