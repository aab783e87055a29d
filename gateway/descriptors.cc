#include "gateway/descriptors.h"

#include <google/protobuf/descriptor.pb.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "rathaus/common/v1/http.pb.h"

namespace rathaus::gateway {

namespace fs = std::filesystem;
using google::protobuf::FileDescriptorSet;
using google::protobuf::ServiceDescriptor;

absl::StatusOr<std::unique_ptr<DescriptorSets>> DescriptorSets::LoadDir(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return absl::NotFoundError(absl::StrCat(dir, " is not a folder"));
  std::vector<fs::path> paths;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".pb") paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  std::unique_ptr<DescriptorSets> out(new DescriptorSets());
  for (const fs::path& path : paths) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    FileDescriptorSet set;
    if (!in || !set.ParseFromString(bytes.str())) {
      return absl::InvalidArgumentError(absl::StrCat(path.string(), ": not a descriptor set"));
    }
    // --include_imports writes dependencies first; files the gateway has compiled in (or that an
    // earlier set brought) resolve to those.
    for (const auto& file : set.file()) {
      if (out->pool_.FindFileByName(file.name()) != nullptr) continue;
      if (out->pool_.BuildFile(file) == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat(path.string(), ": ", file.name(), " does not build (a conflicting definition?)"));
      }
      out->files_.push_back(file.name());
    }
  }
  return out;
}

std::vector<const ServiceDescriptor*> DescriptorSets::services() const {
  std::vector<const ServiceDescriptor*> out;
  for (const std::string& name : files_) {
    const auto* file = pool_.FindFileByName(name);
    if (file == nullptr || file->pool() != &pool_) continue;
    for (int i = 0; i < file->service_count(); ++i) {
      const ServiceDescriptor* service = file->service(i);
      for (int m = 0; m < service->method_count(); ++m) {
        if (service->method(m)->options().HasExtension(rathaus::common::v1::http)) {
          out.push_back(service);
          break;
        }
      }
    }
  }
  return out;
}

std::string AddressVariable(const ServiceDescriptor* service) {
  std::vector<std::string> parts = absl::StrSplit(service->file()->package(), '.');
  std::string name = parts.size() >= 2 ? parts[1] : service->name();
  absl::AsciiStrToUpper(&name);
  return absl::StrCat("RATHAUS_", name, "_ADDR");
}

}  // namespace rathaus::gateway
