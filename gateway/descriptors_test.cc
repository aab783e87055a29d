#include "gateway/descriptors.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "rathaus/appointments/v1/appointments.pb.h"
#include "rathaus/e_invoice/v1/e_invoice.pb.h"

namespace rathaus::gateway {
namespace {

TEST(DescriptorsTest, AddressVariablesFollowThePackage) {
  const auto* appointments =
      rathaus::appointments::v1::Booking::descriptor()->file()->FindServiceByName("Appointments");
  const auto* invoices =
      rathaus::e_invoice::v1::Invoice::descriptor()->file()->FindServiceByName("EInvoice");
  ASSERT_NE(appointments, nullptr);
  ASSERT_NE(invoices, nullptr);
  EXPECT_EQ(AddressVariable(appointments), "RATHAUS_APPOINTMENTS_ADDR");
  EXPECT_EQ(AddressVariable(invoices), "RATHAUS_E_INVOICE_ADDR");
}

TEST(DescriptorsTest, UnreadableSetsAreRefusedWithTheirName) {
  EXPECT_FALSE(DescriptorSets::LoadDir("/nonexistent/descriptors").ok());
  const std::string dir = "/tmp/rathaus-descriptors-test";
  std::system(("rm -rf " + dir + " && mkdir -p " + dir).c_str());
  auto empty = DescriptorSets::LoadDir(dir);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE((*empty)->services().empty());
  std::ofstream(dir + "/broken.pb") << "not a descriptor set";
  auto broken = DescriptorSets::LoadDir(dir);
  EXPECT_FALSE(broken.ok());
  EXPECT_NE(std::string(broken.status().message()).find("broken.pb"), std::string::npos);
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace rathaus::gateway
