// The audit log's Merkle tree against RFC 9162 section 2.1: the tree heads of the Certificate
// Transparency reference test data (the leaves "", 00, 10, 2021, 3031, 40414243,
// 5051525354555657, 606162636465666768696a6b6c6d6e6f and the heads of their first 1..8 leaves,
// from google/certificate-transparency's Merkle tree tests; an independent Python implementation
// of the RFC text gave the same eight heads), every inclusion and consistency proof of trees up
// to 70 leaves verified and each of them broken by one changed byte, and the append cost.
#include "domain/merkle.h"

#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "shared/crypto/crypto.h"

namespace rathaus::efile::merkle {
namespace {

std::string Unhex(std::string_view hex) { return absl::HexStringToBytes(std::string(hex)); }
std::string Hex(std::string_view bytes) { return platform::crypto::Hex(bytes); }

TEST(MerkleTest, Rfc9162HeadsOfTheReferenceLeaves) {
  const std::vector<std::string> leaves = {
      "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
      "606162636465666768696a6b6c6d6e6f"};
  const std::vector<std::string> heads = {
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
  MemoryNodes nodes;
  Tree tree(nodes);
  EXPECT_EQ(Hex(*tree.Root(0)), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  for (size_t i = 0; i < leaves.size(); ++i) {
    tree.Append(LeafHash(Unhex(leaves[i])));
    EXPECT_EQ(Hex(*tree.Root(i + 1)), heads[i]) << i + 1 << " leaves";
  }
  // Old heads stay computable from the stored nodes.
  for (size_t i = 0; i < heads.size(); ++i) EXPECT_EQ(Hex(*tree.Root(i + 1)), heads[i]);
  EXPECT_FALSE(tree.Root(9).ok());
}

TEST(MerkleTest, EveryInclusionProofVerifiesAndNoChangedOneDoes) {
  MemoryNodes nodes;
  Tree tree(nodes);
  std::vector<std::string> leaves;
  for (int i = 0; i < 70; ++i) {
    leaves.push_back(LeafHash("entry " + std::to_string(i)));
    tree.Append(leaves.back());
  }
  for (uint64_t n = 1; n <= 70; ++n) {
    const std::string root = *tree.Root(n);
    for (uint64_t m = 0; m < n; ++m) {
      auto proof = tree.InclusionProof(m, n);
      ASSERT_TRUE(proof.ok()) << proof.status();
      ASSERT_TRUE(VerifyInclusion(m, n, leaves[m], *proof, root)) << m << " in " << n;
      if (n > 1) {
        EXPECT_FALSE(VerifyInclusion(m, n, leaves[(m + 1) % n], *proof, root)) << "another leaf";
      }
      // (The size is not proven by the path alone: the signed tree head binds size and head.)
      if (n < 70) {
        EXPECT_FALSE(VerifyInclusion(m, n + 1, leaves[m], *proof, *tree.Root(n + 1)));
      }
      for (size_t k = 0; k < proof->size(); ++k) {
        std::vector<std::string> bad = *proof;
        bad[k][7] ^= 0x01;
        EXPECT_FALSE(VerifyInclusion(m, n, leaves[m], bad, root)) << m << " in " << n << " byte " << k;
      }
      std::string bad_root = root;
      bad_root[0] ^= 0x80;
      EXPECT_FALSE(VerifyInclusion(m, n, leaves[m], *proof, bad_root));
      if (!proof->empty()) {
        std::vector<std::string> shorter(proof->begin(), proof->end() - 1);
        EXPECT_FALSE(VerifyInclusion(m, n, leaves[m], shorter, root));
      }
    }
  }
  EXPECT_FALSE(tree.InclusionProof(70, 70).ok());
  EXPECT_FALSE(VerifyInclusion(3, 3, leaves[3], {}, *tree.Root(3)));
}

TEST(MerkleTest, EveryConsistencyProofVerifiesAndNoChangedOneDoes) {
  MemoryNodes nodes;
  Tree tree(nodes);
  for (int i = 0; i < 70; ++i) tree.Append(LeafHash("entry " + std::to_string(i)));
  for (uint64_t n = 1; n <= 70; ++n) {
    const std::string second = *tree.Root(n);
    for (uint64_t m = 0; m <= n; ++m) {
      const std::string first = *tree.Root(m);
      auto proof = tree.ConsistencyProof(m, n);
      ASSERT_TRUE(proof.ok()) << proof.status();
      ASSERT_TRUE(VerifyConsistency(m, n, first, second, *proof)) << m << " -> " << n;
      if (m == 0 || m == n) continue;
      for (size_t k = 0; k < proof->size(); ++k) {
        std::vector<std::string> bad = *proof;
        bad[k][31] ^= 0x01;
        EXPECT_FALSE(VerifyConsistency(m, n, first, second, bad)) << m << " -> " << n << " at " << k;
      }
      std::string other = first;
      other[5] ^= 0x01;
      EXPECT_FALSE(VerifyConsistency(m, n, other, second, *proof));
      EXPECT_FALSE(VerifyConsistency(m, n, first, *tree.Root(n - 1), *proof) && n - 1 != m)
          << m << " -> " << n << " against another head";
      EXPECT_FALSE(VerifyConsistency(m, n, first, second, {}));
    }
  }
  EXPECT_FALSE(VerifyConsistency(5, 4, *tree.Root(5), *tree.Root(4), {}));
}

// A log whose history was rewritten (one entry changed) is not consistent with the old head.
TEST(MerkleTest, ARewrittenHistoryFailsConsistency) {
  MemoryNodes honest_nodes, forged_nodes;
  Tree honest(honest_nodes), forged(forged_nodes);
  for (int i = 0; i < 40; ++i) {
    honest.Append(LeafHash("entry " + std::to_string(i)));
    forged.Append(LeafHash(i == 17 ? "entry 17 (changed)" : "entry " + std::to_string(i)));
  }
  const std::string old_head = *honest.Root(30);
  auto proof = forged.ConsistencyProof(30, 40);
  ASSERT_TRUE(proof.ok());
  EXPECT_FALSE(VerifyConsistency(30, 40, old_head, *forged.Root(40), *proof));
  EXPECT_TRUE(VerifyConsistency(30, 40, old_head, *honest.Root(40), *honest.ConsistencyProof(30, 40)));
}

// An append writes the leaf and at most log2(n) parents, one on average; a head or a proof reads
// O(log n) nodes.
TEST(MerkleTest, AppendAndProofCostsAreLogarithmic) {
  MemoryNodes nodes;
  Tree tree(nodes);
  constexpr uint64_t kLeaves = 1 << 16;
  for (uint64_t i = 0; i < kLeaves; ++i) tree.Append(LeafHash(std::to_string(i)));
  EXPECT_EQ(nodes.writes(), 2 * kLeaves - 1) << "every node of a perfect tree exactly once";
  size_t before = nodes.reads();
  ASSERT_TRUE(tree.Root(kLeaves - 1).ok());
  EXPECT_LE(nodes.reads() - before, 16u);
  before = nodes.reads();
  ASSERT_TRUE(tree.InclusionProof(12345, kLeaves - 3).ok());
  EXPECT_LE(nodes.reads() - before, 64u);
  before = nodes.reads();
  ASSERT_TRUE(tree.ConsistencyProof(40000, kLeaves - 3).ok());
  EXPECT_LE(nodes.reads() - before, 64u);
}

}  // namespace
}  // namespace rathaus::efile::merkle
