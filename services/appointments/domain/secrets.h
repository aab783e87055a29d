// Booking codes and tokens.
//
// The code is what a citizen reads out at the counter: 8 characters from an alphabet without
// look-alikes (no 0/O, 1/I/L, U/V), about 2^39 codes. It is not a secret: viewing, changing or
// cancelling needs the token, base64url(HMAC-SHA256(server key, code)), 256 bits that the
// server never stores (it derives them again) and compares in constant time.
//
//   std::string code = NewBookingCode();                 // "K7M3Q9XP"
//   std::string token = BookingToken(key, code);          // 43 characters
//   if (!TokenMatches(key, code, presented)) return NotFound(...);
#pragma once

#include <string>
#include <string_view>

namespace rathaus::appointments {

inline constexpr std::string_view kCodeAlphabet = "23456789ABCDEFGHJKMNPQRSTWXYZ";
inline constexpr size_t kCodeLength = 8;

std::string NewBookingCode();
// Upper-cases `code`; true when it then has the code's length and alphabet.
bool NormalizeBookingCode(std::string_view code, std::string* out);
std::string BookingToken(std::string_view key, std::string_view code);
bool TokenMatches(std::string_view key, std::string_view code, std::string_view presented);

// 128 random bits, base64url (22 characters): reservation ids are bearer secrets too.
std::string NewReservationId();
bool IsReservationId(std::string_view id);

}  // namespace rathaus::appointments
