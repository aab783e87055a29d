// rathaus-grpc-health: asks a gRPC server's grpc.health.v1.Health/Check and exits 0 when it
// answers SERVING, 1 otherwise (the container HEALTHCHECK and, with mTLS, the Kubernetes exec
// probe: kubelet's own gRPC probe speaks plaintext only). Built in the Dockerfile's build stage
// from this file alone; it needs no generated code (the two tiny messages are encoded by hand).
//
//   rathaus-grpc-health HOST:PORT [--service NAME] [--timeout-ms N]
//                       [--tls-cert FILE --tls-key FILE --tls-ca FILE [--server-name NAME]]
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace {

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream text;
  text << in.rdbuf();
  *out = text.str();
  return true;
}

int Usage() {
  std::fprintf(stderr,
               "usage: rathaus-grpc-health HOST:PORT [--service NAME] [--timeout-ms N] "
               "[--tls-cert FILE --tls-key FILE --tls-ca FILE [--server-name NAME]]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  std::string addr = argv[1], service, cert, key, ca, server_name;
  long timeout_ms = 2000;
  for (int i = 2; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc) return Usage();
    std::string value = argv[++i];
    if (flag == "--service") service = value;
    else if (flag == "--timeout-ms") timeout_ms = std::strtol(value.c_str(), nullptr, 10);
    else if (flag == "--tls-cert") cert = value;
    else if (flag == "--tls-key") key = value;
    else if (flag == "--tls-ca") ca = value;
    else if (flag == "--server-name") server_name = value;
    else return Usage();
  }
  if (timeout_ms <= 0) return Usage();

  std::shared_ptr<grpc::ChannelCredentials> creds = grpc::InsecureChannelCredentials();
  grpc::ChannelArguments args;
  if (!ca.empty() || !cert.empty() || !key.empty()) {
    grpc::SslCredentialsOptions ssl;
    if (!ReadFile(ca, &ssl.pem_root_certs) || (!cert.empty() && !ReadFile(cert, &ssl.pem_cert_chain)) ||
        (!key.empty() && !ReadFile(key, &ssl.pem_private_key))) {
      std::fprintf(stderr, "rathaus-grpc-health: cannot read the TLS files\n");
      return 1;
    }
    creds = grpc::SslCredentials(ssl);
    if (!server_name.empty()) args.SetSslTargetNameOverride(server_name);
  }
  auto channel = grpc::CreateCustomChannel(addr, creds, args);
  grpc::GenericStub stub(channel);

  // HealthCheckRequest { string service = 1; }
  std::string request_bytes;
  if (!service.empty()) {
    if (service.size() > 127) return Usage();
    request_bytes.push_back(0x0a);
    request_bytes.push_back(static_cast<char>(service.size()));
    request_bytes += service;
  }
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;

  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
  grpc::CompletionQueue cq;
  auto call = stub.PrepareUnaryCall(&context, "/grpc.health.v1.Health/Check", request, &cq);
  call->StartCall();
  grpc::Status status;
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  if (!cq.Next(&tag, &ok) || !ok) {
    std::fprintf(stderr, "rathaus-grpc-health: %s: no answer\n", addr.c_str());
    return 1;
  }
  if (!status.ok()) {
    std::fprintf(stderr, "rathaus-grpc-health: %s: %s\n", addr.c_str(), status.error_message().c_str());
    return 1;
  }
  // HealthCheckResponse { ServingStatus status = 1; }  SERVING = 1 -> bytes 08 01.
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return 1;
  std::string body;
  for (const auto& s : slices) body.append(reinterpret_cast<const char*>(s.begin()), s.size());
  int serving = 0;
  if (body.size() >= 2 && body[0] == 0x08) serving = static_cast<unsigned char>(body[1]);
  const char* names[] = {"UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"};
  std::printf("%s: %s\n", addr.c_str(), serving >= 0 && serving <= 3 ? names[serving] : "?");
  return serving == 1 ? 0 : 1;
}
