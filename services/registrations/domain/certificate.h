// The Meldebestätigung (§24(2) BMG) as a PDF, one per person: exactly the fields of
// kCertificateFields (rules.h), the issuing office and the verification code with the address
// where anyone can check it — nothing else of the register. Made with cairo (PDF surface) and a
// TrueType font through FreeType (DejaVu Sans by default: Latin, umlauts, ß and the letters of
// DIN SPEC 91379 names); cairo embeds only the glyphs used.
//
//   auto font = CertificateFont::Load("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
//   absl::StatusOr<std::string> pdf = RenderCertificate(data, **font);
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace rathaus::registrations {

struct CertificateData {
  std::string family_name;
  std::string given_names;
  std::string doctoral_degree;  // may be empty: the line says "–"
  absl::CivilDay birth;
  std::string street;           // "Andreas-Gayk-Straße 31"
  std::string postal_code_city; // "24103 Kiel"
  std::string country;          // empty in Germany
  bool move_out = false;        // an Abmeldung: Auszugsdatum, Datum der Abmeldung
  absl::CivilDay moved;         // Einzugsdatum (Auszugsdatum)
  std::string dwelling;         // "Hauptwohnung" or "Nebenwohnung"; empty for an Abmeldung
  absl::CivilDay registered;    // Datum der An-/Abmeldung
  std::string authority;        // "Landeshauptstadt Kiel, Bürgeramt Mitte"
  std::string code;             // the verification code
  std::string verify_url;       // where the code is checked
  absl::Time issued;            // the PDF's creation date
};

// A loaded TrueType font, shared by every rendering (thread-safe).
class CertificateFont {
 public:
  static absl::StatusOr<std::unique_ptr<CertificateFont>> Load(const std::string& ttf_file);
  ~CertificateFont();
  CertificateFont(const CertificateFont&) = delete;
  CertificateFont& operator=(const CertificateFont&) = delete;

  struct Impl;
  Impl& impl() const { return *impl_; }

 private:
  explicit CertificateFont(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A4, one page. INTERNAL if cairo fails.
absl::StatusOr<std::string> RenderCertificate(const CertificateData& data,
                                              const CertificateFont& font);

}  // namespace rathaus::registrations
