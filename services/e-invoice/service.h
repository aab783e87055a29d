// The gRPC API of proto/rathaus/e_invoice/v1/e_invoice.proto: submission (validate, store the
// original, route, record — with the events — in one script), the clerks' reads and the
// workflow steps. Errors become grpc::Status in one place (platform::ToGrpcStatus).
//
//   EInvoiceService service(routing, store, blobs);
//   platform::GrpcServer server("e-invoice", options);
//   server.AddService(&service);
//
// Clerk methods verify the caller themselves (shared/auth/caller.h): a JWT with role
// invoice-clerk, forwarded by the gateway as `authorization: Bearer ...`; its `departments`
// claim limits what the clerk sees ("*" for the invoice office). Metadata alone proves nothing.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "shared/auth/caller.h"

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "domain/routing.h"
#include "absl/synchronization/mutex.h"
#include "domain/workflow.h"
#include "rathaus/e_invoice/v1/e_invoice.grpc.pb.h"
#include "services/e-invoice/store.h"
#include "shared/blob/blob_store.h"
#include "shared/outbox/outbox.h"

namespace rathaus::einvoice {

class EInvoiceService final : public e_invoice::v1::EInvoice::Service {
 public:
  EInvoiceService(const RoutingTable& routing, Store& store, const platform::BlobStore& blobs,
                  const platform::outbox::Outbox& outbox,
                  const platform::auth::CallerAuth& callers,
                  std::function<absl::Time()> now = absl::Now);

  // RATHAUS_EINVOICE_ANONYMOUS_SUBMISSION=on: submissions without a supplier token (development).
  void set_anonymous_submission(bool allowed) { anonymous_submission_ = allowed; }
  // At most `n` submissions validated at once (RATHAUS_EINVOICE_MAX_PARALLEL_VALIDATIONS); more
  // wait up to `wait`, then UNAVAILABLE (503, retry).
  void set_validation_limit(int n, absl::Duration wait) {
    max_parallel_validations_ = n;
    validation_wait_ = wait;
  }

  // RATHAUS_EINVOICE_REJECTED_RETENTION: how long a rejected invoice's original is kept (from
  // its rejection); then no record names it and the blob collection removes it.
  void set_rejected_retention(absl::Duration d) { rejected_retention_ = d; }

  grpc::Status SubmitInvoice(grpc::ServerContext* ctx, const e_invoice::v1::SubmitInvoiceRequest* req,
                             e_invoice::v1::SubmitInvoiceResponse* resp) override;
  grpc::Status GetSubmissionStatus(grpc::ServerContext* ctx,
                                   const e_invoice::v1::GetSubmissionStatusRequest* req,
                                   e_invoice::v1::SubmissionStatus* resp) override;
  grpc::Status GetInvoice(grpc::ServerContext* ctx, const e_invoice::v1::GetInvoiceRequest* req,
                          e_invoice::v1::Invoice* resp) override;
  grpc::Status GetInvoiceReport(grpc::ServerContext* ctx,
                                const e_invoice::v1::GetInvoiceRequest* req,
                                e_invoice::v1::ValidationReport* resp) override;
  grpc::Status GetInvoiceOriginal(grpc::ServerContext* ctx,
                                  const e_invoice::v1::GetInvoiceRequest* req,
                                  common::v1::File* resp) override;
  grpc::Status GetInvoiceView(grpc::ServerContext* ctx, const e_invoice::v1::GetInvoiceRequest* req,
                              common::v1::File* resp) override;
  grpc::Status ListInvoices(grpc::ServerContext* ctx, const e_invoice::v1::ListInvoicesRequest* req,
                            e_invoice::v1::ListInvoicesResponse* resp) override;
  grpc::Status AssignInvoice(grpc::ServerContext* ctx,
                             const e_invoice::v1::AssignInvoiceRequest* req,
                             e_invoice::v1::Invoice* resp) override;
  grpc::Status ApproveFactually(grpc::ServerContext* ctx,
                                const e_invoice::v1::InvoiceActionRequest* req,
                                e_invoice::v1::Invoice* resp) override;
  grpc::Status ApproveArithmetically(grpc::ServerContext* ctx,
                                     const e_invoice::v1::InvoiceActionRequest* req,
                                     e_invoice::v1::Invoice* resp) override;
  grpc::Status ReleaseForPayment(grpc::ServerContext* ctx,
                                 const e_invoice::v1::InvoiceActionRequest* req,
                                 e_invoice::v1::Invoice* resp) override;
  grpc::Status RejectInvoice(grpc::ServerContext* ctx,
                             const e_invoice::v1::RejectInvoiceRequest* req,
                             e_invoice::v1::Invoice* resp) override;

 private:
  struct Clerk {
    std::string subject;
    std::vector<std::string> departments;
  };
  absl::Status DoSubmit(const e_invoice::v1::SubmitInvoiceRequest& req,
                        const std::string& traceparent, e_invoice::v1::SubmitInvoiceResponse* resp);
  absl::StatusOr<Clerk> ClerkOf(grpc::ServerContext* ctx) const;
  // The invoice if the clerk may see it; NOT_FOUND alike for unknown and other departments'.
  // The invoice if the caller may read it; archive_read: the e-file's service token (integrator,
  // scope invoices:read) may read it too.
  absl::StatusOr<StoredInvoice> Visible(grpc::ServerContext* ctx, const std::string& id,
                                        bool archive_read = false);
  absl::Status Step(grpc::ServerContext* ctx, const std::string& id, Action action,
                    const std::string& department, const std::string& reason,
                    e_invoice::v1::Invoice* resp);
  std::string NowText() const;
  // original_until_ms for an invoice rejected now.
  std::string RetainUntil() const;

  absl::Duration rejected_retention_ = absl::Hours(24 * 30);
  const RoutingTable& routing_;
  Store& store_;
  const platform::BlobStore& blobs_;
  const platform::outbox::Outbox& outbox_;
  const platform::auth::CallerAuth& callers_;
  bool anonymous_submission_ = false;
  class ValidationSlot {
   public:
    // `bytes`: the invoice's size. After a large one (1 MiB and more), the last slot to close
    // gives the freed memory back to the system (malloc_trim): a validation holds several times
    // the invoice, and glibc would otherwise keep the peak for good.
    ValidationSlot(EInvoiceService* service, size_t bytes);
    ~ValidationSlot();
    bool acquired() const { return acquired_; }

   private:
    EInvoiceService* service_;
    size_t bytes_;
    bool acquired_ = false;
  };
  absl::Mutex validation_mu_;
  int validations_ = 0;  // guarded by validation_mu_
  int max_parallel_validations_ = 2;
  absl::Duration validation_wait_ = absl::Seconds(10);
  std::function<absl::Time()> now_;
};

// The stored invoice as the API shows it (history only when `with_history`).
e_invoice::v1::Invoice ToProto(const StoredInvoice& stored, bool with_history);

}  // namespace rathaus::einvoice
