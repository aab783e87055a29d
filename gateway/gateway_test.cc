#include "gateway/gateway.h"

#include <gtest/gtest.h>

namespace rathaus::gateway {
namespace {

TEST(RequestIdTest, Validation) {
  EXPECT_TRUE(IsValidRequestId("0b1e8c2e-7a4f-4f7e-9a55-1c2d3e4f5a6b"));
  EXPECT_TRUE(IsValidRequestId("req:42.a_b"));
  EXPECT_FALSE(IsValidRequestId(""));
  EXPECT_FALSE(IsValidRequestId("has space"));
  EXPECT_FALSE(IsValidRequestId("line\nbreak"));
  EXPECT_FALSE(IsValidRequestId(std::string(129, 'a')));
}

TEST(TraceparentTest, KeepsAValidCallersTraceId) {
  const std::string incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  std::string trace_id;
  const std::string next = NextTraceparent(&incoming, &trace_id);
  EXPECT_EQ(trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  ASSERT_EQ(next.size(), 55u);
  EXPECT_EQ(next.substr(0, 36), "00-4bf92f3577b34da6a3ce929d0e0e4736-");
  EXPECT_NE(next.substr(36, 16), "00f067aa0ba902b7");
}

TEST(TraceparentTest, StartsANewTraceOtherwise) {
  for (const std::string bad :
       {"", "garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"}) {
    std::string trace_id;
    const std::string next = NextTraceparent(&bad, &trace_id);
    EXPECT_EQ(trace_id.size(), 32u);
    EXPECT_NE(trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    EXPECT_EQ(next.size(), 55u);
  }
  std::string a, b;
  NextTraceparent(nullptr, &a);
  NextTraceparent(nullptr, &b);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace rathaus::gateway
