// rathaus-e-invoice: the service, wiring only (config -> routing table -> blob store -> store ->
// service -> server), started with no arguments (as `make up`, the image and the chart do) or
// with `serve`. With another command it is the command-line validator (cli/main.cc):
// `rathaus-e-invoice validate [--json] FILE...`.
//
//   RATHAUS_EINVOICE_BLOB_DIR=/var/lib/rathaus/blobs/e-invoice  originals, by SHA-256 (required
//                                                                to be writable)
//   RATHAUS_EINVOICE_ROUTING_FILE=routing.txt   Leitweg-ID -> department (default: the embedded
//                                               Kiel demo table, routing/kiel.txt)
//   plus the platform settings (shared/config/platform.h) and the gRPC server settings
//   (shared/grpc/server.h); RATHAUS_GRPC_MAX_MESSAGE_BYTES defaults to 24 MiB here, for
//   invoices of up to 20 MiB.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string_view>

#include "rathaus_einvoice_embedded.h"
#include "services/e-invoice/service.h"
#include "services/e-invoice/store.h"
#include "shared/blob/blob_store.h"
#include "shared/config/config.h"
#include "shared/config/platform.h"
#include "shared/grpc/server.h"
#include "shared/kafka/admin.h"
#include "shared/kafka/producer.h"
#include "shared/log/log.h"
#include "shared/outbox/outbox.h"
#include "shared/outbox/relay.h"
#include "shared/redis/redis.h"

namespace rathaus::einvoice {
namespace {

namespace log = ::rathaus::platform::log;

int Run() {
  platform::GrpcServer::BlockShutdownSignals();  // before the Kafka and relay threads start
  platform::EnvConfig env;
  platform::PlatformConfig config = platform::PlatformConfig::FromEnv(env, "e-invoice");
  platform::GrpcServerOptions defaults;
  defaults.listen = "127.0.0.1:50052";
  defaults.max_message_bytes = 24 << 20;
  platform::GrpcServerOptions server_options = platform::GrpcServerOptions::FromEnv(env, defaults);
  const std::string blob_dir =
      env.String("RATHAUS_EINVOICE_BLOB_DIR", "/var/lib/rathaus/blobs/e-invoice");
  const std::string routing_file = env.String("RATHAUS_EINVOICE_ROUTING_FILE", "");
  env.ExitOnError();

  std::string routing_text(embedded::kKiel);
  std::string routing_name = "embedded routing/kiel.txt";
  if (!routing_file.empty()) {
    std::ifstream in(routing_file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "config: RATHAUS_EINVOICE_ROUTING_FILE: cannot read %s\n",
                   routing_file.c_str());
      return 2;
    }
    std::ostringstream text;
    text << in.rdbuf();
    routing_text = text.str();
    routing_name = routing_file;
  }
  absl::StatusOr<RoutingTable> routing = RoutingTable::Parse(routing_text);
  if (!routing.ok()) {
    std::fprintf(stderr, "routing: %s: %s\n", routing_name.c_str(),
                 std::string(routing.status().message()).c_str());
    return 2;
  }
  platform::BlobStore blobs(blob_dir);
  if (absl::Status s = blobs.Open(); !s.ok()) {
    std::fprintf(stderr, "config: RATHAUS_EINVOICE_BLOB_DIR: %s\n",
                 std::string(s.message()).c_str());
    return 2;
  }

  platform::outbox::Outbox outbox("e-invoice", "inv:");
  if (absl::Status s = platform::kafka::EnsureTopics(config.kafka_brokers, {{outbox.topic(), 3}},
                                                     /*with_dlq=*/true);
      !s.ok()) {
    log::Error("cannot create topics", {{"error", s.ToString()}});
    return 1;
  }
  auto producer = platform::kafka::Producer::Create(config.producer);
  if (!producer.ok()) {
    log::Error("cannot create the Kafka producer", {{"error", producer.status().ToString()}});
    return 1;
  }
  platform::redis::Pool pool(config.redis);
  Store store(pool, outbox);
  EInvoiceService service(*routing, store, blobs, outbox);
  platform::outbox::Relay relay(pool, **producer, {.outbox = &outbox});

  platform::GrpcServer server("e-invoice", server_options);
  server.AddService(&service);
  server.AddReadinessProbe("redis", [&pool] { return pool.Ping(); });
  server.AddReadinessProbe("kafka", [&producer] { return (*producer)->Ping(); });
  server.OnShutdown([&] {
    relay.Stop();
    if (absl::Status s = (*producer)->Flush(absl::Seconds(10)); !s.ok()) {
      log::Warn("producer flush incomplete", {{"error", s.ToString()}});
    }
  });
  if (absl::Status s = server.Start(); !s.ok()) {
    log::Error("cannot start the gRPC server", {{"error", s.ToString()}});
    return 1;
  }
  relay.Start();
  log::Info("e-invoice serving", {{"port", server.port()},
                                  {"routes", routing->size()},
                                  {"blob_dir", blobs.root()}});
  server.Wait();
  return 0;
}

}  // namespace
}  // namespace rathaus::einvoice

namespace rathaus::einvoice {
int RunCli(int argc, char** argv);  // cli/main.cc
}  // namespace rathaus::einvoice

int main(int argc, char** argv) {
  if (argc == 1 || (argc == 2 && std::string_view(argv[1]) == "serve")) {
    return rathaus::einvoice::Run();
  }
  return rathaus::einvoice::RunCli(argc, argv);
}
