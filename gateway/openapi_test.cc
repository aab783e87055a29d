// gateway/openapi.yaml is written by hand; this keeps it honest against the route table.
#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/routes.h"
#include "rathaus/appointments/v1/appointments.pb.h"
#include "rathaus/e_invoice/v1/e_invoice.pb.h"
#include "rathaus/id_documents/v1/id_documents.pb.h"
#include "rathaus_gateway_embedded.h"

namespace rathaus::gateway {
namespace {

TEST(OpenApiTest, DocumentsEveryRouteWithItsMethod) {
  const std::string spec(embedded::kOpenapi);
  ASSERT_TRUE(absl::StartsWith(spec, "openapi: 3.1.0"));
  auto table = RouteTable::FromServices(
      {appointments::v1::Booking::descriptor()->file()->FindServiceByName("Appointments"),
       e_invoice::v1::Invoice::descriptor()->file()->FindServiceByName("EInvoice"),
       id_documents::v1::Application::descriptor()->file()->FindServiceByName("IdDocuments")});
  ASSERT_TRUE(table.ok());
  for (const Route& route : table->routes()) {
    const size_t at = spec.find(absl::StrCat("\n  ", route.path, ":\n"));
    ASSERT_NE(at, std::string::npos) << route.path;
    // The method's key follows within this path's block (before the next path).
    const size_t next = spec.find("\n  /", at + 1);
    const std::string block = spec.substr(at, next == std::string::npos ? next : next - at);
    EXPECT_TRUE(absl::StrContains(block, absl::StrCat("\n    ", absl::AsciiStrToLower(route.http_method), ":\n")))
        << route.http_method << " " << route.path;
    EXPECT_TRUE(absl::StrContains(block, absl::StrCat("'", route.success_status, "':")))
        << route.http_method << " " << route.path;
  }
  for (const char* ops : {"/healthz", "/readyz", "/metrics", "/api/openapi.yaml"}) {
    EXPECT_TRUE(absl::StrContains(spec, absl::StrCat("\n  ", ops, ":\n"))) << ops;
  }
}

}  // namespace
}  // namespace rathaus::gateway
