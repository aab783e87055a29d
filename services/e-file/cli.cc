// rathaus-e-file's command line (issue 17; without arguments, or with `serve`, the binary is the
// service): verify, the offline check of the audit log's proofs against a signed tree head and
// the service's public key; verify-export, the check of an export package's files against the
// SHA-256 its index (abgabe.xml) names.
//
//   rathaus-e-file verify --public-key KEY.pem --tree-head STH.json --inclusion PROOF.json --entry FILE
//       the entry (its exact bytes in FILE) is in the log that the signed head describes
//   rathaus-e-file verify ... --inclusion PROOF.json --entry FILE --document DOC
//       and the entry (a FILED or READ entry) names the SHA-256 of DOC's bytes: the document is the
//       one that was filed, unchanged
//   rathaus-e-file verify --public-key KEY.pem --tree-head OLD.json --tree-head NEW.json --consistency PROOF.json
//       the newer signed head extends the older one (nothing in the log was changed or removed)
//
// The JSON files are the messages of proto/rathaus/e_file/v1/audit.proto as the service serves
// them. Prints "OK: ..." and exits 0, or "FAILED: <reason>" and exits 1; 2 for a usage error.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "domain/abgabe.h"
#include "domain/tree_head.h"
#include "shared/crypto/crypto.h"

namespace {

namespace v1 = ::rathaus::e_file::v1;

int Usage() {
  std::cerr << "usage: rathaus-e-file verify --public-key KEY.pem --tree-head STH.json "
               "--inclusion PROOF.json --entry FILE [--document DOC]\n"
               "       rathaus-e-file verify --public-key KEY.pem --tree-head OLD.json "
               "--tree-head NEW.json --consistency PROOF.json\n"
               "       rathaus-e-file verify-export PACKAGE.zip\n";
  return 2;
}

bool Read(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  *out = s.str();
  return true;
}

template <typename M>
bool ReadJson(const std::string& path, M* out, std::string* error) {
  std::string text;
  if (!Read(path, &text)) {
    *error = absl::StrCat("cannot read ", path);
    return false;
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(text, out, options);
  if (!status.ok()) {
    *error = absl::StrCat(path, ": ", status.message().as_string());
    return false;
  }
  return true;
}

int Verify(const std::vector<std::string>& args) {
  std::string key_file, inclusion_file, consistency_file, entry_file, document_file;
  std::vector<std::string> heads;
  for (size_t i = 0; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) return Usage();
    const std::string& flag = args[i];
    const std::string& value = args[i + 1];
    if (flag == "--public-key") {
      key_file = value;
    } else if (flag == "--tree-head") {
      heads.push_back(value);
    } else if (flag == "--inclusion") {
      inclusion_file = value;
    } else if (flag == "--consistency") {
      consistency_file = value;
    } else if (flag == "--entry") {
      entry_file = value;
    } else if (flag == "--document") {
      document_file = value;
    } else {
      return Usage();
    }
  }
  std::string key, error;
  if (key_file.empty() || !Read(key_file, &key)) return Usage();
  const bool inclusion = !inclusion_file.empty() && !entry_file.empty() && heads.size() == 1 &&
                         consistency_file.empty();
  const bool consistency = !consistency_file.empty() && heads.size() == 2 &&
                           inclusion_file.empty() && entry_file.empty() && document_file.empty();
  if (!inclusion && !consistency) return Usage();
  std::vector<v1::SignedTreeHead> sth(heads.size());
  for (size_t i = 0; i < heads.size(); ++i) {
    if (!ReadJson(heads[i], &sth[i], &error)) {
      std::cout << "FAILED: " << error << "\n";
      return 1;
    }
  }
  absl::Status result;
  std::string what;
  if (inclusion) {
    v1::InclusionProof proof;
    std::string entry;
    if (!ReadJson(inclusion_file, &proof, &error) || !Read(entry_file, &entry)) {
      std::cout << "FAILED: " << (error.empty() ? "cannot read " + entry_file : error) << "\n";
      return 1;
    }
    result = rathaus::efile::VerifyInclusionAgainst(key, sth[0], proof, entry);
    what = absl::StrCat("the entry is leaf ", proof.leaf_index(), " of the log of ",
                        sth[0].tree_size(), " entries signed at ", sth[0].timestamp());
    if (result.ok() && !document_file.empty()) {
      std::string document;
      if (!Read(document_file, &document)) {
        std::cout << "FAILED: cannot read " << document_file << "\n";
        return 1;
      }
      google::protobuf::Struct members;
      std::string named;
      if (google::protobuf::util::JsonStringToMessage(entry, &members).ok() &&
          members.fields().count("sha256") == 1) {
        named = members.fields().at("sha256").string_value();
      }
      const std::string actual =
          rathaus::platform::crypto::Hex(rathaus::platform::crypto::Sha256(document));
      if (named.empty()) {
        result = absl::FailedPreconditionError("the entry names no document (no sha256)");
      } else if (named != actual) {
        result = absl::FailedPreconditionError(absl::StrCat(
            "the document's SHA-256 is ", actual, ", the entry names ", named,
            ": the document was changed"));
      } else {
        absl::StrAppend(&what, "; the document has the SHA-256 the entry names");
      }
    }
  } else {
    v1::ConsistencyProof proof;
    if (!ReadJson(consistency_file, &proof, &error)) {
      std::cout << "FAILED: " << error << "\n";
      return 1;
    }
    result = rathaus::efile::VerifyConsistencyAgainst(key, sth[0], sth[1], proof);
    what = absl::StrCat("the log of ", sth[1].tree_size(), " entries (", sth[1].timestamp(),
                        ") extends the log of ", sth[0].tree_size(), " entries (",
                        sth[0].timestamp(), ")");
  }
  if (!result.ok()) {
    std::cout << "FAILED: " << result.message() << "\n";
    return 1;
  }
  std::cout << "OK: " << what << "\n";
  return 0;
}

}  // namespace

namespace rathaus::efile {
int RunCli(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 2 && args[0] == "verify-export") {
    std::string zip;
    if (!Read(args[1], &zip)) {
      std::cout << "FAILED: cannot read " << args[1] << "\n";
      return 1;
    }
    auto check = rathaus::efile::VerifyAbgabe(zip);
    if (!check.ok()) {
      std::cout << "FAILED: " << check.status().message() << "\n";
      return 1;
    }
    std::cout << "OK: " << check->files << " files with the SHA-256 abgabe.xml names ("
              << check->vorgaenge << " Vorgänge, " << check->documents << " documents)\n";
    return 0;
  }
  if (args.empty() || args[0] != "verify") return Usage();
  return Verify(std::vector<std::string>(args.begin() + 1, args.end()));
}
}  // namespace rathaus::efile
