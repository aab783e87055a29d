// The e-file's gRPC API (proto/rathaus/e_file/v1/e_file.proto): clerks' search and reads, and
// the audit log's public heads and proofs.
#pragma once

#include <string>

#include "rathaus/e_file/v1/e_file.grpc.pb.h"
#include "shared/auth/caller.h"
#include "store.h"

namespace rathaus::efile {

class EFileService final : public v1::EFile::Service {
 public:
  struct Options {
    std::string authority = "Landeshauptstadt Kiel";  // RATHAUS_EFILE_AUTHORITY
    int64_t export_max_bytes = 512ll << 20;           // RATHAUS_EFILE_EXPORT_MAX_BYTES
  };
  EFileService(Store& store, const platform::auth::CallerAuth& callers, Options options)
      : store_(store), callers_(callers), options_(std::move(options)) {}

  grpc::Status ListFiles(grpc::ServerContext* ctx, const v1::ListFilesRequest* req,
                         v1::ListFilesResponse* resp) override;
  grpc::Status GetFile(grpc::ServerContext* ctx, const v1::GetFileRequest* req,
                       v1::Vorgang* resp) override;
  grpc::Status GetDocumentContent(grpc::ServerContext* ctx, const v1::GetDocumentRequest* req,
                                  common::v1::File* resp) override;
  grpc::Status ListDue(grpc::ServerContext* ctx, const v1::ListDueRequest* req,
                       v1::ListFilesResponse* resp) override;
  grpc::Status HoldFile(grpc::ServerContext* ctx, const v1::HoldFileRequest* req,
                        v1::Vorgang* resp) override;
  grpc::Status ReleaseHold(grpc::ServerContext* ctx, const v1::HoldFileRequest* req,
                           v1::Vorgang* resp) override;
  grpc::Status DisposeFile(grpc::ServerContext* ctx, const v1::DisposeFileRequest* req,
                           v1::Vorgang* resp) override;
  grpc::Status CreateExport(grpc::ServerContext* ctx, const v1::CreateExportRequest* req,
                            v1::Export* resp) override;
  grpc::Status GetExport(grpc::ServerContext* ctx, const v1::GetExportRequest* req,
                         common::v1::File* resp) override;
  grpc::Status GetTreeHead(grpc::ServerContext* ctx, const v1::GetTreeHeadRequest* req,
                           v1::SignedTreeHead* resp) override;
  grpc::Status GetInclusionProof(grpc::ServerContext* ctx, const v1::GetInclusionProofRequest* req,
                                 v1::InclusionProof* resp) override;
  grpc::Status GetConsistencyProof(grpc::ServerContext* ctx,
                                   const v1::GetConsistencyProofRequest* req,
                                   v1::ConsistencyProof* resp) override;
  grpc::Status GetAuditEntry(grpc::ServerContext* ctx, const v1::GetAuditEntryRequest* req,
                             v1::AuditEntry* resp) override;

 private:
  // The caller (file-clerk or archivist) may see the Vorgang `az`; NOT_FOUND otherwise (as for
  // an unknown one: the answer does not tell that it exists).
  absl::StatusOr<v1::Vorgang> Visible(grpc::ServerContext* ctx, const std::string& az,
                                      bool with_documents, platform::auth::Caller* caller);

  grpc::Status Hold(grpc::ServerContext* ctx, const v1::HoldFileRequest* req, bool hold,
                    v1::Vorgang* resp);

  Store& store_;
  const platform::auth::CallerAuth& callers_;
  Options options_;
};

}  // namespace rathaus::efile
