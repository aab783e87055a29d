// Signed tree heads and the offline verifier (issue 17): a head signed with the service's key
// verifies with its public key only; an inclusion proof against it accepts the entry and refuses
// it after one changed byte (in the entry, a path element or the head); a consistency proof
// between two heads refuses a log whose history was rewritten. The last test runs the
// rathaus-e-file verify command on files.
#include "domain/tree_head.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include <google/protobuf/util/json_util.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "domain/merkle.h"
#include "shared/auth/jwt.h"
#include "shared/crypto/crypto.h"

namespace rathaus::efile {
namespace {

using platform::crypto::Hex;

class TreeHeadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = *platform::auth::GenerateEcP256Key();
    for (int i = 0; i < 40; ++i) {
      entries_.push_back(absl::StrCat("{\"op\":\"filed\",\"aktenzeichen\":\"32.10-", i, ".1\"}"));
      tree_.Append(merkle::LeafHash(entries_.back()));
    }
  }
  v1::SignedTreeHead Head(uint64_t size) {
    auto sth = SignTreeHead(key_.private_pem, size, *tree_.Root(size), absl::Now());
    EXPECT_TRUE(sth.ok()) << sth.status();
    return *sth;
  }
  v1::InclusionProof Inclusion(uint64_t index, uint64_t size) {
    v1::InclusionProof p;
    p.set_leaf_index(index);
    p.set_tree_size(size);
    p.set_leaf_hash(Hex(merkle::LeafHash(entries_[index])));
    const std::vector<std::string> path = *tree_.InclusionProof(index, size);
    for (const std::string& h : path) p.add_path(Hex(h));
    return p;
  }
  v1::ConsistencyProof Consistency(uint64_t first, uint64_t second) {
    v1::ConsistencyProof p;
    p.set_first(first);
    p.set_second(second);
    p.set_first_root(Hex(*tree_.Root(first)));
    const std::vector<std::string> path = *tree_.ConsistencyProof(first, second);
    for (const std::string& h : path) p.add_path(Hex(h));
    return p;
  }

  platform::auth::PemKeyPair key_;
  std::vector<std::string> entries_;
  merkle::MemoryNodes nodes_;
  merkle::Tree tree_{nodes_};
};

TEST_F(TreeHeadTest, AHeadVerifiesWithItsKeyOnly) {
  v1::SignedTreeHead sth = Head(40);
  EXPECT_EQ(sth.root_hash().size(), 64u);
  EXPECT_TRUE(absl::EndsWith(sth.timestamp(), "Z"));
  EXPECT_TRUE(VerifyTreeHead(key_.public_pem, sth).ok());
  auto other = *platform::auth::GenerateEcP256Key();
  EXPECT_FALSE(VerifyTreeHead(other.public_pem, sth).ok());
  sth.set_key_id("");  // even without the key id the signature decides
  EXPECT_FALSE(VerifyTreeHead(other.public_pem, sth).ok());
  for (auto change : std::vector<std::function<void(v1::SignedTreeHead*)>>{
           [](v1::SignedTreeHead* s) { s->set_tree_size(s->tree_size() + 1); },
           [](v1::SignedTreeHead* s) { (*s->mutable_root_hash())[0] = s->root_hash()[0] == 'a' ? 'b' : 'a'; },
           [](v1::SignedTreeHead* s) { s->set_timestamp("2020-01-01T00:00:00.000Z"); }}) {
    v1::SignedTreeHead bad = Head(40);
    change(&bad);
    EXPECT_FALSE(VerifyTreeHead(key_.public_pem, bad).ok()) << bad.DebugString();
  }
  auto rsa = *platform::auth::GenerateRsaKey(2048);
  EXPECT_FALSE(SignTreeHead(rsa.private_pem, 1, std::string(32, 'x'), absl::Now()).ok());
}

