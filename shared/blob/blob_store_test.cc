#include "shared/blob/blob_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace rathaus::platform {
namespace {

class BlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rathaus-blob-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(absl::StrCat("rm -rf '", dir_, "'").c_str()); }
  std::string dir_;
};

TEST_F(BlobStoreTest, PutThenGetByHash) {
  BlobStore blobs(dir_ + "/a/b");
  ASSERT_TRUE(blobs.Open().ok());
  auto sha = blobs.Put("abc");
  ASSERT_TRUE(sha.ok()) << sha.status();
  // FIPS 180-2 test vector.
  EXPECT_EQ(*sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  struct stat st {};
  EXPECT_EQ(stat(absl::StrCat(dir_, "/a/b/ba/", *sha).c_str(), &st), 0);
  auto back = blobs.Get(*sha);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, "abc");
  // The same bytes again: same name, no error.
  auto again = blobs.Put("abc");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *sha);
}

// A batch (written by two threads once it has 16 new blobs or more): one name per item in order,
// the same bytes twice written once, a blob already there kept, no temporary file left behind.
TEST_F(BlobStoreTest, PutManyNamesEveryItemInOrderAndLeavesNoTemporaryFiles) {
  BlobStore blobs(dir_ + "/many");
  ASSERT_TRUE(blobs.Open().ok());
  ASSERT_TRUE(blobs.Put("already here").ok());
  std::vector<std::string> contents;
  for (int i = 0; i < 40; ++i) contents.push_back(absl::StrCat("document ", i, std::string(i * 37, 'x')));
  contents.push_back("document 7" + std::string(7 * 37, 'x'));  // = item 7
  contents.push_back("already here");
  std::vector<std::string_view> items(contents.begin(), contents.end());
  auto names = blobs.PutMany(items);
  ASSERT_TRUE(names.ok()) << names.status();
  ASSERT_EQ(names->size(), contents.size());
  for (size_t i = 0; i < contents.size(); ++i) {
    auto back = blobs.Get((*names)[i]);
    ASSERT_TRUE(back.ok()) << i << ": " << back.status();
    EXPECT_EQ(*back, contents[i]) << i;
  }
  EXPECT_EQ((*names)[40], (*names)[7]);
  const std::string leftovers =
      absl::StrCat("find '", dir_, "/many' -name '.tmp-*' | wc -l");
  FILE* p = popen(leftovers.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[32] = {};
  ASSERT_NE(fgets(buf, sizeof buf, p), nullptr);
  pclose(p);
  EXPECT_EQ(std::string(buf), "0\n") << "temporary files left";
}

TEST_F(BlobStoreTest, BinaryAndEmptyContent) {
  BlobStore blobs(dir_);
  ASSERT_TRUE(blobs.Open().ok());
  const std::string binary("\0\x01\xff<x/>\0", 8);
  auto sha = blobs.Put(binary);
  ASSERT_TRUE(sha.ok());
  EXPECT_EQ(*blobs.Get(*sha), binary);
  auto empty = blobs.Put("");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(*blobs.Get(*empty), "");
}

TEST_F(BlobStoreTest, UnknownBadAndCorruptNames) {
  BlobStore blobs(dir_);
  ASSERT_TRUE(blobs.Open().ok());
  EXPECT_EQ(blobs.Get(std::string(64, 'a')).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(blobs.Get("../../etc/passwd").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(blobs.Get(std::string(64, 'A')).status().code(), absl::StatusCode::kInvalidArgument);
  auto sha = blobs.Put("original");
  ASSERT_TRUE(sha.ok());
  std::ofstream(absl::StrCat(dir_, "/", sha->substr(0, 2), "/", *sha), std::ios::trunc) << "tampered";
  EXPECT_EQ(blobs.Get(*sha).status().code(), absl::StatusCode::kDataLoss);
}

// Sets a file's time `age` into the past.
void Age(const std::string& path, absl::Duration age) {
  const timespec t = absl::ToTimespec(absl::Now() - age);
  const timespec times[2] = {t, t};
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0) << path << ": " << std::strerror(errno);
}

TEST_F(BlobStoreTest, CollectRemovesOnlyOldBlobsNoRecordNames) {
  BlobStore blobs(dir_);
  ASSERT_TRUE(blobs.Open().ok());
  const std::string named = *blobs.Put("named");
  const std::string orphan = *blobs.Put("orphan");
  const std::string young = *blobs.Put("young orphan");
  auto path = [&](const std::string& sha) { return absl::StrCat(dir_, "/", sha.substr(0, 2), "/", sha); };
  Age(path(named), absl::Hours(7));
  Age(path(orphan), absl::Hours(7));
  Age(path(young), absl::Hours(1));
  const std::string stray = absl::StrCat(dir_, "/", orphan.substr(0, 2), "/.tmp-", orphan, "-x");
  std::ofstream(stray) << "half";
  Age(stray, absl::Hours(7));
  int asked = 0;
  auto in_use = [&]() -> absl::StatusOr<absl::flat_hash_set<std::string>> {
    ++asked;
    return absl::flat_hash_set<std::string>{named};
  };
  auto done = blobs.Collect(absl::Hours(6), in_use);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(done->blobs, 3);
  EXPECT_EQ(done->removed, 1);
  EXPECT_EQ(done->temporaries, 1);
  EXPECT_TRUE(blobs.Get(named).ok());
  EXPECT_EQ(blobs.Get(orphan).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(blobs.Get(young).ok()) << "within the grace period";
  // Nothing old left: the records are not even asked.
  Age(path(named), absl::Hours(1));
  auto again = blobs.Collect(absl::Hours(6), [&]() -> absl::StatusOr<absl::flat_hash_set<std::string>> {
    ADD_FAILURE() << "asked without an old blob";
    return absl::flat_hash_set<std::string>{};
  });
  EXPECT_TRUE(again.ok());
  // A failing look-up removes nothing.
  Age(path(young), absl::Hours(7));
  auto failed = blobs.Collect(absl::Hours(6), []() -> absl::StatusOr<absl::flat_hash_set<std::string>> {
    return absl::UnavailableError("redis down");
  });
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(blobs.Get(young).ok());
}

// A Put of bytes already stored renews their time: an old unnamed blob that a new record is
// about to name (the Put came while the records were read) survives the collection.
TEST_F(BlobStoreTest, APutDuringACollectionKeepsItsBlob) {
  BlobStore blobs(dir_);
  ASSERT_TRUE(blobs.Open().ok());
  const std::string sha = *blobs.Put("again");
  Age(absl::StrCat(dir_, "/", sha.substr(0, 2), "/", sha), absl::Hours(7));
  auto done = blobs.Collect(absl::Hours(6), [&]() -> absl::StatusOr<absl::flat_hash_set<std::string>> {
    EXPECT_EQ(*blobs.Put("again"), sha);  // arrives after the listing, before the removal
    return absl::flat_hash_set<std::string>{};
  });
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->removed, 0);
  auto back = blobs.Get(sha);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, "again");
}

TEST_F(BlobStoreTest, UnwritableRootIsRefusedAtOpen) {
  if (geteuid() == 0) {
    // root writes anywhere; a path under a regular file cannot be created by anyone.
    std::ofstream(dir_ + "/file") << "x";
    BlobStore blobs(dir_ + "/file/blobs");
    EXPECT_EQ(blobs.Open().code(), absl::StatusCode::kFailedPrecondition);
    return;
  }
  chmod(dir_.c_str(), 0500);
  BlobStore blobs(dir_ + "/blobs");
  EXPECT_EQ(blobs.Open().code(), absl::StatusCode::kFailedPrecondition);
  chmod(dir_.c_str(), 0700);
}

}  // namespace
}  // namespace rathaus::platform
