// The e-file's audit log is a Merkle tree as RFC 9162 (Certificate Transparency 2.0) section 2.1
// defines it: leaf hashes SHA-256(0x00 || entry), node hashes SHA-256(0x01 || left || right), the
// tree over n leaves split at the largest power of two below n. This file has the algorithms:
// the tree head, inclusion and consistency proofs and their verification (RFC 9162 2.1.3 and
// 2.1.4), over a store of perfect-subtree hashes so that an append writes O(1) amortised and at
// most log2(n) nodes, and a head or a proof reads O(log n) nodes. Issue 17 puts the node store in
// Redis; MemoryNodes serves tests and the offline verifier.
//
//   merkle::MemoryNodes nodes;
//   merkle::Tree tree(nodes);
//   tree.Append(merkle::LeafHash("filed 32.10-7.1"));          // index 0
//   std::string head = *tree.Root(tree.size());
//   auto proof = *tree.InclusionProof(0, tree.size());
//   merkle::VerifyInclusion(0, tree.size(), merkle::LeafHash("filed 32.10-7.1"), proof, head);
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace rathaus::efile::merkle {

// 32-byte SHA-256 values as std::string (raw bytes).
std::string LeafHash(std::string_view entry);
std::string NodeHash(std::string_view left, std::string_view right);
// The head of the empty tree: SHA-256 of nothing.
std::string EmptyRoot();

// Hashes of perfect subtrees: Node(level, index) covers leaves [index << level, (index + 1) <<
// level). Level 0 holds the leaf hashes.
class NodeStore {
 public:
  virtual ~NodeStore() = default;
  // "" when the node is not stored (yet).
  virtual std::string Get(int level, uint64_t index) const = 0;
  virtual void Put(int level, uint64_t index, std::string hash) = 0;
};

class MemoryNodes final : public NodeStore {
 public:
  std::string Get(int level, uint64_t index) const override;
  void Put(int level, uint64_t index, std::string hash) override;
  size_t reads() const { return reads_; }
  size_t writes() const { return writes_; }

 private:
  std::map<std::pair<int, uint64_t>, std::string> nodes_;
  mutable size_t reads_ = 0;
  size_t writes_ = 0;
};

class Tree {
 public:
  // `size`: how many leaves `nodes` already holds.
  explicit Tree(NodeStore& nodes, uint64_t size = 0) : nodes_(nodes), size_(size) {}

  uint64_t size() const { return size_; }
  // Adds a leaf hash; returns its index. Writes the leaf and each perfect subtree it completes.
  uint64_t Append(std::string leaf_hash);

  // MTH of the first `tree_size` leaves (any size up to size(): old heads stay provable).
  absl::StatusOr<std::string> Root(uint64_t tree_size) const;
  // RFC 9162 2.1.3.1: the audit path of leaf `index` in the tree of `tree_size` leaves.
  absl::StatusOr<std::vector<std::string>> InclusionProof(uint64_t index, uint64_t tree_size) const;
  // RFC 9162 2.1.4.1: the proof that the tree of `first` leaves is a prefix of the one of `second`.
  absl::StatusOr<std::vector<std::string>> ConsistencyProof(uint64_t first, uint64_t second) const;

 private:
  // MTH of leaves [begin, end), begin < end.
  absl::StatusOr<std::string> Subtree(uint64_t begin, uint64_t end) const;
  absl::Status Path(uint64_t index, uint64_t begin, uint64_t end,
                    std::vector<std::string>* out) const;
  absl::Status SubProof(uint64_t m, uint64_t begin, uint64_t end, bool complete,
                        std::vector<std::string>* out) const;

  NodeStore& nodes_;
  uint64_t size_;
};

// RFC 9162 2.1.3.2.
bool VerifyInclusion(uint64_t index, uint64_t tree_size, std::string_view leaf_hash,
                     const std::vector<std::string>& proof, std::string_view root);
// RFC 9162 2.1.4.2 (first == second: an empty proof and equal heads; first == 0: an empty proof).
bool VerifyConsistency(uint64_t first, uint64_t second, std::string_view first_root,
                       std::string_view second_root, const std::vector<std::string>& proof);

}  // namespace rathaus::efile::merkle
