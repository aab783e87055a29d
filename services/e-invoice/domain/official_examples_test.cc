// The official CEN example invoices (testdata/cen-1.3.16, see SOURCE there) are valid EN 16931
// invoices: the validator accepts each without a fatal finding. UBL tc434 example 2 was rejected
// with BR-CO-11 before its ChargeIndicator 0 was read as the xs:boolean it is.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "domain/validator.h"

namespace rathaus::einvoice {
namespace {

TEST(OfficialExamplesTest, EveryCenExampleIsAccepted) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(RATHAUS_CEN_EXAMPLES_DIR)) {
    if (entry.path().extension() != ".xml") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    Report r = Validate(text.str(), entry.path().filename().string());
    EXPECT_TRUE(r.accepted()) << ReportToText(r);
    ++files;
  }
  EXPECT_EQ(files, 26);
}

}  // namespace
}  // namespace rathaus::einvoice
