#include "shared/crypto/personal_data.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "shared/crypto/crypto.h"

namespace rathaus::platform::crypto {
namespace {

const std::string kLookup(64, 'a');
const std::string kOld(64, '1');
const std::string kNew(64, '2');

DataKeys Keys(const std::string& text) {
  auto keys = DataKeys::Parse(text);
  EXPECT_TRUE(keys.ok()) << keys.status();
  return keys.ok() ? std::move(*keys) : DataKeys();
}

TEST(DataKeysTest, SealsWithoutTheClearTextAndOpensInItsContextOnly) {
  DataKeys keys = Keys(absl::StrCat("lookup ", kLookup, "\nk1 ", kOld, "\n"));
  const std::string sealed = keys.Seal("erika@example.org", "appt:bk:ABC:email");
  EXPECT_TRUE(absl::StartsWith(sealed, "pd1.k1."));
  EXPECT_FALSE(absl::StrContains(sealed, "erika"));
  EXPECT_NE(sealed, keys.Seal("erika@example.org", "appt:bk:ABC:email")) << "random nonce";
  EXPECT_EQ(*keys.Open(sealed, "appt:bk:ABC:email"), "erika@example.org");
  // Copied into another record or field, it does not open.
  EXPECT_EQ(keys.Open(sealed, "appt:bk:XYZ:email").status().code(), absl::StatusCode::kDataLoss);
  std::string tampered = sealed;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(keys.Open(tampered, "appt:bk:ABC:email").ok());
  EXPECT_EQ(keys.Seal("", "ctx"), "");
}

// Two services hash one value alike with a shared key, without sharing their data keys.
TEST(SharedLookupTest, SharedKeyOrTheDataKeysOwn) {
  auto a = DataKeys::Parse(NewDataKeysFile());
  auto b = DataKeys::Parse(NewDataKeysFile());
  ASSERT_TRUE(a.ok() && b.ok());
  const std::string hex(64, 'a');
  auto shared = SharedLookup::Parse("# the serial lookup key\n" + hex + "\n");
  ASSERT_TRUE(shared.ok()) << shared.status();
  EXPECT_EQ(shared->Lookup("serial:T00000001"), Hex(HmacSha256(std::string(32, '\xaa'), "serial:T00000001")));
  EXPECT_NE(a->Lookup("serial:T00000001"), b->Lookup("serial:T00000001"));
  EXPECT_FALSE(SharedLookup::Parse("").ok());
  EXPECT_FALSE(SharedLookup::Parse("abc").ok());
  EXPECT_FALSE(SharedLookup::Parse(hex + "\n" + hex).ok());
  EnvConfig env([](const char*) -> const char* { return nullptr; });
  const SharedLookup fallback = SharedLookup::FromEnv(env, "RATHAUS_SERIAL_LOOKUP_KEY_FILE", *a);
  EXPECT_EQ(fallback.Lookup("serial:T00000001"), a->Lookup("serial:T00000001"));
}

TEST(DataKeysTest, RotationSealsWithTheFirstKeyAndOpensWithAll) {
  DataKeys before = Keys(absl::StrCat("lookup ", kLookup, "\nk1 ", kOld, "\n"));
  const std::string old_value = before.Seal("Erika", "c");
  DataKeys after = Keys(absl::StrCat("# rotated\nlookup ", kLookup, "\nk2 ", kNew, "\nk1 ", kOld));
  EXPECT_TRUE(absl::StartsWith(after.Seal("Erika", "c"), "pd1.k2."));
  EXPECT_EQ(*after.Open(old_value, "c"), "Erika");
  DataKeys dropped = Keys(absl::StrCat("lookup ", kLookup, "\nk2 ", kNew));
  EXPECT_EQ(dropped.Open(old_value, "c").status().code(), absl::StatusCode::kDataLoss);
  // Lookups do not change with rotation.
  EXPECT_EQ(before.Lookup("erika@example.org"), after.Lookup("erika@example.org"));
  EXPECT_EQ(before.Lookup("erika@example.org").size(), 64u);
}

TEST(DataKeysTest, ValuesWrittenBeforeSealingReadAsTheyAre) {
  DataKeys keys = Keys(absl::StrCat("lookup ", kLookup, "\nk1 ", kOld));
  EXPECT_EQ(*keys.Open("Erika Mustermann", "c"), "Erika Mustermann");
  EXPECT_FALSE(DataKeys::IsSealed("Erika"));
}

TEST(DataKeysTest, RejectsBadFiles) {
  EXPECT_FALSE(DataKeys::Parse(absl::StrCat("k1 ", kOld)).ok()) << "no lookup key";
  EXPECT_FALSE(DataKeys::Parse(absl::StrCat("lookup ", kLookup)).ok()) << "no data key";
  EXPECT_FALSE(DataKeys::Parse(absl::StrCat("lookup ", kLookup, "\nk1 abcd")).ok()) << "short";
  EXPECT_FALSE(DataKeys::Parse(absl::StrCat("lookup ", kLookup, "\nk1 ", kOld, "\nk1 ", kNew)).ok());
  EXPECT_FALSE(DataKeys::Parse(absl::StrCat("lookup ", kLookup, "\nk.1 ", kOld)).ok());
  EXPECT_TRUE(DataKeys::Parse(NewDataKeysFile()).ok());
}

}  // namespace
}  // namespace rathaus::platform::crypto
