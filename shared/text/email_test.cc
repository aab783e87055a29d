#include "shared/text/email.h"

#include <gtest/gtest.h>

#include "shared/status/problem.h"

namespace rathaus::platform::text {
namespace {

// The rules themselves are tested with appointments' contact data (contact_test.cc); here: the
// error names the caller's field.
TEST(EmailTest, TheErrorNamesTheCallersField) {
  EXPECT_EQ(*CheckEmail(" max@xn--strae-oqa.de\n", "contactEmail"), "max@xn--strae-oqa.de");
  auto bad = CheckEmail("max@kiel", "contactEmail");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(FieldOf(bad.status()), "contactEmail");
  EXPECT_EQ(FieldOf(CheckEmail("jörg@kiel.de").status()), "email");
}

}  // namespace
}  // namespace rathaus::platform::text
