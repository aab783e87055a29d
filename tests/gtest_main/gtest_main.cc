// main() of every rathaus test binary: GoogleTest's, except that a test that did not run counts
// as FAILED. gtest marks every test of a suite "[  SKIPPED ]" when its SetUpTestSuite fails
// (e.g. the system under test did not start), and ctest's gtest_discover_tests turns that text
// into "not run" and a green run — whatever other skip pattern a project sets, because the
// property is a list. This printer says FAILED instead and the binary exits 1. The project
// skips no test on purpose (no GTEST_SKIP).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>

namespace {

using ::testing::TestEventListener;
using ::testing::TestInfo;
using ::testing::UnitTest;

class NotRunIsFailedPrinter : public TestEventListener {
 public:
  explicit NotRunIsFailedPrinter(TestEventListener* inner) : inner_(inner) {}

  void OnTestProgramStart(const UnitTest& u) override { inner_->OnTestProgramStart(u); }
  void OnTestIterationStart(const UnitTest& u, int i) override { inner_->OnTestIterationStart(u, i); }
  void OnEnvironmentsSetUpStart(const UnitTest& u) override { inner_->OnEnvironmentsSetUpStart(u); }
  void OnEnvironmentsSetUpEnd(const UnitTest& u) override { inner_->OnEnvironmentsSetUpEnd(u); }
  void OnTestSuiteStart(const ::testing::TestSuite& s) override { inner_->OnTestSuiteStart(s); }
  void OnTestStart(const TestInfo& t) override { inner_->OnTestStart(t); }
  void OnTestPartResult(const ::testing::TestPartResult& r) override { inner_->OnTestPartResult(r); }
  void OnTestEnd(const TestInfo& t) override {
    if (t.result()->Skipped()) {
      std::printf("[  FAILED  ] %s.%s did not run (its suite's set-up failed, see above): counted as failed\n",
                  t.test_suite_name(), t.name());
      std::fflush(stdout);
      return;
    }
    inner_->OnTestEnd(t);
  }
  void OnTestSuiteEnd(const ::testing::TestSuite& s) override { inner_->OnTestSuiteEnd(s); }
  void OnEnvironmentsTearDownStart(const UnitTest& u) override { inner_->OnEnvironmentsTearDownStart(u); }
  void OnEnvironmentsTearDownEnd(const UnitTest& u) override { inner_->OnEnvironmentsTearDownEnd(u); }
  void OnTestIterationEnd(const UnitTest& u, int i) override {
    if (u.skipped_test_count() > 0) {
      std::printf("[==========] %d tests ran: %d passed, %d FAILED, %d FAILED because they did not run\n",
                  u.test_to_run_count(), u.successful_test_count(), u.failed_test_count(),
                  u.skipped_test_count());
      std::fflush(stdout);
      return;
    }
    inner_->OnTestIterationEnd(u, i);
  }
  void OnTestProgramEnd(const UnitTest& u) override { inner_->OnTestProgramEnd(u); }

 private:
  std::unique_ptr<TestEventListener> inner_;
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleMock(&argc, argv);
  auto& listeners = UnitTest::GetInstance()->listeners();
  if (TestEventListener* printer = listeners.default_result_printer()) {
    listeners.Append(new NotRunIsFailedPrinter(listeners.Release(printer)));
  }
  const int rc = RUN_ALL_TESTS();
  return UnitTest::GetInstance()->skipped_test_count() > 0 ? 1 : rc;
}
