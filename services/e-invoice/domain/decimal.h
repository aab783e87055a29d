// Exact decimal numbers for invoice arithmetic.
//
// The official rules compute with xs:decimal, so a binary double would disagree with them on
// ordinary cent amounts. Decimal keeps a 128-bit integer and a decimal scale; sums, differences
// and products are exact, and Round() follows XPath fn:round (halves go towards +infinity).
//
//   std::optional<Decimal> a = Decimal::Parse("1234.50");
//   Decimal tax = (*a * Decimal::Parse("19").value() / 100).Round(2);   // 234.56 (rounded)
//   if (tax == Decimal::Parse("234.56").value()) { ... }
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rathaus::einvoice {

class Decimal {
 public:
  Decimal() = default;
  static Decimal FromInt(int64_t v) { return Decimal(v, 0); }
  // Parses the xs:decimal lexical form (optional sign, digits, optional fraction; surrounding
  // whitespace allowed). Returns nullopt for anything else, e.g. "1.234,56" or "12.50 EUR".
  static std::optional<Decimal> Parse(std::string_view text);

  Decimal operator+(const Decimal& o) const;
  Decimal operator-(const Decimal& o) const;
  Decimal operator*(const Decimal& o) const;
  Decimal operator-() const { return Decimal(-units_, scale_); }
  // Division by a power of ten is exact (used for "div 100").
  Decimal DivPow10(int n) const { return Decimal(units_, scale_ + n).Trimmed(); }
  Decimal Abs() const { return units_ < 0 ? -*this : *this; }
  // XPath fn:round to `digits` fraction digits: .5 rounds towards positive infinity.
  Decimal Round(int digits = 0) const;

  std::strong_ordering operator<=>(const Decimal& o) const;
  bool operator==(const Decimal& o) const { return (*this <=> o) == 0; }

  bool IsZero() const { return units_ == 0; }
  bool IsNegative() const { return units_ < 0; }
  std::string ToString() const;

 private:
  Decimal(__int128 units, int scale) : units_(units), scale_(scale) {}
  Decimal Trimmed() const;
  static void Align(Decimal& a, Decimal& b);

  __int128 units_ = 0;
  int scale_ = 0;
};

}  // namespace rathaus::einvoice
