// SPDX-License-Identifier: MIT
// common/text.hpp: trimming, whole-string numbers in each syntax the readers
// use, and ISO-8601 UTC stamps.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>

#include "common/byte_size.hpp"
#include "common/text.hpp"

using namespace meshsentry;

TEST_CASE("trim drops the chosen bytes at each end", "[text]") {
  CHECK(trim(" \t\r\n x y \v\f") == "x y");
  CHECK(trim("   ") == "");
  CHECK(trim("\r G1 X1 \r", " \t", " \t\r") == "\r G1 X1");  // a line's start keeps a stray '\r'
  CHECK(trim("  12  ", kAsciiSpace, "") == "12  ");
}

TEST_CASE("parse_number reads the whole string, in the syntax asked for", "[text]") {
  double d = 0;
  CHECK(parse_number("-1.5e3", d));
  CHECK(d == -1500);
  CHECK_FALSE(parse_number("+2", d));
  CHECK(parse_number("+2", d, {.plus = true}));
  CHECK(d == 2);
  CHECK_FALSE(parse_number(" 2", d));
  CHECK(parse_number(" 2\t", d, {.spaces = true}));
  CHECK_FALSE(parse_number("2x", d));
  CHECK_FALSE(parse_number("", d));
  CHECK_FALSE(parse_number("0x10", d));  // no hex
  CHECK(parse_number("inf", d));
  CHECK_FALSE(parse_number("inf", d, {.finite = true}));
  CHECK_FALSE(parse_number("nan", d, {.finite = true}));
  CHECK_FALSE(parse_number("1e400", d));

  std::uint32_t u = 0;
  CHECK(parse_number(" 42 ", u, {.spaces = true}));
  CHECK(u == 42);
  CHECK_FALSE(parse_number("-1", u));
  CHECK_FALSE(parse_number("4294967296", u));

  // A float is rounded once from the text, not through a double.
  float f = 0;
  CHECK(parse_number("0.1", f));
  CHECK(f == 0.1f);
  CHECK_FALSE(parse_number("1e39", f));
  CHECK(parse_number("1e39", f, {.saturate = true}));
  CHECK(std::isinf(f));
  CHECK(parse_number("1e-50", f, {.saturate = true}));
  CHECK(f == 0.0f);
  CHECK_FALSE(parse_number("1e39x", f, {.saturate = true}));
}

TEST_CASE("iso8601_utc writes UTC stamps, with milliseconds when given", "[text]") {
  CHECK(iso8601_utc(0) == "1970-01-01T00:00:00Z");
  CHECK(iso8601_utc(1767225600) == "2026-01-01T00:00:00Z");
  CHECK(iso8601_utc(1767225600, 5) == "2026-01-01T00:00:00.005Z");
  CHECK(iso8601_utc(1767225661, 999) == "2026-01-01T00:01:01.999Z");
}

TEST_CASE("parse_size reads bytes with binary suffixes", "[text]") {
  std::uint64_t n = 0;
  CHECK(parse_size("0", n));
  CHECK(n == 0);
  CHECK(parse_size("1536", n));
  CHECK(n == 1536);
  CHECK(parse_size("12B", n));
  CHECK(n == 12);
  CHECK(parse_size("1K", n));
  CHECK(n == 1024);
  CHECK(parse_size("1k", n));
  CHECK(n == 1024);
  CHECK(parse_size("256MiB", n));
  CHECK(n == 256ull << 20);
  CHECK(parse_size("1G", n));
  CHECK(n == 1ull << 30);
  CHECK(parse_size("2gib", n));
  CHECK(n == 2ull << 30);
  CHECK(parse_size("3T", n));
  CHECK(n == 3ull << 40);
  CHECK(parse_size("1.5K", n));
  CHECK(n == 1536);
  CHECK(parse_size("0.3K", n));  // 307.2: whole bytes, rounded down
  CHECK(n == 307);
  for (const char* bad : {"", "K", "1KB", "1 K", " 1K", "-1K", "+1K", "1X", "1Ki", "1KiBB", "infK", "nan", "1e400",
                          "99999999T", "0x10"}) {
    INFO(bad);
    CHECK_FALSE(parse_size(bad, n));
  }
  CHECK(parse_size("16E5", n));  // an exponent is a number's, not a suffix
  CHECK(n == 1600000);
  CHECK(parse_size("1M", n, 1 << 20));
  CHECK_FALSE(parse_size("1M", n, (1 << 20) - 1));
}
