// Documents that events cannot carry are fetched by reference (issue 17): an InvoiceReceived
// names its invoice and the original's SHA-256, a RegistrationAccepted the SHA-256 of each
// Meldebestätigung; the filing script queues the reference (P fetch, a zset by the time of the
// next attempt), and this job reads the original XML and the validation report from e-invoice,
// and the certificate PDFs from registrations, over gRPC with the e-file's service credential (a
// bearer token of role integrator with the scopes invoices:read and registrations:read, read
// from RATHAUS_EFILE_SERVICE_TOKEN_FILE at every call so that a token agent can renew it) and
// files them in the source's Vorgang. Each document must have the SHA-256 its event named (else
// it is not filed and the mismatch is logged as an error); e-file never gets write access to
// another service's data. Failures wait with a
// growing pause (5 s doubling to 1 h) and stay queued.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "rathaus/e_invoice/v1/e_invoice.grpc.pb.h"
#include "rathaus/registrations/v1/registrations.grpc.pb.h"
#include "shared/grpc/client.h"
#include "store.h"

namespace rathaus::efile {

class Fetcher {
 public:
  struct Options {
    std::string einvoice_addr;        // RATHAUS_E_INVOICE_ADDR
    std::string registrations_addr;   // RATHAUS_REGISTRATIONS_ADDR
    std::string token_file;     // RATHAUS_EFILE_SERVICE_TOKEN_FILE
    // With mTLS (the chart's mtls variant): the service's own certificate and key as the client
    // certificate (its usages include client auth) and the CA that signed the others' — the
    // files, watched, so a renewed certificate is used without a restart. nullopt: plaintext.
    std::optional<platform::ClientTls> tls;
  };
  Fetcher(Store& store, Options options);
  ~Fetcher() { Stop(); }

  void Start();
  void Stop();
  // Fetches and files what is due; how many references were filed. Exposed for tests.
  absl::StatusOr<int> RunOnce(absl::Time now);

 private:
  void Loop();
  absl::Status FetchInvoice(const std::string& invoice_id, const std::string& sha256,
                            absl::Time now);
  // "registrations|<case id>|<office>|<sha256 of person 1>,<sha256 of person 2>,…"
  absl::Status FetchCertificates(const std::string& case_id, const std::string& office,
                                 const std::string& shas, absl::Time now);
  // The service token (RATHAUS_EFILE_SERVICE_TOKEN_FILE), read now.
  absl::StatusOr<std::string> Token() const;
  // One call with the token and a 30 s deadline; a failure as a status naming `what`.
  absl::Status Call(const std::string& bearer, const std::string& what,
                    const std::function<grpc::Status(grpc::ClientContext*)>& call) const;

  Store& store_;
  Options options_;
  std::unique_ptr<e_invoice::v1::EInvoice::Stub> einvoice_;
  std::unique_ptr<registrations::v1::Registrations::Stub> registrations_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace rathaus::efile
