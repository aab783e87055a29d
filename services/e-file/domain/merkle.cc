#include "domain/merkle.h"

#include "absl/strings/str_cat.h"
#include "shared/crypto/crypto.h"

namespace rathaus::efile::merkle {
namespace {

// The largest power of two strictly below n (n >= 2).
uint64_t SplitPoint(uint64_t n) {
  uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

bool IsPowerOfTwo(uint64_t n) { return n != 0 && (n & (n - 1)) == 0; }

}  // namespace

std::string LeafHash(std::string_view entry) {
  std::string data(1, '\x00');
  data.append(entry);
  return platform::crypto::Sha256(data);
}

std::string NodeHash(std::string_view left, std::string_view right) {
  std::string data(1, '\x01');
  data.append(left);
  data.append(right);
  return platform::crypto::Sha256(data);
}

std::string EmptyRoot() { return platform::crypto::Sha256(""); }

std::string MemoryNodes::Get(int level, uint64_t index) const {
  ++reads_;
  auto it = nodes_.find({level, index});
  return it == nodes_.end() ? "" : it->second;
}

void MemoryNodes::Put(int level, uint64_t index, std::string hash) {
  ++writes_;
  nodes_[{level, index}] = std::move(hash);
}

uint64_t Tree::Append(std::string leaf_hash) {
  const uint64_t index = size_++;
  std::string hash = std::move(leaf_hash);
  nodes_.Put(0, index, hash);
  // Each completed perfect subtree: its left sibling is stored, the pair becomes the parent.
  uint64_t i = index;
  for (int level = 0; i % 2 == 1; ++level, i /= 2) {
    hash = NodeHash(nodes_.Get(level, i - 1), hash);
    nodes_.Put(level + 1, i / 2, hash);
  }
  return index;
}

absl::StatusOr<std::string> Tree::Subtree(uint64_t begin, uint64_t end) const {
  const uint64_t n = end - begin;
  if (IsPowerOfTwo(n) && begin % n == 0) {
    int level = 0;
    while ((uint64_t{1} << level) < n) ++level;
    std::string h = nodes_.Get(level, begin >> level);
    if (h.empty()) {
      return absl::DataLossError(absl::StrCat("merkle node ", level, "/", begin >> level, " missing"));
    }
    return h;
  }
  const uint64_t k = SplitPoint(n);
  auto left = Subtree(begin, begin + k);
  if (!left.ok()) return left.status();
  auto right = Subtree(begin + k, end);
  if (!right.ok()) return right.status();
  return NodeHash(*left, *right);
}

absl::StatusOr<std::string> Tree::Root(uint64_t tree_size) const {
  if (tree_size > size_) return absl::OutOfRangeError("the tree is not that large yet");
  if (tree_size == 0) return EmptyRoot();
  return Subtree(0, tree_size);
}

absl::Status Tree::Path(uint64_t index, uint64_t begin, uint64_t end,
                        std::vector<std::string>* out) const {
  const uint64_t n = end - begin;
  if (n == 1) return absl::OkStatus();
  const uint64_t k = SplitPoint(n);
  if (index < begin + k) {
    if (absl::Status s = Path(index, begin, begin + k, out); !s.ok()) return s;
    auto right = Subtree(begin + k, end);
    if (!right.ok()) return right.status();
    out->push_back(*std::move(right));
  } else {
    if (absl::Status s = Path(index, begin + k, end, out); !s.ok()) return s;
    auto left = Subtree(begin, begin + k);
    if (!left.ok()) return left.status();
    out->push_back(*std::move(left));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> Tree::InclusionProof(uint64_t index,
                                                              uint64_t tree_size) const {
  if (tree_size > size_) return absl::OutOfRangeError("the tree is not that large yet");
  if (index >= tree_size) return absl::InvalidArgumentError("the leaf is not in that tree");
  std::vector<std::string> out;
  if (absl::Status s = Path(index, 0, tree_size, &out); !s.ok()) return s;
  return out;
}

absl::Status Tree::SubProof(uint64_t m, uint64_t begin, uint64_t end, bool complete,
                            std::vector<std::string>* out) const {
  const uint64_t n = end - begin;
  if (m == n) {
    if (complete) return absl::OkStatus();
    auto h = Subtree(begin, end);
    if (!h.ok()) return h.status();
    out->push_back(*std::move(h));
    return absl::OkStatus();
  }
  const uint64_t k = SplitPoint(n);
  if (m <= k) {
    if (absl::Status s = SubProof(m, begin, begin + k, complete, out); !s.ok()) return s;
    auto right = Subtree(begin + k, end);
    if (!right.ok()) return right.status();
    out->push_back(*std::move(right));
  } else {
    if (absl::Status s = SubProof(m - k, begin + k, end, false, out); !s.ok()) return s;
    auto left = Subtree(begin, begin + k);
    if (!left.ok()) return left.status();
    out->push_back(*std::move(left));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> Tree::ConsistencyProof(uint64_t first,
                                                                uint64_t second) const {
  if (second > size_) return absl::OutOfRangeError("the tree is not that large yet");
  if (first > second) return absl::InvalidArgumentError("first is larger than second");
  std::vector<std::string> out;
  if (first == 0 || first == second) return out;
  if (absl::Status s = SubProof(first, 0, second, true, &out); !s.ok()) return s;
  return out;
}

bool VerifyInclusion(uint64_t index, uint64_t tree_size, std::string_view leaf_hash,
                     const std::vector<std::string>& proof, std::string_view root) {
  if (index >= tree_size) return false;
  uint64_t fn = index, sn = tree_size - 1;
  std::string r(leaf_hash);
  for (const std::string& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) == 1 || fn == sn) {
      r = NodeHash(p, r);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool VerifyConsistency(uint64_t first, uint64_t second, std::string_view first_root,
                       std::string_view second_root, const std::vector<std::string>& proof) {
  if (first > second) return false;
  if (first == second) return proof.empty() && first_root == second_root;
  if (first == 0) return proof.empty();
  if (proof.empty()) return false;
  std::vector<std::string> path;
  if (IsPowerOfTwo(first)) path.emplace_back(first_root);
  path.insert(path.end(), proof.begin(), proof.end());
  uint64_t fn = first - 1, sn = second - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  std::string fr = path[0], sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const std::string& c = path[i];
    if (sn == 0) return false;
    if ((fn & 1) == 1 || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return fr == first_root && sr == second_root && sn == 0;
}

}  // namespace rathaus::efile::merkle
