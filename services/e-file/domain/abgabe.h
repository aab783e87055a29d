// The e-file's export package ("Abgabe" to the archive, modelled on xdomea's Aussonderung): a zip
// with one XML metadata document per Akte, Vorgang and Dokument, the documents themselves, and an
// index (abgabe.xml) naming every file of the package with its SHA-256. The XML lives in the
// namespace urn:rathaus:e-file:abgabe:1; its elements are documented in the README ("Export
// package"). Entries are stored uncompressed (method 0): the documents are what they are, a
// reader needs no inflater, and checksums cover the exact bytes.
//
//   Abgabe a{.id = "…", .created = now, .authority = "Landeshauptstadt Kiel"};
//   a.vorgaenge.push_back({...});                      // with their documents' bytes
//   std::string zip = BuildAbgabe(a);                   // INVALID_ARGUMENT above 4 GiB (no zip64)
//   auto check = VerifyAbgabe(zip);                     // every file listed and its SHA-256 right
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace rathaus::efile {

struct ZipEntry {
  std::string name;
  std::string data;
};

// A zip (PKWARE APPNOTE 6.3, no zip64) of stored entries; names are UTF-8 (flag bit 11).
absl::StatusOr<std::string> WriteStoredZip(const std::vector<ZipEntry>& entries, absl::Time mtime);
// Reads a zip of stored entries (what WriteStoredZip writes), checking each entry's CRC-32.
absl::StatusOr<std::vector<ZipEntry>> ReadStoredZip(std::string_view zip);

uint32_t Crc32(std::string_view data);

struct AbgabeDocument {
  std::string aktenzeichen;  // 20.30-1.4-2
  std::string title, kind, media_type, filed_at, sha256;
  int version = 1;
  std::string bytes;
};

struct AbgabeVorgang {
  std::string aktenzeichen;  // 20.30-1.4
  std::string item, item_title, akte, akte_title, subject, source_service, source_id;
  std::string department, access_class, opened_at, closed_at, disposal_date, disposal;
  std::vector<AbgabeDocument> documents;
};

struct Abgabe {
  std::string id;
  absl::Time created;
  std::string authority;  // the sending authority
  std::vector<AbgabeVorgang> vorgaenge;
};

absl::StatusOr<std::string> BuildAbgabe(const Abgabe& abgabe);

struct AbgabeCheck {
  int files = 0;      // files the index lists, all present with the right SHA-256
  int vorgaenge = 0;
  int documents = 0;
};
// FAILED_PRECONDITION naming the first file that is missing, unlisted or changed.
absl::StatusOr<AbgabeCheck> VerifyAbgabe(std::string_view zip);

}  // namespace rathaus::efile
