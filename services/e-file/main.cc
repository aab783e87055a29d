// rathaus-e-file: the E-Akte on the service kit (shared/service/kit.h). It consumes the other
// services' topics and files their records under the Aktenplan (filer.h), serves the clerks'
// search and reads and the audit log's signed heads and proofs (service.h), and integrates and
// signs the audit log in the background (audit_job.h).
//
//   RATHAUS_EFILE_PLAN_FILE                   the Aktenplan (JSON, aktenplan.proto); default: the
//                                             embedded Kiel demo plan (aktenplan/kiel.json)
//   RATHAUS_EFILE_BLOB_DIR=/var/lib/rathaus/blobs/e-file   the documents, by SHA-256
//   RATHAUS_EFILE_SIGNING_KEY_FILE            the audit log's signing key (PEM, EC P-256; required)
//   RATHAUS_EFILE_INTEGRATE_INTERVAL=200ms    how often new audit entries are hashed into the tree
//   RATHAUS_EFILE_TREE_HEAD_INTERVAL=1m       the longest time between two signed tree heads
//   RATHAUS_E_INVOICE_ADDR                    e-invoice's gRPC address: invoice originals and their
//                                             reports are fetched from there by reference (unset:
//                                             not fetched; the references wait)
//   RATHAUS_REGISTRATIONS_ADDR                registrations' gRPC address: the Meldebestätigungen
//                                             of accepted cases are fetched from there
//   RATHAUS_EFILE_SERVICE_TOKEN_FILE          the e-file's bearer token for both (role integrator,
//                                             scopes invoices:read registrations:read), read at
//                                             every call
//   RATHAUS_EFILE_AUTHORITY="Landeshauptstadt Kiel"   the sender named in export packages
//   RATHAUS_EFILE_EXPORT_MAX_BYTES=512MiB     the most document bytes one export package holds
//   RATHAUS_BLOB_GC_INTERVAL=1h, RATHAUS_BLOB_GC_GRACE=6h   documents no record names are removed
//   plus the kit's settings.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "audit_job.h"
#include "domain/tree_head.h"
#include "fetcher.h"
#include "filer.h"
#include "rathaus_efile_domain_embedded.h"
#include "service.h"
#include "shared/blob/blob_store.h"
#include "shared/service/kit.h"
#include "store.h"

