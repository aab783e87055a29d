#include "shared/blob/blob_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "shared/crypto/crypto.h"
#include "shared/log/log.h"

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
  if (stat(path.c_str(), &st) == 0 && static_cast<size_t>(st.st_size) == bytes.size() &&
      utimensat(AT_FDCWD, path.c_str(), nullptr, 0) == 0) {
    // The same bytes are there already (renamed into place only when complete); their time is
    // renewed, so a collection does not take them while a new record is about to name them. A
    // collection that moved them aside meanwhile makes utimensat fail: then they are written anew.
    return sha;
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

absl::StatusOr<BlobStore::Collection> BlobStore::Collect(
    absl::Duration grace,
    const std::function<absl::StatusOr<absl::flat_hash_set<std::string>>()>& in_use) const {
  Collection result;
  const absl::Time cutoff = absl::Now() - grace;
  auto old = [&](const struct stat& st) {
    return absl::TimeFromTimespec(st.st_mtim) < cutoff;
  };
  std::vector<std::string> candidates;
  DIR* root = opendir(root_.c_str());
  if (root == nullptr) return Errno("cannot list", root_);
  std::vector<std::string> folders;
  while (dirent* e = readdir(root)) {
    const std::string name = e->d_name;
    if (name.size() == 2 && IsSha256Hex(name + std::string(62, '0'))) folders.push_back(name);
  }
  closedir(root);
  for (const std::string& folder : folders) {
    const std::string dir = absl::StrCat(root_, "/", folder);
    DIR* d = opendir(dir.c_str());
    if (d == nullptr) continue;
    while (dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      const std::string path = absl::StrCat(dir, "/", name);
      struct stat st {};
      if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      if (IsSha256Hex(name)) {
        ++result.blobs;
        if (old(st)) candidates.push_back(name);
      } else if ((name.rfind(".tmp-", 0) == 0 || name.rfind(".trash-", 0) == 0) && old(st)) {
        if (unlink(path.c_str()) == 0) ++result.temporaries;
      }
    }
    closedir(d);
  }
  if (candidates.empty()) return result;
  auto named = in_use();
  if (!named.ok()) return named.status();
  for (const std::string& sha : candidates) {
    if (named->contains(sha)) continue;
    const std::string path = PathOf(sha);
    const std::string aside = absl::StrCat(root_, "/", sha.substr(0, 2), "/.trash-", sha, "-",
                                           crypto::Hex(crypto::RandomBytes(6)));
    if (rename(path.c_str(), aside.c_str()) != 0) continue;
    // A Put that found the blob before it moved renewed its time: it is about to be named.
    struct stat st {};
    if (stat(aside.c_str(), &st) == 0 && !old(st)) {
      if (link(aside.c_str(), path.c_str()) != 0 && errno != EEXIST) {
        return Errno("cannot put back", path);
      }
      unlink(aside.c_str());
      continue;
    }
    if (unlink(aside.c_str()) == 0) ++result.removed;
  }
  return result;
}

absl::StatusOr<std::vector<std::string>> BlobStore::PutMany(
    const std::vector<std::string_view>& items) const {
  std::vector<std::string> names;
  // What to write: each new blob once (a batch may hold the same bytes twice).
  struct Pending {
    std::string_view bytes;
    std::string tmp;
    std::string path;
    absl::Status status;
  };
  std::vector<Pending> pending;
  absl::flat_hash_set<std::string> queued;
  absl::flat_hash_set<std::string> dirs;
  for (std::string_view bytes : items) {
    const std::string sha = crypto::Hex(crypto::Sha256(bytes));
    names.push_back(sha);
    std::string path = PathOf(sha);
    if (queued.contains(path)) continue;
    struct stat st {};
    if (stat(path.c_str(), &st) == 0 && static_cast<size_t>(st.st_size) == bytes.size() &&
        utimensat(AT_FDCWD, path.c_str(), nullptr, 0) == 0) {
      continue;  // there already (as in Put)
    }
    std::string dir = absl::StrCat(root_, "/", sha.substr(0, 2));
    if (!dirs.contains(dir)) {
      if (absl::Status s = MakeDir(dir); !s.ok()) return s;
      dirs.insert(dir);
    }
    queued.insert(path);
    pending.push_back({bytes, absl::StrCat(dir, "/.tmp-", sha, "-", crypto::Hex(crypto::RandomBytes(6))),
                       std::move(path), absl::OkStatus()});
  }
  // The files are written by two threads (the syscalls, not the disk, are the cost here: the
  // data reaches the disk with the syncfs below).
  auto write_range = [&pending](size_t from, size_t step) {
    for (size_t i = from; i < pending.size(); i += step) {
      Pending& p = pending[i];
      const int fd = open(p.tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
      if (fd < 0) {
        p.status = Errno("cannot create", p.tmp);
        continue;
      }
      size_t written = 0;
      while (written < p.bytes.size()) {
        const ssize_t n = write(fd, p.bytes.data() + written, p.bytes.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          p.status = Errno("cannot write", p.tmp);
          break;
        }
        written += static_cast<size_t>(n);
      }
      close(fd);
    }
  };
  if (pending.size() >= 16) {
    std::thread helper(write_range, 1, 2);
    write_range(0, 2);
    helper.join();
  } else {
    write_range(0, 1);
  }
  std::vector<std::pair<std::string, std::string>> renames;  // tmp -> final
  auto cleanup = [&] {
    for (const Pending& p : pending) unlink(p.tmp.c_str());
    for (const auto& [tmp, unused] : renames) unlink(tmp.c_str());
  };
  for (Pending& p : pending) {
    if (!p.status.ok()) {
      absl::Status s = p.status;
      cleanup();
      return s;
    }
    renames.emplace_back(std::move(p.tmp), std::move(p.path));
  }
  pending.clear();
  if (renames.empty()) return names;
  const int root = open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) {
    cleanup();
    return Errno("cannot open", root_);
  }
  // The data first, then the names: a name never points at bytes that are not on disk.
  if (syncfs(root) != 0) {
    absl::Status s = Errno("cannot sync", root_);
    close(root);
    cleanup();
    return s;
  }
  for (const auto& [tmp, path] : renames) {
    if (rename(tmp.c_str(), path.c_str()) != 0) {
      absl::Status s = Errno("cannot rename into", path);
      close(root);
      cleanup();
      return s;
    }
  }
  const int rc = syncfs(root);
  close(root);
  if (rc != 0) return Errno("cannot sync", root_);
  return names;
}

absl::StatusOr<bool> BlobStore::Remove(std::string_view sha256, absl::Time renewed_after) const {
  if (!IsSha256Hex(sha256)) {
    return absl::InvalidArgumentError("a blob name is 64 lower-case hex characters");
  }
  const std::string path = PathOf(sha256);
  const std::string aside = absl::StrCat(root_, "/", std::string(sha256.substr(0, 2)), "/.trash-",
                                         std::string(sha256), "-",
                                         crypto::Hex(crypto::RandomBytes(6)));
  if (rename(path.c_str(), aside.c_str()) != 0) {
    if (errno == ENOENT) return false;
    return Errno("cannot move aside", path);
  }
  // As in Collect: a Put that found the blob before it moved renewed its time.
  struct stat st {};
  if (stat(aside.c_str(), &st) == 0 && absl::TimeFromTimespec(st.st_mtim) >= renewed_after) {
    if (link(aside.c_str(), path.c_str()) != 0 && errno != EEXIST) {
      return Errno("cannot put back", path);
    }
    unlink(aside.c_str());
    return false;
  }
  if (unlink(aside.c_str()) != 0) return Errno("cannot remove", aside);
  const std::string dir = absl::StrCat(root_, "/", std::string(sha256.substr(0, 2)));
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  return true;
}

BlobCollector::BlobCollector(const BlobStore& blobs, Options options, InUse in_use)
    : blobs_(blobs), options_(options), in_use_(std::move(in_use)) {}

BlobCollector::~BlobCollector() { Stop(); }

void BlobCollector::Start() {
  {
    std::lock_guard lock(mu_);
    stop_ = false;
  }
  thread_ = std::thread([this] { Loop(); });
}

void BlobCollector::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BlobCollector::Loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    auto done = blobs_.Collect(options_.grace, in_use_);
    if (!done.ok()) {
      log::Warn("blob collection failed; next try at the next interval",
                {{"root", blobs_.root()}, {"error", done.status().ToString()}});
    } else {
      removed_.fetch_add(done->removed);
      if (done->removed > 0 || done->temporaries > 0) {
        log::Info("blob collection", {{"root", blobs_.root()},
                                      {"blobs", done->blobs},
                                      {"removed", done->removed},
                                      {"temporaries", done->temporaries}});
      }
    }
    lock.lock();
    cv_.wait_for(lock, absl::ToChronoNanoseconds(options_.interval), [this] { return stop_; });
  }
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
