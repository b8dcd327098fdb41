// SPDX-License-Identifier: MIT
// JSON text whose floating-point numbers are the shortest that read back as
// the same double. nlohmann::json writes doubles with Grisu2, which is not
// always shortest: about one rounded value in 700 (0.13939, a score rounded
// to 4 places) comes out with 17 digits (0.13939000000000001). Its layout is
// kept (1.0, 0.0001, 1e-07, 1e+16): only the digits change, to those of
// std::to_chars, which are the shortest by definition.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>

namespace meshsentry {

// `x` (finite) as nlohmann::json lays a double out, with the shortest digits.
inline std::string shortest_json_double(double x) {
  std::string out = std::signbit(x) ? "-" : "";
  if (x == 0) return out + "0.0";
  char buf[40];
  const auto res = std::to_chars(buf, buf + sizeof buf, std::abs(x), std::chars_format::scientific);
  const std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));  // d[.ddd]e[+-]XX
  const std::size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e))
    if (c != '.') digits += c;
  const std::string_view exp_text = sci.substr(e + (sci[e + 1] == '+' ? 2 : 1));
  int exp10 = 0;
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exp10);
  // nlohmann's format_buffer: k digits with the decimal point after the
  // n-th; plain notation while -4 < n <= 15 (double's digits10), else d.ddde+XX.
  const int k = static_cast<int>(digits.size()), n = exp10 + 1;
  constexpr int kMinExp = -4, kMaxExp = 15;
  const auto zeros = [](int count) { return std::string(static_cast<std::size_t>(count), '0'); };
  const auto at = static_cast<std::size_t>(std::max(n, 0));
  if (k <= n && n <= kMaxExp) return out.append(digits).append(zeros(n - k)).append(".0");
  if (0 < n && n <= kMaxExp) return out.append(digits, 0, at).append(".").append(digits, at);
  if (kMinExp < n && n <= 0) return out.append("0.").append(zeros(-n)).append(digits);
  out += digits[0];
  if (k > 1) out.append(".").append(digits, 1);
  const int shown = n - 1;
  out += shown < 0 ? "e-" : "e+";
  if (std::abs(shown) < 10) out += '0';
  return out.append(std::to_string(std::abs(shown)));
}

// `json` (text from nlohmann::json::dump) with every number that has a
// fraction or an exponent rewritten by shortest_json_double. Strings and
// integers are copied as they are; so is "null", which is what dump writes
// for NaN and infinity.
inline std::string shortest_json_numbers(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  std::size_t i = 0;
  while (i < json.size()) {
    const char c = json[i];
    std::size_t j = i + 1;
    if (c == '"') {
      while (j < json.size() && json[j] != '"') j += json[j] == '\\' ? 2 : 1;
      j = std::min(j + 1, json.size());
      out.append(json.substr(i, j - i));
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      while (j < json.size() && std::string_view("0123456789+-.eE").find(json[j]) != std::string_view::npos) ++j;
      const std::string_view token = json.substr(i, j - i);
      double v = 0;
      const auto res = std::from_chars(token.data(), token.data() + token.size(), v);
      const bool real = token.find_first_of(".eE") != std::string_view::npos;
      if (real && res.ec == std::errc() && res.ptr == token.data() + token.size() && std::isfinite(v))
        out += shortest_json_double(v);
      else out.append(token);
    } else {
      out += c;
    }
    i = j;
  }
  return out;
}

// j.dump(indent) with the shortest numbers; bytes that are not UTF-8 are
// replaced, as every JSON writer of ours does.
template <class Json>
std::string dump_json(const Json& j, int indent = -1) {
  return shortest_json_numbers(j.dump(indent, ' ', false, Json::error_handler_t::replace));
}

}  // namespace meshsentry
