#include "gateway/problem.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rathaus::gateway {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Pair;

TEST(ProblemTest, GrpcCodesMapAsDesignSays) {
  struct Case {
    absl::StatusCode code;
    int http;
  };
  for (const Case& c : {Case{absl::StatusCode::kInvalidArgument, 400},
                        Case{absl::StatusCode::kNotFound, 404},
                        Case{absl::StatusCode::kUnauthenticated, 401},
                        Case{absl::StatusCode::kPermissionDenied, 403},
                        Case{absl::StatusCode::kAlreadyExists, 409},
                        Case{absl::StatusCode::kAborted, 409},
                        Case{absl::StatusCode::kFailedPrecondition, 409},
                        Case{absl::StatusCode::kResourceExhausted, 429},
                        Case{absl::StatusCode::kUnavailable, 503},
                        Case{absl::StatusCode::kDeadlineExceeded, 504},
                        Case{absl::StatusCode::kInternal, 500},
                        Case{absl::StatusCode::kUnknown, 500},
                        Case{absl::StatusCode::kDataLoss, 500},
                        Case{absl::StatusCode::kUnimplemented, 500}}) {
    EXPECT_EQ(ProblemFromGrpc(static_cast<int>(c.code), "m", "", "").status, c.http)
        << static_cast<int>(c.code);
  }
}

TEST(ProblemTest, NamedProblemsRefineTheStatus) {
  Problem p = ProblemFromGrpc(static_cast<int>(absl::StatusCode::kFailedPrecondition),
                              "the reservation expired", "reservation-expired", "");
  EXPECT_EQ(p.status, 410);
  EXPECT_EQ(p.type, "urn:rathaus:problem:reservation-expired");
  EXPECT_EQ(p.detail, "the reservation expired");

  p = ProblemFromGrpc(static_cast<int>(absl::StatusCode::kAborted), "taken", "slot-taken", "start");
  EXPECT_EQ(p.status, 409);
  EXPECT_EQ(p.type, "urn:rathaus:problem:slot-taken");
  EXPECT_EQ(p.field, "start");

  p = ProblemFromGrpc(static_cast<int>(absl::StatusCode::kFailedPrecondition), "quota",
                      "quota-reached", "email");
  EXPECT_EQ(p.status, 409);
  EXPECT_EQ(p.field, "email");
}

TEST(ProblemTest, UnknownServiceProblemKeepsTheCodeStatus) {
  Problem p = ProblemFromGrpc(static_cast<int>(absl::StatusCode::kInvalidArgument), "bad date",
                              "invalid-date", "from");
  EXPECT_EQ(p.status, 400);
  EXPECT_EQ(p.type, "urn:rathaus:problem:invalid-date");
  // Nonsense names are not echoed.
  p = ProblemFromGrpc(static_cast<int>(absl::StatusCode::kInvalidArgument), "x", "<script>", "");
  EXPECT_EQ(p.type, "urn:rathaus:problem:invalid-argument");
}

TEST(ProblemTest, ServerErrorsHideInternals) {
  Problem p = ProblemFromGrpc(static_cast<int>(absl::StatusCode::kInternal),
                              "redis: ERR at script line 12", "slot-taken", "start");
  EXPECT_EQ(p.status, 500);
  EXPECT_THAT(p.detail, ::testing::Not(HasSubstr("redis")));
  EXPECT_TRUE(p.field.empty());
  EXPECT_EQ(p.type, "urn:rathaus:problem:internal");

  p = ProblemFromGrpc(static_cast<int>(absl::StatusCode::kUnavailable), "connect failed", "", "");
  EXPECT_THAT(p.detail, ::testing::Not(HasSubstr("connect")));
  EXPECT_THAT(p.headers, Contains(Pair("Retry-After", "1")));
}

TEST(ProblemTest, RateLimitAndAuthHeaders) {
  EXPECT_THAT(MakeProblem("rate-limited", "slow").headers, Contains(Pair("Retry-After", "1")));
  EXPECT_THAT(MakeProblem("unauthorized", "who").headers,
              Contains(Pair("WWW-Authenticate", "Bearer realm=\"rathaus\"")));
}

TEST(ProblemTest, JsonShape) {
  Problem p = MakeProblem("unknown-field", "unknown field \"x\"", "x");
  p.instance = "urn:rathaus:request:abc";
  EXPECT_EQ(p.ToJson(),
            R"({"type":"urn:rathaus:problem:unknown-field","title":"Unknown field","status":400,)"
            R"("detail":"unknown field \"x\"","instance":"urn:rathaus:request:abc","field":"x"})");
  Problem q = MakeProblem("route-not-found", "none");
  EXPECT_EQ(q.ToJson(),
            R"({"type":"urn:rathaus:problem:route-not-found","title":"No such route","status":404,)"
            R"("detail":"none"})");
}

TEST(ProblemTest, StatusPayloadsCarryProblemAndField) {
  Problem p = ProblemFromStatus(InvalidField("unknown-field", "colour", "unknown field"));
  EXPECT_EQ(p.status, 400);
  EXPECT_EQ(p.field, "colour");
  EXPECT_EQ(p.type, "urn:rathaus:problem:unknown-field");
}

TEST(ProblemTest, GatewayOwnStatuses) {
  EXPECT_EQ(MakeProblem("payload-too-large", "").status, 413);
  EXPECT_EQ(MakeProblem("unsupported-media-type", "").status, 415);
  EXPECT_EQ(MakeProblem("method-not-allowed", "").status, 405);
  EXPECT_EQ(MakeProblem("idempotency-key-reused", "").status, 422);
  EXPECT_EQ(MakeProblem("idempotency-request-in-flight", "").status, 409);
  EXPECT_EQ(MakeProblem("no-such-name", "").status, 500);
}

}  // namespace
}  // namespace rathaus::gateway
