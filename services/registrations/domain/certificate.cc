#include "domain/certificate.h"

#include <cairo-ft.h>
#include <cairo-pdf.h>
#include <cairo.h>
#include <ft2build.h>
#include FT_FREETYPE_H

#include <mutex>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "domain/rules.h"

namespace rathaus::registrations {

struct CertificateFont::Impl {
  FT_Library library = nullptr;
  FT_Face face = nullptr;
  cairo_font_face_t* cairo_face = nullptr;
};

namespace {

constexpr double kPageWidth = 595.28;   // A4 in PostScript points
constexpr double kPageHeight = 841.89;
constexpr double kLeft = 70;
constexpr double kLabelWidth = 230;

std::string Date(absl::CivilDay d) {
  return absl::StrFormat("%02d.%02d.%04d", d.day(), d.month(), static_cast<int>(d.year()));
}

cairo_status_t Append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

void Text(cairo_t* cr, double x, double y, double size, const std::string& text) {
  cairo_set_font_size(cr, size);
  cairo_move_to(cr, x, y);
  cairo_show_text(cr, text.c_str());
}

}  // namespace

CertificateFont::CertificateFont(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

// The FT_Face is freed by cairo when its last reference goes (user data, see Load); the FreeType
// library is kept: cairo may still hold the face in its font cache. A process loads one font.
CertificateFont::~CertificateFont() {
  if (impl_->cairo_face != nullptr) {
    cairo_font_face_destroy(impl_->cairo_face);
  } else if (impl_->face != nullptr) {
    FT_Done_Face(impl_->face);
  }
}

absl::StatusOr<std::unique_ptr<CertificateFont>> CertificateFont::Load(const std::string& file) {
  auto impl = std::make_unique<Impl>();
  if (FT_Init_FreeType(&impl->library) != 0) {
    return absl::InternalError("freetype: cannot initialise");
  }
  std::unique_ptr<CertificateFont> font(new CertificateFont(std::move(impl)));
  Impl& i = *font->impl_;
  if (FT_New_Face(i.library, file.c_str(), 0, &i.face) != 0) {
    return absl::InvalidArgumentError(absl::StrCat("cannot load the font ", file));
  }
  i.cairo_face = cairo_ft_font_face_create_for_ft_face(i.face, 0);
  static const cairo_user_data_key_t kFaceKey{};
  // cairo may keep the face beyond our reference (cached scaled fonts): it frees the FT_Face.
  if (cairo_font_face_set_user_data(i.cairo_face, &kFaceKey, i.face,
                                    [](void* face) { FT_Done_Face(static_cast<FT_Face>(face)); }) !=
      CAIRO_STATUS_SUCCESS) {
    return absl::InternalError("cairo: cannot attach the font");
  }
  return font;
}

absl::StatusOr<std::string> RenderCertificate(const CertificateData& d,
                                              const CertificateFont& font) {
  std::string pdf;
  cairo_surface_t* surface =
      cairo_pdf_surface_create_for_stream(&Append, &pdf, kPageWidth, kPageHeight);
  const std::string created = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", d.issued, absl::UTCTimeZone());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, "Meldebestätigung");
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "rathaus registrations");
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, created.c_str());
  cairo_t* cr = cairo_create(surface);
  cairo_set_font_face(cr, font.impl().cairo_face);
  cairo_set_source_rgb(cr, 0, 0, 0);

  Text(cr, kLeft, 90, 10, d.authority);
  Text(cr, kLeft, 140, 20, "Meldebestätigung");
  Text(cr, kLeft, 162, 10, d.move_out ? "über die Abmeldung (§ 24 Abs. 2 Bundesmeldegesetz)"
                                      : "über die Anmeldung (§ 24 Abs. 2 Bundesmeldegesetz)");

  // The §24(2) fields in the order of kCertificateFields; an Abmeldung names its dates so.
  std::vector<std::pair<std::string, std::string>> rows = {
      {std::string(kCertificateFields[0]), d.family_name},
      {std::string(kCertificateFields[1]), d.given_names},
      {std::string(kCertificateFields[2]), d.doctoral_degree.empty() ? "–" : d.doctoral_degree},
      {std::string(kCertificateFields[3]), Date(d.birth)},
      {std::string(kCertificateFields[4]), d.street},
      {"", d.country.empty() ? d.postal_code_city : absl::StrCat(d.postal_code_city, ", ", d.country)},
      {d.move_out ? "Auszugsdatum" : std::string(kCertificateFields[5]), Date(d.moved)},
  };
  if (!d.move_out) rows.emplace_back(std::string(kCertificateFields[6]), d.dwelling);
  rows.emplace_back(d.move_out ? "Datum der Abmeldung" : std::string(kCertificateFields[7]),
                    Date(d.registered));
  double y = 220;
  for (const auto& [label, value] : rows) {
    if (!label.empty()) {
      Text(cr, kLeft, y, 9, label);
    }
    Text(cr, kLeft + kLabelWidth, y, 11, value);
    y += 24;
  }

  y += 30;
  Text(cr, kLeft, y, 9, absl::StrCat("Prüfcode: ", d.code));
  Text(cr, kLeft, y + 14, 9, absl::StrCat("Echtheit prüfen: ", d.verify_url));
  Text(cr, kLeft, y + 28, 9, "Dieses Dokument wurde elektronisch erstellt und ist ohne Unterschrift gültig.");

  cairo_show_page(cr);
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  const cairo_status_t status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS) {
    return absl::InternalError(absl::StrCat("cairo: ", cairo_status_to_string(status)));
  }
  return pdf;
}

}  // namespace rathaus::registrations
