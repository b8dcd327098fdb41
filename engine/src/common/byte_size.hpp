// SPDX-License-Identifier: MIT
// Sizes as people write them on a command line ("1G", "256MiB"), for the
// limits of `scan` and `serve`. Its own header so that the many readers that
// include text.hpp do not carry it.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/text.hpp"

namespace meshsentry {

// A size in bytes: a number, optionally with a binary suffix K, M, G or T
// (also KiB, MiB, GiB, TiB, any case; powers of 1024) or B (plain bytes), so
// that "1G" and "256MiB" read as the README writes limits. A fraction is
// allowed before a suffix ("1.5G") and rounded down to whole bytes. Returns
// false when `s` is not such a size or it exceeds `max`.
inline bool parse_size(std::string_view s, std::uint64_t& out, std::uint64_t max = UINT64_MAX) {
  std::size_t end = s.size();
  while (end > 0 && std::isalpha(static_cast<unsigned char>(s[end - 1]))) --end;
  const std::string suffix = to_lower(std::string(s.substr(end)));
  s = s.substr(0, end);
  int power = 0;
  if (suffix.empty() || suffix == "b") power = 0;
  else if (suffix.size() == 1 || (suffix.size() == 3 && suffix.compare(1, 2, "ib") == 0)) {
    const std::size_t at = std::string_view("kmgt").find(suffix[0]);
    if (at == std::string_view::npos) return false;
    power = static_cast<int>(at) + 1;
  } else return false;
  if (s.empty() || !std::isdigit(static_cast<unsigned char>(s.front()))) return false;  // no sign, no "inf"
  double n = 0;
  if (!parse_number(s, n, {.finite = true})) return false;
  const double bytes = std::floor(std::ldexp(n, 10 * power));
  // 2^64 is the first double past UINT64_MAX; compare before converting.
  if (!(bytes < 18446744073709551616.0) || static_cast<std::uint64_t>(bytes) > max) return false;
  out = static_cast<std::uint64_t>(bytes);
  return true;
}

}  // namespace meshsentry
