// SPDX-License-Identifier: MIT
#include "report/names.hpp"

#include <cstdint>

#include "common/text.hpp"

namespace meshsentry {
namespace {

void hex_byte(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 15];
}

}  // namespace

bool is_valid_utf8(std::string_view s) noexcept {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string escape_name(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = utf8_length(s, i);
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7f || n == 0) hex_byte(out, c);
    else if (n == 2 && c == 0xc2 && static_cast<unsigned char>(s[i + 1]) < 0xa0) {
      hex_byte(out, c);  // a C1 control (CSI is U+009B): both bytes, so the name stays whole
      hex_byte(out, static_cast<unsigned char>(s[i + 1]));
    } else out.append(s.substr(i, n));
    i += n == 0 ? 1 : n;
  }
  return out;
}

}  // namespace meshsentry
