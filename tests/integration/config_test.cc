// A bad setting stops a process at start with exit code 2 and one line naming the variable.
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "tests/harness/harness.h"

namespace rathaus::testing {
namespace {

struct BadSetting {
  std::string name;
  std::string value;
};

void PrintTo(const BadSetting& s, std::ostream* os) { *os << s.name << "=" << s.value; }

class BadConfigTest : public ::testing::TestWithParam<BadSetting> {};

TEST_P(BadConfigTest, ExitsWithCode2NamingTheVariable) {
  std::map<std::string, std::string> env = {{"RATHAUS_REDIS_URL", "redis://127.0.0.1:6379"},
                                            {"RATHAUS_KAFKA_BROKERS", "127.0.0.1:9092"}};
  env[GetParam().name] = GetParam().value;
  Child worker(BinaryDir() + "/rathaus-test-worker", {"relay", "svc", "svc:"}, env);
  EXPECT_EQ(worker.Wait(absl::Seconds(20)), 2);
  std::string err = worker.Stderr();
  EXPECT_EQ(err.rfind("config: " + GetParam().name + ": expected", 0), 0u) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << "one line: " << err;
}

INSTANTIATE_TEST_SUITE_P(
    Settings, BadConfigTest,
    ::testing::Values(BadSetting{"RATHAUS_REDIS_URL", "http://127.0.0.1:6379"},
                      BadSetting{"RATHAUS_REDIS_URL", "redis://127.0.0.1:port"},
                      BadSetting{"RATHAUS_KAFKA_BROKERS", "127.0.0.1"},
                      BadSetting{"RATHAUS_KAFKA_LINGER_MS", "soon"},
                      BadSetting{"RATHAUS_LOG_LEVEL", "verbose"}),
    [](const auto& info) { return absl::StrCat(info.index); });

TEST(BadConfigTest, NeverEchoesAPassword) {
  Child worker(BinaryDir() + "/rathaus-test-worker", {"relay", "svc", "svc:"},
               {{"RATHAUS_REDIS_URL", "redis://:Geheim-123@127.0.0.1:notaport"}});
  EXPECT_EQ(worker.Wait(absl::Seconds(20)), 2);
  EXPECT_NE(worker.Stderr().find("RATHAUS_REDIS_URL"), std::string::npos);
  EXPECT_EQ(worker.Stderr().find("Geheim-123"), std::string::npos) << worker.Stderr();
}

TEST(WorkerUsageTest, UnknownModeIsAUsageError) {
  Child worker(BinaryDir() + "/rathaus-test-worker", {"dance"}, {});
  EXPECT_EQ(worker.Wait(absl::Seconds(20)), 2);
  EXPECT_NE(worker.Stderr().find("usage:"), std::string::npos);
}

}  // namespace
}  // namespace rathaus::testing
