// Services the gateway was not compiled with, routed from their descriptor sets: every
// `<package library>.pb` that the build writes to build/descriptors (protoc
// --descriptor_set_out --include_imports; the image ships them in /usr/share/rathaus/descriptors).
// A service added to the chart's values gets its RATHAUS_<NAME>_ADDR, and the gateway routes it
// from its file without a code change. Messages of such services are dynamic (reflection), the
// same JSON binding as for the compiled-in ones.
//
//   auto sets = DescriptorSets::LoadDir("/usr/share/rathaus/descriptors");
//   for (const auto* service : (*sets)->services()) ... AddressVariable(service) ...
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>

#include "absl/status/statusor.h"

namespace rathaus::gateway {

class DescriptorSets {
 public:
  // Every *.pb file of `dir` (sorted by name); an error names the file that cannot be read.
  static absl::StatusOr<std::unique_ptr<DescriptorSets>> LoadDir(const std::string& dir);

  // The services with at least one HTTP route that are not compiled into the gateway.
  std::vector<const google::protobuf::ServiceDescriptor*> services() const;

 private:
  DescriptorSets() : pool_(google::protobuf::DescriptorPool::generated_pool()) {}
  google::protobuf::DescriptorPool pool_;  // over the generated pool: shared imports resolve there
  std::vector<std::string> files_;         // the files built into pool_
};

// Where the gateway finds a service: "rathaus.registrations.v1.Registrations" ->
// "RATHAUS_REGISTRATIONS_ADDR" (the package's second part, upper case), as the chart names it.
std::string AddressVariable(const google::protobuf::ServiceDescriptor* service);

}  // namespace rathaus::gateway
