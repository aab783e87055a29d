// The Meldebestätigung holds exactly the §24(2) BMG fields (checked in the text pdftotext
// extracts from the PDF), renders German characters, and is a real PDF.
#include "domain/certificate.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace rathaus::registrations {
namespace {

constexpr char kFont[] = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

CertificateData Jörg() {
  CertificateData d;
  d.family_name = "Müller-Lüdenscheidt";
  d.given_names = "Jörg Maß Łukasz";
  d.doctoral_degree = "Dr.";
  d.birth = absl::CivilDay(1980, 2, 29);
  d.street = "Andreas-Gayk-Straße 31";
  d.postal_code_city = "24103 Kiel";
  d.moved = absl::CivilDay(2026, 11, 30);
  d.dwelling = "Hauptwohnung";
  d.registered = absl::CivilDay(2026, 12, 3);
  d.authority = "Landeshauptstadt Kiel, Bürgeramt Mitte";
  d.code = "K7M3Q9XP2W";
  d.verify_url = "https://kiel.example/api/v1/registrations/certificates/K7M3Q9XP2W";
  d.issued = absl::FromCivil(absl::CivilSecond(2026, 12, 3, 10, 0, 0), absl::UTCTimeZone());
  return d;
}

// The text lines pdftotext finds (-layout keeps label and value on one line).
std::vector<std::string> TextOf(const std::string& pdf) {
  char name[] = "/tmp/rathaus-certificate-XXXXXX";
  const int fd = mkstemp(name);
  EXPECT_GE(fd, 0);
  close(fd);
  std::ofstream(name, std::ios::binary) << pdf;
  const std::string command = std::string("pdftotext -layout -enc UTF-8 ") + name + " -";
  FILE* p = popen(command.c_str(), "r");
  EXPECT_NE(p, nullptr) << "pdftotext (poppler-utils) is needed";
  std::string text;
  char buf[4096];
  size_t n;
  while (p != nullptr && (n = fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
  if (p != nullptr) {
    EXPECT_EQ(pclose(p), 0);
  }
  std::remove(name);
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    line = absl::StripPrefix(line, "\f");
    if (!line.empty()) {
      // Collapse the layout's column gap to " | ".
      std::string l(line);
      std::string out;
      int spaces = 0;
      for (char c : l) {
        if (c == ' ') {
          ++spaces;
          continue;
        }
        if (spaces > 0) out += spaces >= 2 ? " | " : " ";
        spaces = 0;
        out += c;
      }
      lines.push_back(out);
    }
  }
  return lines;
}

TEST(MeldebestaetigungTest, Bmg24Abs2HoldsExactlyTheFieldsOfTheParagraph) {
  auto font = CertificateFont::Load(kFont);
  ASSERT_TRUE(font.ok()) << font.status();
  auto pdf = RenderCertificate(Jörg(), **font);
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  EXPECT_EQ(pdf->substr(0, 5), "%PDF-");
  EXPECT_LT(pdf->size(), 64u * 1024) << "cairo embeds a subset of the font";
  const std::vector<std::string> expected = {
      "Landeshauptstadt Kiel, Bürgeramt Mitte",
      "Meldebestätigung",
      "über die Anmeldung (§ 24 Abs. 2 Bundesmeldegesetz)",
      "Familienname | Müller-Lüdenscheidt",
      "Vornamen | Jörg Maß Łukasz",
      "Doktorgrad | Dr.",
      "Geburtsdatum | 29.02.1980",
      "Anschrift | Andreas-Gayk-Straße 31",
      "24103 Kiel",
      "Einzugsdatum | 30.11.2026",
      "Art der Wohnung (Haupt- oder Nebenwohnung) | Hauptwohnung",
      "Datum der Anmeldung | 03.12.2026",
      "Prüfcode: K7M3Q9XP2W",
      "Echtheit prüfen: https://kiel.example/api/v1/registrations/certificates/K7M3Q9XP2W",
      "Dieses Dokument wurde elektronisch erstellt und ist ohne Unterschrift gültig.",
  };
  EXPECT_EQ(TextOf(*pdf), expected);
}

TEST(MeldebestaetigungTest, Bmg24Abs2AbmeldungNamesTheMoveOut) {
  auto font = CertificateFont::Load(kFont);
  ASSERT_TRUE(font.ok()) << font.status();
  CertificateData d = Jörg();
  d.move_out = true;
  d.dwelling.clear();
  d.doctoral_degree.clear();
  d.street = "Rue de Rivoli 1";
  d.postal_code_city = "75001 Paris";
  d.country = "FR";
  auto pdf = RenderCertificate(d, **font);
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  const std::vector<std::string> lines = TextOf(*pdf);
  const std::set<std::string> got(lines.begin(), lines.end());
  EXPECT_TRUE(got.contains("über die Abmeldung (§ 24 Abs. 2 Bundesmeldegesetz)"));
  EXPECT_TRUE(got.contains("Auszugsdatum | 30.11.2026"));
  EXPECT_TRUE(got.contains("Datum der Abmeldung | 03.12.2026"));
  EXPECT_TRUE(got.contains("Doktorgrad | –"));
  EXPECT_TRUE(got.contains("75001 Paris, FR"));
  for (const std::string& l : lines) {
    EXPECT_EQ(l.find("Art der Wohnung"), std::string::npos) << l;
    EXPECT_EQ(l.find("Einzugsdatum"), std::string::npos) << l;
  }
}

TEST(MeldebestaetigungTest, AMissingFontIsAnError) {
  EXPECT_FALSE(CertificateFont::Load("/nonexistent/font.ttf").ok());
}

}  // namespace
}  // namespace rathaus::registrations
