// gateway/openapi.yaml is written by hand; this keeps it honest against the route table.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/routes.h"
#include "rathaus/registrations/v1/registrations.pb.h"
#include "rathaus/appointments/v1/appointments.pb.h"
#include "rathaus/e_file/v1/e_file.pb.h"
#include "rathaus/notifications/v1/notifications.pb.h"
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
       id_documents::v1::Application::descriptor()->file()->FindServiceByName("IdDocuments"),
       registrations::v1::Registration::descriptor()->file()->FindServiceByName("Registrations"),
       e_file::v1::Vorgang::descriptor()->file()->FindServiceByName("EFile"),
       notifications::v1::OptOutRequest::descriptor()->file()->FindServiceByName("Notifications")});
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
  for (const char* ops : {"/healthz", "/readyz", "/metrics", "/api/openapi.yaml", "/auth/login",
                          "/auth/callback", "/auth/session", "/auth/logout"}) {
    EXPECT_TRUE(absl::StrContains(spec, absl::StrCat("\n  ", ops, ":\n"))) << ops;
  }
}

// An example a client copies must work: every service= and office= id in the spec's examples is
// one of the shipped Kiel catalog.
TEST(OpenApiTest, ExamplesNameIdsOfTheShippedCatalog) {
  std::ifstream file(RATHAUS_KIEL_CATALOG);
  ASSERT_TRUE(file.good()) << RATHAUS_KIEL_CATALOG;
  std::stringstream catalog;
  catalog << file.rdbuf();
  const std::string spec(embedded::kOpenapi);
  int checked = 0;
  for (const std::string param : {"service=", "office="}) {
    for (size_t at = spec.find(param); at != std::string::npos; at = spec.find(param, at + 1)) {
      size_t end = at + param.size();
      while (end < spec.size() && (absl::ascii_isalnum(spec[end]) || spec[end] == '-')) ++end;
      const std::string id = spec.substr(at + param.size(), end - at - param.size());
      if (id.empty()) continue;
      EXPECT_TRUE(absl::StrContains(catalog.str(), absl::StrCat("\"id\": \"", id, "\"")))
          << param << id << " is not in the Kiel catalog";
      ++checked;
    }
  }
  EXPECT_GE(checked, 3);
}

}  // namespace
}  // namespace rathaus::gateway
