// Meldebestätigung PDFs per second on one core (Google Benchmark): what accepting a case costs
// besides Redis. `make bench` runs it pinned to one core (scripts/bench-registrations.sh).
#include <benchmark/benchmark.h>

#include "absl/time/clock.h"
#include "domain/certificate.h"

namespace {

using rathaus::registrations::CertificateData;
using rathaus::registrations::CertificateFont;

void BM_Meldebestaetigung(benchmark::State& state) {
  auto font = CertificateFont::Load("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
  if (!font.ok()) {
    state.SkipWithError("no font");
    return;
  }
  CertificateData d;
  d.family_name = "Müller-Lüdenscheidt";
  d.given_names = "Jörg Łukasz";
  d.doctoral_degree = "Dr.";
  d.birth = absl::CivilDay(1980, 2, 29);
  d.street = "Andreas-Gayk-Straße 31";
  d.postal_code_city = "24103 Kiel";
  d.moved = absl::CivilDay(2026, 12, 1);
  d.dwelling = "Hauptwohnung";
  d.registered = absl::CivilDay(2026, 12, 4);
  d.authority = "Landeshauptstadt Kiel, Meldebehörde (kiel-mitte)";
  d.code = "K7M3Q9XP2W";
  d.verify_url = "https://service.kiel.de/api/v1/registrations/certificates/K7M3Q9XP2W";
  d.issued = absl::Now();
  size_t bytes = 0;
  for (auto _ : state) {
    auto pdf = rathaus::registrations::RenderCertificate(d, **font);
    if (!pdf.ok()) {
      state.SkipWithError("render failed");
      return;
    }
    bytes = pdf->size();
    benchmark::DoNotOptimize(pdf->data());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["pdf_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_Meldebestaetigung)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
