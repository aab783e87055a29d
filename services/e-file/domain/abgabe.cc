#include "domain/abgabe.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "shared/crypto/crypto.h"

namespace rathaus::efile {
namespace {

constexpr uint64_t kMaxZip = 0xFFFFFFFFull;  // no zip64

void Put16(std::string* out, uint32_t v) {
  out->push_back(static_cast<char>(v & 0xFF));
  out->push_back(static_cast<char>((v >> 8) & 0xFF));
}
void Put32(std::string* out, uint32_t v) {
  Put16(out, v & 0xFFFF);
  Put16(out, v >> 16);
}
uint32_t Get16(std::string_view s, size_t at) {
  return static_cast<uint8_t>(s[at]) | (static_cast<uint32_t>(static_cast<uint8_t>(s[at + 1])) << 8);
}
uint32_t Get32(std::string_view s, size_t at) { return Get16(s, at) | (Get16(s, at + 2) << 16); }

// MS-DOS date and time of the entries (the zip format's own; local time is not known here, UTC).
void DosTime(absl::Time t, uint32_t* time, uint32_t* date) {
  const absl::CivilSecond c = absl::ToCivilSecond(t, absl::UTCTimeZone());
  const int year = static_cast<int>(std::max<int64_t>(1980, c.year()));
  *time = static_cast<uint32_t>((c.hour() << 11) | (c.minute() << 5) | (c.second() / 2));
  *date = static_cast<uint32_t>(((year - 1980) << 9) | (c.month() << 5) | c.day());
}

std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 allows no other C0 control characters than tab, LF and CR.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out += "\xEF\xBF\xBD";  // U+FFFD
        } else {
          out.push_back(c);
        }
    }
  }
  return out;
}

std::string Element(const std::string& indent, const std::string& name, std::string_view value) {
  return absl::StrCat(indent, "<", name, ">", Escape(value), "</", name, ">\n");
}

std::string Extension(std::string_view media) {
  if (media == "application/pdf") return ".pdf";
  if (media == "application/xml") return ".xml";
  if (media == "application/json" || media == "application/cloudevents+json") return ".json";
  return ".bin";
}

constexpr char kHeader[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
constexpr char kNamespace[] = "urn:rathaus:e-file:abgabe:1";

std::string Attribute(std::string_view text, size_t at, const std::string& name) {
  const std::string key = absl::StrCat(" ", name, "=\"");
  const size_t start = text.find(key, at);
  const size_t end_of_tag = text.find('>', at);
  if (start == std::string_view::npos || start > end_of_tag) return "";
  const size_t value = start + key.size();
  const size_t close = text.find('"', value);
  return close == std::string_view::npos ? "" : std::string(text.substr(value, close - value));
}

}  // namespace

