// rathaus-e-invoice-service: the service on the service kit (shared/service/kit.h): routing table ->
// blob store -> store -> service. It is started as `rathaus-e-invoice` with no arguments or with
// `serve` (as `make up`, the image and the chart do): that small executable (cli/main.cc), which
// is also the command-line validator, hands the process over to this one.
//
//   RATHAUS_EINVOICE_BLOB_DIR=/var/lib/rathaus/blobs/e-invoice  originals, by SHA-256 (required
//                                                                to be writable)
//   RATHAUS_EINVOICE_ROUTING_FILE=routing.txt   Leitweg-ID -> department (default: the embedded
//                                               Kiel demo table, routing/kiel.txt)
//   RATHAUS_BLOB_GC_INTERVAL=1h   how often originals no invoice names are looked for (0: never)
//   RATHAUS_BLOB_GC_GRACE=6h      how old such an original must be before it is removed
//   RATHAUS_EINVOICE_MAX_PARALLEL_VALIDATIONS=2  invoices validated at once (each holds about
//                                 1.5x its size); more wait up to 10 s, then UNAVAILABLE (503)
//   RATHAUS_EINVOICE_ANONYMOUS_SUBMISSION=off    on: no supplier token needed (development)
//   RATHAUS_EINVOICE_REJECTED_RETENTION=30d      how long a rejected invoice's original is kept
//                                 after the rejection (the record stays; at least 1m)
//   plus the kit's settings (shared/service/kit.h); RATHAUS_GRPC_MAX_MESSAGE_BYTES defaults to
//   24 MiB here, for invoices of up to 20 MiB.
#include <malloc.h>

#include <cstdio>
#include <string_view>

#include "rathaus_einvoice_embedded.h"
#include "services/e-invoice/service.h"
#include "services/e-invoice/store.h"
#include "shared/blob/blob_store.h"
#include "shared/service/due_timer.h"
#include "shared/service/kit.h"

namespace rathaus::einvoice {
namespace {

int Run() {
  // Invoices come in at up to 20 MiB, and each is held a few times over while it is read
  // (the request, the parsed tree): give every allocation of 1 MiB or more its own mapping, so
  // it goes back to the system when freed. glibc would otherwise raise this threshold after
  // the first such block is freed and keep later ones in its heaps (measured: 170-240 MiB held
  // after 16 uploads of 20 MiB, 31-48 MiB with the fixed threshold).
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  platform::GrpcServerOptions defaults;
  defaults.listen = "127.0.0.1:50052";
  defaults.max_message_bytes = 24 << 20;
  platform::ServiceKit kit("e-invoice", {.key_prefix = "inv:", .grpc_defaults = defaults});
  platform::EnvConfig& env = kit.env();
  const std::string blob_dir =
      env.String("RATHAUS_EINVOICE_BLOB_DIR", "/var/lib/rathaus/blobs/e-invoice");
  absl::StatusOr<RoutingTable> routing =
      RoutingTable::Parse(kit.FileOrEmbedded("RATHAUS_EINVOICE_ROUTING_FILE", embedded::kKiel));
  if (env.ok() && !routing.ok()) {
    env.Reject("RATHAUS_EINVOICE_ROUTING_FILE", "a routing table (routing/kiel.txt)",
               std::string(routing.status().message()));
  }
  platform::BlobStore blobs(blob_dir);
  if (absl::Status s = blobs.Open(); !s.ok()) {
    env.Reject("RATHAUS_EINVOICE_BLOB_DIR", "a writable folder", std::string(s.message()));
  }
  platform::BlobCollector::Options gc_options{
      .interval = env.Duration("RATHAUS_BLOB_GC_INTERVAL", absl::Hours(1)),
      .grace = env.Duration("RATHAUS_BLOB_GC_GRACE", absl::Hours(6))};
  if (gc_options.grace < absl::Minutes(1)) {
    env.Reject("RATHAUS_BLOB_GC_GRACE", "at least 1m", absl::FormatDuration(gc_options.grace));
  }
  const bool anonymous_submission = env.Bool("RATHAUS_EINVOICE_ANONYMOUS_SUBMISSION", false);
  const int parallel_validations =
      static_cast<int>(env.Int("RATHAUS_EINVOICE_MAX_PARALLEL_VALIDATIONS", 2, 1, 64));
  const absl::Duration rejected_retention =
      env.Duration("RATHAUS_EINVOICE_REJECTED_RETENTION", absl::Hours(24 * 30));
  if (rejected_retention < absl::Minutes(1)) {
    env.Reject("RATHAUS_EINVOICE_REJECTED_RETENTION", "at least 1m",
               absl::FormatDuration(rejected_retention));
  }
  if (!kit.CheckConfig()) return 2;

  Store store(kit.redis(), kit.outbox());
  EInvoiceService service(*routing, store, blobs, kit.outbox(), kit.callers());
  service.set_anonymous_submission(anonymous_submission);
  service.set_validation_limit(parallel_validations, absl::Seconds(10));
  service.set_rejected_retention(rejected_retention);
  // Rejected invoices' originals are given up on time (exact timers, not a sweep); replicas'
  // new timers are seen within a minute (a retention is days).
  platform::DueTimer retention("rejected originals", [&store]() -> absl::StatusOr<platform::DueTimer::Run> {
    auto r = store.ExpireRejectedOriginals();
    if (!r.ok()) return r.status();
    return platform::DueTimer::Run{r->fired, r->next, r->now};
  }, absl::Minutes(1));
  kit.AddJob("rejected-originals", [&] { retention.Start(); }, [&] { retention.Stop(); });
  kit.AddService(&service);
  // Originals that no invoice names (the service stopped between writing the original and
  // recording the invoice, or the record was refused) are removed after the grace period.
  platform::BlobCollector collector(blobs, gc_options, [&store] { return store.BlobsInUse(); });
  if (gc_options.interval > absl::ZeroDuration()) {
    kit.AddJob("blob-collection", [&] { collector.Start(); }, [&] { collector.Stop(); });
  }
  kit.AddStartupFact("routes", std::to_string(routing->size()));
  kit.AddStartupFact("blob_dir", blobs.root());
  return kit.Run();
}

}  // namespace
}  // namespace rathaus::einvoice

int main(int argc, char** argv) {
  if (argc == 1 || (argc == 2 && std::string_view(argv[1]) == "serve")) {
    return rathaus::einvoice::Run();
  }
  std::fprintf(stderr, "usage: rathaus-e-invoice-service [serve]  (the validator is rathaus-e-invoice validate)\n");
  return 2;
}
