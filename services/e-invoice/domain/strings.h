// String concatenation for std::string_view (Debian's Abseil has its own absl::string_view, so
// absl::StrCat does not take std::string_view).
#pragma once

#include <string>
#include <string_view>
#include <type_traits>

namespace rathaus::einvoice {

inline void AppendPart(std::string& out, std::string_view s) { out.append(s); }
inline void AppendPart(std::string& out, const char* s) { out.append(s); }
inline void AppendPart(std::string& out, const std::string& s) { out.append(s); }
inline void AppendPart(std::string& out, char c) { out.push_back(c); }
template <typename T, typename = std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, char>>>
void AppendPart(std::string& out, T v) {
  out.append(std::to_string(v));
}

template <typename... T>
std::string Cat(const T&... parts) {
  std::string out;
  (AppendPart(out, parts), ...);
  return out;
}

inline bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace rathaus::einvoice
