// SPDX-License-Identifier: MIT
// Small text helpers shared by the readers and the command line: ASCII case,
// trimming, whole-string number parsing and ISO-8601 UTC time stamps. All are
// locale-independent, so a file reads the same on every machine.
#pragma once

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace meshsentry {

// Length of the well-formed UTF-8 sequence at s[i] (1 to 4), or 0 where the
// byte there does not start one: no overlong forms, no surrogates, nothing
// above U+10FFFF (RFC 3629; the ranges of Unicode's table 3-7).
inline std::size_t utf8_length(std::string_view s, std::size_t i) noexcept {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xbf;  // bounds of the second byte
  if (c >= 0xc2 && c <= 0xdf) n = 2;
  else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;  // overlong
    if (c == 0xed) hi = 0x9f;  // surrogates
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;  // overlong
    if (c == 0xf4) hi = 0x8f;  // above U+10FFFF
  } else return 0;
  if (i + n > s.size() || b(1) < lo || b(1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (b(k) < 0x80 || b(k) > 0xbf) return 0;
  return n;
}

// ASCII lower case (extensions, keywords, hex digests); other bytes as they are.
inline std::string to_lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The bytes std::isspace takes for white space in the "C" locale.
inline constexpr std::string_view kAsciiSpace = " \t\n\v\f\r";

// `s` without its leading bytes from `lead` and its trailing bytes from
// `trail` (some readers trim a line's end of more than its start: a CRLF line
// ends in '\r').
constexpr std::string_view trim(std::string_view s, std::string_view lead = kAsciiSpace,
                                std::string_view trail = kAsciiSpace) {
  while (!s.empty() && lead.find(s.front()) != std::string_view::npos) s.remove_prefix(1);
  while (!s.empty() && trail.find(s.back()) != std::string_view::npos) s.remove_suffix(1);
  return s;
}

// What a number may look like beyond std::from_chars's own syntax (an
// optional '-', decimal digits, for floating point also an exponent, "inf"
// and "nan"; never hex prefixes).
struct NumberSyntax {
  bool plus = false;    // one leading '+' is dropped (from_chars refuses it)
  bool spaces = false;  // ASCII white space around the number is trimmed
  bool finite = false;  // floating point: inf and nan are refused
  // float only: a value beyond float's range is read as a double and
  // rounded to float (tiny ones become 0, huge ones infinite) instead of
  // refused.
  bool saturate = false;
};

// Parses the whole of `s` into `out` (an integer or floating-point type, read
// as that type: a float is rounded once, not through a double). Returns false,
// with `out` unspecified, when `s` is not exactly one number or it is out of
// the type's range.
template <class T>
bool parse_number(std::string_view s, T& out, NumberSyntax syntax = {}) {
  static_assert(std::is_arithmetic_v<T> && !std::is_same_v<T, bool>);
  if (syntax.spaces) s = trim(s);
  if (syntax.plus && !s.empty() && s.front() == '+') s.remove_prefix(1);
  const char* const end = s.data() + s.size();
  const auto r = std::from_chars(s.data(), end, out);
  if constexpr (std::is_same_v<T, float>) {
    if (syntax.saturate && r.ec == std::errc::result_out_of_range) {
      double d = 0;
      if (std::from_chars(s.data(), end, d).ptr != end) return false;
      out = static_cast<float>(d);
      return !syntax.finite || std::isfinite(out);
    }
  }
  if (r.ec != std::errc() || r.ptr != end) return false;
  if constexpr (std::is_floating_point_v<T>)
    if (syntax.finite && !std::isfinite(out)) return false;
  return true;
}

// `t` as 2026-01-31T12:00:00Z; with `millis` in [0, 1000) as
// 2026-01-31T12:00:00.250Z.
inline std::string iso8601_utc(std::time_t t, int millis = -1) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[48];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  if (millis >= 0) n += static_cast<std::size_t>(std::snprintf(buf + n, sizeof buf - n, ".%03d", millis));
  return std::string(buf, n) + 'Z';
}

}  // namespace meshsentry