uint32_t Crc32(std::string_view data) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t n = 0; n < 256; ++n) {
      uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (char ch : data) c = table[(c ^ static_cast<uint8_t>(ch)) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

absl::StatusOr<std::string> WriteStoredZip(const std::vector<ZipEntry>& entries, absl::Time mtime) {
  uint64_t total = 22;
  for (const ZipEntry& e : entries) total += 30 + 46 + 2 * e.name.size() + e.data.size();
  if (total > kMaxZip || entries.size() > 0xFFFF) {
    return absl::InvalidArgumentError("the package is larger than 4 GiB or 65,535 files: export less at once");
  }
  uint32_t time = 0, date = 0;
  DosTime(mtime, &time, &date);
  std::string out, central;
  out.reserve(total);
  for (const ZipEntry& e : entries) {
    const uint32_t offset = static_cast<uint32_t>(out.size());
    const uint32_t crc = Crc32(e.data);
    const uint32_t size = static_cast<uint32_t>(e.data.size());
    // Local file header.
    Put32(&out, 0x04034b50);
    Put16(&out, 10);        // version needed: 1.0 (stored)
    Put16(&out, 1 << 11);   // UTF-8 names
    Put16(&out, 0);         // stored
    Put16(&out, time);
    Put16(&out, date);
    Put32(&out, crc);
    Put32(&out, size);
    Put32(&out, size);
    Put16(&out, static_cast<uint32_t>(e.name.size()));
    Put16(&out, 0);
    out += e.name;
    out += e.data;
    // Central directory record.
    Put32(&central, 0x02014b50);
    Put16(&central, (3 << 8) | 20);  // made by: Unix, 2.0
    Put16(&central, 10);
    Put16(&central, 1 << 11);
    Put16(&central, 0);
    Put16(&central, time);
    Put16(&central, date);
    Put32(&central, crc);
    Put32(&central, size);
    Put32(&central, size);
    Put16(&central, static_cast<uint32_t>(e.name.size()));
    Put16(&central, 0);
    Put16(&central, 0);
    Put16(&central, 0);
    Put16(&central, 0);
    Put32(&central, 0100644u << 16);  // -rw-r--r--
    Put32(&central, offset);
    central += e.name;
  }
  const uint32_t central_offset = static_cast<uint32_t>(out.size());
  out += central;
  Put32(&out, 0x06054b50);
  Put16(&out, 0);
  Put16(&out, 0);
  Put16(&out, static_cast<uint32_t>(entries.size()));
  Put16(&out, static_cast<uint32_t>(entries.size()));
  Put32(&out, static_cast<uint32_t>(central.size()));
  Put32(&out, central_offset);
  Put16(&out, 0);
  return out;
}

absl::StatusOr<std::vector<ZipEntry>> ReadStoredZip(std::string_view zip) {
  auto bad = [](const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat("not a package zip: ", why));
  };
  if (zip.size() < 22) return bad("too short");
  const size_t eocd = zip.size() - 22;  // no archive comment
  if (Get32(zip, eocd) != 0x06054b50) return bad("no end of central directory");
  const uint32_t count = Get16(zip, eocd + 10);
  size_t at = Get32(zip, eocd + 16);
  std::vector<ZipEntry> out;
  for (uint32_t i = 0; i < count; ++i) {
    if (at + 46 > zip.size() || Get32(zip, at) != 0x02014b50) return bad("damaged central directory");
    const uint32_t method = Get16(zip, at + 10);
    const uint32_t crc = Get32(zip, at + 16);
    const uint32_t size = Get32(zip, at + 20);
    const uint32_t name_len = Get16(zip, at + 28);
    const uint32_t extra_len = Get16(zip, at + 30);
    const uint32_t comment_len = Get16(zip, at + 32);
    const uint32_t local = Get32(zip, at + 42);
    if (at + 46 + name_len > zip.size()) return bad("damaged central directory");
    ZipEntry e;
    e.name = std::string(zip.substr(at + 46, name_len));
    if (method != 0) return bad(absl::StrCat(e.name, " is compressed"));
    if (local + 30 > zip.size() || Get32(zip, local) != 0x04034b50) return bad("damaged entry");
    const size_t data = local + 30 + Get16(zip, local + 26) + Get16(zip, local + 28);
    if (data + size > zip.size()) return bad(absl::StrCat(e.name, " is cut off"));
    e.data = std::string(zip.substr(data, size));
    if (Crc32(e.data) != crc) return bad(absl::StrCat(e.name, ": CRC-32 mismatch"));
    out.push_back(std::move(e));
    at += 46 + name_len + extra_len + comment_len;
  }
  return out;
}

absl::StatusOr<std::string> BuildAbgabe(const Abgabe& a) {
  const std::string created = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", a.created, absl::UTCTimeZone());
  std::vector<ZipEntry> files;
  std::map<std::string, std::string> akten;  // "20.30-1" -> its title and item
  for (const AbgabeVorgang& v : a.vorgaenge) {
    if (!akten.count(v.akte)) {
      akten[v.akte] = absl::StrCat(
          kHeader, "<akte xmlns=\"", kNamespace, "\" aktenzeichen=\"", Escape(v.akte), "\">\n",
          Element("  ", "titel", v.akte_title),
          Element("  ", "aktenplaneinheit", v.item), Element("  ", "aktenplantitel", v.item_title),
          "</akte>\n");
    }
    const std::string dir = absl::StrCat("vorgaenge/", v.aktenzeichen, "/");
    std::string xml = absl::StrCat(
        kHeader, "<vorgang xmlns=\"", kNamespace, "\" aktenzeichen=\"", Escape(v.aktenzeichen),
        "\" akte=\"", Escape(v.akte), "\">\n", Element("  ", "betreff", v.subject),
        Element("  ", "herkunft", v.source_service), Element("  ", "herkunftskennung", v.source_id),
        Element("  ", "organisationseinheit", v.department),
        Element("  ", "zugriffsklasse", v.access_class), Element("  ", "eroeffnet", v.opened_at),
        Element("  ", "abgeschlossen", v.closed_at),
        Element("  ", "aussonderungsdatum", v.disposal_date),
        Element("  ", "aussonderungsart", v.disposal), "  <dokumente>\n");
    for (const AbgabeDocument& d : v.documents) {
      // dokumente/<Aktenzeichen>/dokument.xml (metadata) and inhalt.<ext> (the bytes as filed).
      const std::string folder = absl::StrCat(dir, "dokumente/", d.aktenzeichen, "/");
      const std::string content = absl::StrCat(folder, "inhalt", Extension(d.media_type));
      absl::StrAppend(&xml, "    <dokument aktenzeichen=\"", Escape(d.aktenzeichen), "\" datei=\"",
                      Escape(content), "\"/>\n");
      files.push_back({folder + "dokument.xml",
                       absl::StrCat(kHeader, "<dokument xmlns=\"", kNamespace, "\" aktenzeichen=\"",
                                    Escape(d.aktenzeichen), "\" version=\"", d.version, "\">\n",
                                    Element("  ", "titel", d.title), Element("  ", "art", d.kind),
                                    Element("  ", "medientyp", d.media_type),
                                    Element("  ", "abgelegt", d.filed_at),
                                    Element("  ", "groesse", absl::StrCat(d.bytes.size())),
                                    Element("  ", "sha256", d.sha256),
                                    Element("  ", "datei", content), "</dokument>\n")});
      files.push_back({content, d.bytes});
    }
    absl::StrAppend(&xml, "  </dokumente>\n</vorgang>\n");
    files.push_back({dir + "vorgang.xml", std::move(xml)});
  }
  for (auto& [az, xml] : akten) files.push_back({absl::StrCat("akten/", az, ".xml"), xml});
  std::string index = absl::StrCat(kHeader, "<abgabe xmlns=\"", kNamespace, "\" id=\"",
                                   Escape(a.id), "\" erstellt=\"", created, "\">\n",
                                   Element("  ", "absender", a.authority),
                                   Element("  ", "vorgaenge", absl::StrCat(a.vorgaenge.size())));
  for (const ZipEntry& f : files) {
    absl::StrAppend(&index, "  <datei pfad=\"", Escape(f.name), "\" sha256=\"",
                    platform::crypto::Hex(platform::crypto::Sha256(f.data)), "\" groesse=\"",
                    f.data.size(), "\"/>\n");
  }
  absl::StrAppend(&index, "</abgabe>\n");
  files.insert(files.begin(), ZipEntry{"abgabe.xml", std::move(index)});
  return WriteStoredZip(files, a.created);
}

absl::StatusOr<AbgabeCheck> VerifyAbgabe(std::string_view zip) {
  auto entries = ReadStoredZip(zip);
  if (!entries.ok()) return entries.status();
  if (entries->empty() || (*entries)[0].name != "abgabe.xml") {
    return absl::FailedPreconditionError("the package has no abgabe.xml first");
  }
  const std::string& index = (*entries)[0].data;
  std::map<std::string, std::string> listed;  // path -> sha256
  for (size_t at = index.find("<datei "); at != std::string::npos; at = index.find("<datei ", at + 1)) {
    listed[Attribute(index, at, "pfad")] = Attribute(index, at, "sha256");
  }
  AbgabeCheck check;
  std::set<std::string> seen;
  for (size_t i = 1; i < entries->size(); ++i) {
    const ZipEntry& e = (*entries)[i];
    auto it = listed.find(e.name);
    if (it == listed.end()) {
      return absl::FailedPreconditionError(absl::StrCat(e.name, " is not listed in abgabe.xml"));
    }
    if (platform::crypto::Hex(platform::crypto::Sha256(e.data)) != it->second) {
      return absl::FailedPreconditionError(absl::StrCat(e.name, ": its SHA-256 differs from abgabe.xml"));
    }
    seen.insert(e.name);
    ++check.files;
    if (e.name.size() > 12 && e.name.compare(e.name.size() - 12, 12, "/vorgang.xml") == 0) ++check.vorgaenge;
    if (e.name.find("/dokumente/") != std::string::npos) ++check.documents;  // metadata + content
  }
  check.documents /= 2;
  for (const auto& [path, unused] : listed) {
    if (!seen.count(path)) return absl::FailedPreconditionError(absl::StrCat(path, " is missing"));
  }
  return check;
}

}  // namespace rathaus::efile