TEST_F(TreeHeadTest, InclusionAcceptsTheEntryAndRefusesAnyChangedByte) {
  const v1::SignedTreeHead sth = Head(40);
  const v1::InclusionProof proof = Inclusion(17, 40);
  EXPECT_TRUE(VerifyInclusionAgainst(key_.public_pem, sth, proof, entries_[17]).ok());
  std::string changed = entries_[17];
  changed[5] ^= 0x01;
  auto s = VerifyInclusionAgainst(key_.public_pem, sth, proof, changed);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(absl::StrContains(s.message(), "entry changed")) << s;
  for (int k = 0; k < proof.path_size(); ++k) {
    v1::InclusionProof bad = proof;
    std::string& h = (*bad.mutable_path())[k];
    h[10] = h[10] == '0' ? '1' : '0';
    EXPECT_FALSE(VerifyInclusionAgainst(key_.public_pem, sth, bad, entries_[17]).ok()) << k;
  }
  EXPECT_FALSE(VerifyInclusionAgainst(key_.public_pem, Head(39), proof, entries_[17]).ok())
      << "a proof for another size";
}

TEST_F(TreeHeadTest, ConsistencyRefusesARewrittenLog) {
  const v1::SignedTreeHead old_head = Head(25);
  const v1::SignedTreeHead new_head = Head(40);
  EXPECT_TRUE(VerifyConsistencyAgainst(key_.public_pem, old_head, new_head, Consistency(25, 40)).ok());
  // The same key signs a head of a log in which entry 3 was changed afterwards.
  merkle::MemoryNodes forged_nodes;
  merkle::Tree forged(forged_nodes);
  for (int i = 0; i < 40; ++i) forged.Append(merkle::LeafHash(i == 3 ? "changed" : entries_[i]));
  auto forged_head = SignTreeHead(key_.private_pem, 40, *forged.Root(40), absl::Now());
  v1::ConsistencyProof proof;
  proof.set_first(25);
  proof.set_second(40);
  const std::vector<std::string> path = *forged.ConsistencyProof(25, 40);
  for (const std::string& h : path) proof.add_path(Hex(h));
  auto s = VerifyConsistencyAgainst(key_.public_pem, old_head, *forged_head, proof);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(absl::StrContains(s.message(), "rewritten")) << s;
}

std::string WriteFile(const std::string& name, const std::string& content) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/", name);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

template <typename M>
std::string Json(const M& m) {
  std::string out;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(m, &out).ok());
  return out;
}

std::pair<int, std::string> RunCommand(const std::string& command) {
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  std::string out;
  char buf[512];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  return {WEXITSTATUS(status), out};
}

TEST_F(TreeHeadTest, TheVerifyCommandChecksFilesOffline) {
  const std::string cli = RATHAUS_E_FILE_BIN;
  const std::string key = WriteFile("key.pem", key_.public_pem);
  const std::string head = WriteFile("sth.json", Json(Head(40)));
  const std::string old_head = WriteFile("sth-old.json", Json(Head(25)));
  const std::string proof = WriteFile("inclusion.json", Json(Inclusion(17, 40)));
  const std::string entry = WriteFile("entry", entries_[17]);
  const std::string consistency = WriteFile("consistency.json", Json(Consistency(25, 40)));
  auto [code, out] = RunCommand(absl::StrCat(cli, " verify --public-key ", key, " --tree-head ", head,
                                      " --inclusion ", proof, " --entry ", entry));
  EXPECT_EQ(code, 0) << out;
  EXPECT_TRUE(absl::StartsWith(out, "OK: the entry is leaf 17 of the log of 40 entries")) << out;
  std::tie(code, out) = RunCommand(absl::StrCat(cli, " verify --public-key ", key, " --tree-head ", old_head,
                                         " --tree-head ", head, " --consistency ", consistency));
  EXPECT_EQ(code, 0) << out;
  // One byte of the entry changed: refused.
  std::string changed = entries_[17];
  changed.back() = ' ';
  WriteFile("entry", changed);
  std::tie(code, out) = RunCommand(absl::StrCat(cli, " verify --public-key ", key, " --tree-head ", head,
                                         " --inclusion ", proof, " --entry ", entry));
  EXPECT_EQ(code, 1) << out;
  EXPECT_TRUE(absl::StartsWith(out, "FAILED: ")) << out;
  std::tie(code, out) = RunCommand(absl::StrCat(cli, " verify --tree-head ", head));
  EXPECT_EQ(code, 2) << out;
}

}  // namespace
}  // namespace rathaus::efile