namespace rathaus::efile {
namespace {

int Run() {
  platform::GrpcServerOptions defaults;
  defaults.listen = "127.0.0.1:50055";
  // Records in batches of up to 500: their documents' blobs take two file-system syncs per batch
  // and their scripts one round trip (Store::FileMany).
  platform::ServiceKit kit("e-file", {.key_prefix = "efile:", .grpc_defaults = defaults,
                                      .consumer_max_batch = 500});
  platform::EnvConfig& env = kit.env();
  const std::string plan_json =
      kit.FileOrEmbedded("RATHAUS_EFILE_PLAN_FILE", embedded::kKiel);
  absl::StatusOr<Aktenplan> plan = ParseAktenplan(plan_json);
  if (!plan.ok()) {
    env.Reject("RATHAUS_EFILE_PLAN_FILE", "an Aktenplan (aktenplan.proto as JSON)",
               std::string(plan.status().message()));
  }
  const std::string blob_dir = env.String("RATHAUS_EFILE_BLOB_DIR", "/var/lib/rathaus/blobs/e-file");
  platform::BlobStore blobs(blob_dir);
  if (absl::Status s = blobs.Open(); !s.ok()) {
    env.Reject("RATHAUS_EFILE_BLOB_DIR", "a writable folder", std::string(s.message()));
  }
  const std::string key_file = env.String("RATHAUS_EFILE_SIGNING_KEY_FILE", "");
  std::string signing_key;
  {
    std::ifstream in(key_file, std::ios::binary);
    std::stringstream pem;
    if (in) pem << in.rdbuf();
    signing_key = pem.str();
    // The key must sign: a head made at start proves it before the service serves.
    if (key_file.empty() || !SignTreeHead(signing_key, 0, std::string(32, '\0'), absl::Now()).ok()) {
      env.Reject("RATHAUS_EFILE_SIGNING_KEY_FILE",
                 "a PEM EC P-256 private key file (rathaus-dev-token keygen writes one)",
                 key_file.empty() ? "unset" : key_file);
    }
  }
  const absl::Duration integrate_interval =
      env.Duration("RATHAUS_EFILE_INTEGRATE_INTERVAL", absl::Milliseconds(200));
  const absl::Duration head_interval =
      env.Duration("RATHAUS_EFILE_TREE_HEAD_INTERVAL", absl::Minutes(1));
  EFileService::Options service_options;
  service_options.authority = env.String("RATHAUS_EFILE_AUTHORITY", "Landeshauptstadt Kiel");
  service_options.export_max_bytes =
      env.Int("RATHAUS_EFILE_EXPORT_MAX_BYTES", 512ll << 20, 1 << 20, 3ll << 30);
  if (head_interval > absl::Minutes(1) || head_interval < absl::Seconds(1)) {
    env.Reject("RATHAUS_EFILE_TREE_HEAD_INTERVAL", "1s to 1m (a head at least every minute)",
               absl::FormatDuration(head_interval));
  }
  platform::BlobCollector::Options gc_options{
      .interval = env.Duration("RATHAUS_BLOB_GC_INTERVAL", absl::Hours(1)),
      .grace = env.Duration("RATHAUS_BLOB_GC_GRACE", absl::Hours(6))};
  if (gc_options.grace < absl::Minutes(1)) {
    env.Reject("RATHAUS_BLOB_GC_GRACE", "at least 1m", absl::FormatDuration(gc_options.grace));
  }
  Fetcher::Options fetch_options;
  fetch_options.einvoice_addr = env.String("RATHAUS_E_INVOICE_ADDR", "");
  fetch_options.registrations_addr = env.String("RATHAUS_REGISTRATIONS_ADDR", "");
  fetch_options.token_file = env.String("RATHAUS_EFILE_SERVICE_TOKEN_FILE", "");
  if ((!fetch_options.einvoice_addr.empty() || !fetch_options.registrations_addr.empty()) &&
      fetch_options.token_file.empty()) {
    env.Reject("RATHAUS_EFILE_SERVICE_TOKEN_FILE",
               "a bearer token file (role integrator, scopes invoices:read registrations:read) with "
               "RATHAUS_E_INVOICE_ADDR or RATHAUS_REGISTRATIONS_ADDR",
               "unset");
  }
  if (!kit.CheckConfig()) return 2;
  // The service's own TLS files (RATHAUS_GRPC_TLS_*, read by the kit) also make the fetcher's
  // client certificate (e-invoice and registrations require one under mTLS), watched for renewal.
  fetch_options.tls = platform::ClientTlsFromServiceEnv();

  Store store(kit.redis(), kit.outbox(), blobs, *plan);
  EFileService service(store, kit.callers(), service_options);
  kit.AddService(&service);
  Filer filer(store, *plan);
  filer.Register(kit);
  AuditJob audit(store, signing_key, integrate_interval, head_interval);
  // Blobs no document names any more (a crash between a blob's Put and its filing, a disposal
  // that left a renewed blob) are removed after a grace.
  platform::BlobCollector collector(blobs, gc_options, [&store] { return store.BlobsInUse(); });
  if (gc_options.interval > absl::ZeroDuration()) {
    kit.AddJob("blob collector", [&] { collector.Start(); }, [&] { collector.Stop(); });
  }
  kit.AddJob("audit log", [&] { audit.Start(); }, [&] { audit.Stop(); });
  Fetcher fetcher(store, fetch_options);
  if (fetch_options.einvoice_addr.empty()) {
    platform::log::Warn("RATHAUS_E_INVOICE_ADDR unset: invoice originals and reports are not "
                        "fetched (their references wait in the queue)", {});
  }
  if (fetch_options.registrations_addr.empty()) {
    platform::log::Warn("RATHAUS_REGISTRATIONS_ADDR unset: Meldebestätigungen are not fetched "
                        "(their references wait in the queue)", {});
  }
  if (!fetch_options.einvoice_addr.empty() || !fetch_options.registrations_addr.empty()) {
    kit.AddJob("fetch by reference", [&] { fetcher.Start(); }, [&] { fetcher.Stop(); });
  }
  kit.AddStartupFact("aktenplan", plan->name);
  kit.AddStartupFact("items", std::to_string(plan->items.size()));
  return kit.Run();
}

}  // namespace
}  // namespace rathaus::efile

namespace rathaus::efile {
int RunCli(int argc, char** argv);  // cli.cc
}

int main(int argc, char** argv) {
  if (argc == 1 || (argc == 2 && std::string_view(argv[1]) == "serve")) {
    return rathaus::efile::Run();
  }
  return rathaus::efile::RunCli(argc, argv);
}
