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

#include <cstdint>
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

// A cancel-only token for the link in an e-mail (issue 18): "c<unix seconds>.<base64url HMAC of
// 'cancel', the code and the expiry>". It cancels the booking until `expires` (the
// appointment's start) and does nothing else: it neither shows nor moves the booking. Like the
// booking token it is derived, never stored.
std::string CancelToken(std::string_view key, std::string_view code, int64_t expires_unix);
// True when `presented` is a cancel token of `code` that has not expired at `now_unix`.
bool CancelTokenMatches(std::string_view key, std::string_view code, std::string_view presented,
                        int64_t now_unix);

// 128 random bits, base64url (22 characters): reservation ids are bearer secrets too.
std::string NewReservationId();
bool IsReservationId(std::string_view id);

}  // namespace rathaus::appointments
