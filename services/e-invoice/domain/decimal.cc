#include "domain/decimal.h"

#include <algorithm>

namespace rathaus::einvoice {
namespace {

constexpr int kMaxDigits = 34;   // well inside the range of __int128
constexpr int kMaxScale = 24;

__int128 Pow10(int n) {
  __int128 p = 1;
  for (int i = 0; i < n; ++i) p *= 10;
  return p;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

std::optional<Decimal> Decimal::Parse(std::string_view t) {
  while (!t.empty() && IsSpace(t.front())) t.remove_prefix(1);
  while (!t.empty() && IsSpace(t.back())) t.remove_suffix(1);
  if (t.empty()) return std::nullopt;
  bool negative = false;
  if (t.front() == '+' || t.front() == '-') {
    negative = t.front() == '-';
    t.remove_prefix(1);
  }
  std::string_view int_part = t, frac_part;
  size_t dot = t.find('.');
  if (dot != std::string_view::npos) {
    int_part = t.substr(0, dot);
    frac_part = t.substr(dot + 1);
  }
  if (int_part.empty() && frac_part.empty()) return std::nullopt;
  auto all_digits = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!all_digits(int_part) || !all_digits(frac_part)) return std::nullopt;
  while (!int_part.empty() && int_part.front() == '0') int_part.remove_prefix(1);
  while (!frac_part.empty() && frac_part.back() == '0') frac_part.remove_suffix(1);
  if (frac_part.size() > static_cast<size_t>(kMaxScale) ||
      int_part.size() + frac_part.size() > static_cast<size_t>(kMaxDigits)) {
    return std::nullopt;
  }
  __int128 units = 0;
  for (char c : int_part) units = units * 10 + (c - '0');
  for (char c : frac_part) units = units * 10 + (c - '0');
  return Decimal(negative ? -units : units, static_cast<int>(frac_part.size()));
}

void Decimal::Align(Decimal& a, Decimal& b) {
  if (a.scale_ < b.scale_) {
    a.units_ *= Pow10(b.scale_ - a.scale_);
    a.scale_ = b.scale_;
  } else if (b.scale_ < a.scale_) {
    b.units_ *= Pow10(a.scale_ - b.scale_);
    b.scale_ = a.scale_;
  }
}

Decimal Decimal::Trimmed() const {
  Decimal d = *this;
  while (d.scale_ > 0 && d.units_ % 10 == 0) {
    d.units_ /= 10;
    --d.scale_;
  }
  while (d.scale_ > kMaxScale) d = d.Round(kMaxScale);
  return d;
}

Decimal Decimal::operator+(const Decimal& o) const {
  Decimal a = *this, b = o;
  Align(a, b);
  return Decimal(a.units_ + b.units_, a.scale_).Trimmed();
}

Decimal Decimal::operator-(const Decimal& o) const { return *this + (-o); }

Decimal Decimal::operator*(const Decimal& o) const {
  Decimal a = Trimmed(), b = o.Trimmed();
  return Decimal(a.units_ * b.units_, a.scale_ + b.scale_).Trimmed();
}

Decimal Decimal::Round(int digits) const {
  if (scale_ <= digits) return *this;
  __int128 div = Pow10(scale_ - digits);
  __int128 q = units_ / div;
  __int128 r = units_ % div;
  // floor division
  if (r < 0) {
    q -= 1;
    r += div;
  }
  if (2 * r >= div) q += 1;  // halves towards +infinity
  return Decimal(q, digits).Trimmed();
}

std::strong_ordering Decimal::operator<=>(const Decimal& o) const {
  Decimal a = *this, b = o;
  Align(a, b);
  if (a.units_ < b.units_) return std::strong_ordering::less;
  if (a.units_ > b.units_) return std::strong_ordering::greater;
  return std::strong_ordering::equal;
}

std::string Decimal::ToString() const {
  __int128 u = units_ < 0 ? -units_ : units_;
  char buf[96];
  int pos = sizeof(buf);
  int written = 0;
  do {
    buf[--pos] = static_cast<char>('0' + static_cast<int>(u % 10));
    u /= 10;
    if (++written == scale_) buf[--pos] = '.';
  } while (u != 0 || written < scale_);
  if (buf[pos] == '.') buf[--pos] = '0';
  if (units_ < 0) buf[--pos] = '-';
  return std::string(buf + pos, buf + sizeof(buf));
}

}  // namespace rathaus::einvoice
