#include "shared/blob/blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "shared/crypto/crypto.h"

namespace rathaus::platform {
namespace {

absl::Status Errno(std::string_view what, const std::string& path) {
  return absl::InternalError(absl::StrCat(std::string(what), " ", path, ": ", std::strerror(errno)));
}

bool IsSha256Hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

absl::Status MakeDir(const std::string& path) {
  if (mkdir(path.c_str(), 0750) != 0 && errno != EEXIST) return Errno("cannot create", path);
  return absl::OkStatus();
}

absl::Status FsyncPath(const std::string& path, int flags) {
  const int fd = open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open", path);
  const int rc = fsync(fd);
  close(fd);
  if (rc != 0) return Errno("cannot fsync", path);
  return absl::OkStatus();
}

}  // namespace

BlobStore::BlobStore(std::string root) : root_(std::move(root)) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

absl::Status BlobStore::Open() {
  // Create every missing folder of the root, like mkdir -p.
  for (size_t at = 1; at <= root_.size(); ++at) {
    if (at == root_.size() || root_[at] == '/') {
      if (absl::Status s = MakeDir(root_.substr(0, at)); !s.ok()) {
        return absl::FailedPreconditionError(s.message());
      }
    }
  }
  const std::string probe = absl::StrCat(root_, "/.write-probe");
  const int fd = open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("blob store ", root_, " is not writable: ", std::strerror(errno)));
  }
  close(fd);
  unlink(probe.c_str());
  return absl::OkStatus();
}

std::string BlobStore::PathOf(std::string_view sha256) const {
  return absl::StrCat(root_, "/", std::string(sha256.substr(0, 2)), "/", std::string(sha256));
}

absl::StatusOr<std::string> BlobStore::Put(std::string_view bytes) const {
  const std::string sha = crypto::Hex(crypto::Sha256(bytes));
  const std::string dir = absl::StrCat(root_, "/", sha.substr(0, 2));
  const std::string path = PathOf(sha);
  struct stat st {};
  if (stat(path.c_str(), &st) == 0 && static_cast<size_t>(st.st_size) == bytes.size()) {
    return sha;  // the same bytes are there already (renamed into place only when complete)
  }
  if (absl::Status s = MakeDir(dir); !s.ok()) return s;
  const std::string tmp = absl::StrCat(dir, "/.tmp-", sha, "-", crypto::Hex(crypto::RandomBytes(6)));
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return Errno("cannot create", tmp);
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      absl::Status s = Errno("cannot write", tmp);
      close(fd);
      unlink(tmp.c_str());
      return s;
    }
    written += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) {
    absl::Status s = Errno("cannot fsync", tmp);
    close(fd);
    unlink(tmp.c_str());
    return s;
  }
  close(fd);
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    absl::Status s = Errno("cannot rename into", path);
    unlink(tmp.c_str());
    return s;
  }
  // The new directory entry must survive a crash as well.
  if (absl::Status s = FsyncPath(dir, O_RDONLY | O_DIRECTORY); !s.ok()) return s;
  return sha;
}

absl::StatusOr<std::string> BlobStore::Get(std::string_view sha256) const {
  if (!IsSha256Hex(sha256)) return absl::InvalidArgumentError("not a SHA-256 blob name");
  const std::string path = PathOf(sha256);
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat("no blob ", std::string(sha256)));
    return Errno("cannot open", path);
  }
  std::string out;
  char buf[1 << 16];
  while (true) {
    const ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      absl::Status s = Errno("cannot read", path);
      close(fd);
      return s;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  if (crypto::Hex(crypto::Sha256(out)) != sha256) {
    return absl::DataLossError(absl::StrCat("blob ", std::string(sha256), " does not match its name"));
  }
  return out;
}

}  // namespace rathaus::platform
