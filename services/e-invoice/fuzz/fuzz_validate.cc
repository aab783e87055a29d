// libFuzzer target: any bytes through the whole validation (safe XML parser, syntax detection,
// the EN 16931 model, every rule, the JSON report). Built with clang and ASan + UBSan by
// run.sh; a crash, a leak, undefined behaviour or a hang (> 10 s per input) fails the test.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "domain/report.h"
#include "domain/validator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  rathaus::einvoice::XmlLimits limits;
  limits.max_bytes = 1 << 20;
  const rathaus::einvoice::Report report = rathaus::einvoice::Validate(bytes, "fuzz.xml", limits);
  // The verdict is the fatal findings, and every finding names its rule.
  if (report.accepted() != report.errors.empty()) std::abort();
  for (const auto& f : report.errors) {
    if (f.rule.empty()) std::abort();
  }
  const std::string json = rathaus::einvoice::ReportToJson(report);
  if (json.empty() || json.front() != '{' || json.back() != '}') std::abort();
  return 0;
}
