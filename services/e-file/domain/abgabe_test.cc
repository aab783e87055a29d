// The export package: a zip that standard tools read (Info-ZIP's unzip), the index lists every file with its SHA-256, and one changed byte is found.
#include "domain/abgabe.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "shared/crypto/crypto.h"

namespace rathaus::efile {
namespace {

Abgabe Sample() {
  Abgabe a{.id = "0b5c2a9e-5f7e-4d4a-9b1e-2f0c8d7a6e51",
           .created = absl::FromUnixSeconds(1796000000),
           .authority = "Landeshauptstadt Kiel"};
  AbgabeVorgang v;
  v.aktenzeichen = "00.10-1.1";
  v.item = "00.10";
  v.akte = "00.10-1";
  v.akte_title = "2026";
  v.subject = "Geschäftsverteilungsplan <2026> & \"Anlagen\"";
  v.disposal = "A";
  AbgabeDocument d;
  d.aktenzeichen = "00.10-1.1-1";
  d.title = "Plan";
  d.kind = "original";
  d.media_type = "application/xml";
  d.bytes = "<plan>Dezernat III</plan>\n";
  d.sha256 = platform::crypto::Hex(platform::crypto::Sha256(d.bytes));
  v.documents.push_back(d);
  d.aktenzeichen = "00.10-1.1-2";
  d.media_type = "application/pdf";
  d.bytes = std::string("%PDF-1.7\n\0\x01\xff binary", 22);
  d.sha256 = platform::crypto::Hex(platform::crypto::Sha256(d.bytes));
  v.documents.push_back(d);
  a.vorgaenge.push_back(v);
  return a;
}

TEST(AbgabeTest, CrcOfTheStandardCheckValue) { EXPECT_EQ(Crc32("123456789"), 0xCBF43926u); }

TEST(AbgabeTest, PackageListsEveryFileWithItsChecksum) {
  auto zip = BuildAbgabe(Sample());
  ASSERT_TRUE(zip.ok()) << zip.status();
  auto check = VerifyAbgabe(*zip);
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_EQ(check->vorgaenge, 1);
  EXPECT_EQ(check->documents, 2);
  EXPECT_EQ(check->files, 6);  // vorgang.xml, akte, 2 x (metadata + content)
  auto entries = ReadStoredZip(*zip);
  ASSERT_TRUE(entries.ok());
  bool found_pdf = false;
  for (const ZipEntry& e : *entries) {
    if (e.name == "vorgaenge/00.10-1.1/dokumente/00.10-1.1-2/inhalt.pdf") {
      found_pdf = true;
      EXPECT_EQ(e.data, Sample().vorgaenge[0].documents[1].bytes);
    }
    if (e.name == "vorgaenge/00.10-1.1/vorgang.xml") {
      EXPECT_TRUE(absl::StrContains(
          e.data, "<betreff>Geschäftsverteilungsplan &lt;2026&gt; &amp; &quot;Anlagen&quot;</betreff>"))
          << e.data;
    }
  }
  EXPECT_TRUE(found_pdf);
}

TEST(AbgabeTest, OneChangedByteIsFound) {
  auto zip = BuildAbgabe(Sample());
  ASSERT_TRUE(zip.ok());
  std::string changed = *zip;
  const size_t at = changed.find("Dezernat III");
  ASSERT_NE(at, std::string::npos);
  changed[at] = 'd';
  EXPECT_FALSE(VerifyAbgabe(changed).ok());  // the CRC-32 already
  // Changed with a matching CRC (rewritten as a new zip): the SHA-256 in the index catches it.
  auto entries = ReadStoredZip(*zip);
  ASSERT_TRUE(entries.ok());
  for (ZipEntry& e : *entries) {
    if (e.data == "<plan>Dezernat III</plan>\n") e.data = "<plan>Dezernat IV</plan>\n";
  }
  auto rewritten = WriteStoredZip(*entries, absl::Now());
  ASSERT_TRUE(rewritten.ok());
  auto check = VerifyAbgabe(*rewritten);
  ASSERT_FALSE(check.ok());
  EXPECT_TRUE(absl::StrContains(check.status().message(), "SHA-256")) << check.status();
}

// A standard zip reader accepts the package: Info-ZIP's unzip (deps/apt-packages-dev.txt) tests
// every entry's CRC and lists the 7 files.
TEST(AbgabeTest, UnzipReadsIt) {
  auto zip = BuildAbgabe(Sample());
  ASSERT_TRUE(zip.ok());
  const std::string path = "/tmp/rathaus-abgabe-test.zip";
  std::ofstream(path, std::ios::binary) << *zip;
  auto run = [](const std::string& command) {
    FILE* p = popen((command + " 2>&1").c_str(), "r");
    std::string out;
    char buf[512];
    size_t n;
    while (p != nullptr && (n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    if (p != nullptr) pclose(p);
    return out;
  };
  EXPECT_TRUE(absl::StrContains(run("unzip -tq " + path), "No errors detected")) << run("unzip -t " + path);
  const std::string names = run("unzip -Z1 " + path);
  EXPECT_TRUE(absl::StartsWith(names, "abgabe.xml\n")) << names;
  EXPECT_TRUE(absl::StrContains(names, "vorgaenge/00.10-1.1/dokumente/00.10-1.1-2/inhalt.pdf\n")) << names;
  std::remove(path.c_str());
}

}  // namespace
}  // namespace rathaus::efile
