// SPDX-License-Identifier: MIT
// Heatshrink's stream, most significant bit of each byte first:
//   1 b7..b0                       a literal byte
//   0 i(window_bits) c(lookahead)  copy c + 1 bytes from i + 1 bytes back
// The stream ends when its bits do; the last byte is padded with zeros, so
// a tag bit 0 without a whole back-reference after it is padding. The
// encoder starts from a window of zeros, so a reference before the first
// byte reads zeros (a conforming stream may use them).
#include "io/gcode/heatshrink.hpp"

#include <cstdint>

namespace meshsentry::gcode {

namespace {

class Bits {
 public:
  explicit Bits(std::span<const std::byte> in) : in_(in) {}
  std::size_t left() const { return in_.size() * 8 - pos_; }
  // `n` bits (n <= 16), most significant first; the caller checks left().
  std::uint32_t take(int n) {
    std::uint32_t v = 0;
    for (int i = 0; i < n; ++i, ++pos_)
      v = (v << 1) | ((static_cast<std::uint32_t>(in_[pos_ / 8]) >> (7 - pos_ % 8)) & 1);
    return v;
  }

 private:
  std::span<const std::byte> in_;
  std::size_t pos_ = 0;
};

}  // namespace

Status heatshrink_decode(std::span<const std::byte> in, int window_bits, int lookahead_bits, std::size_t size,
                         std::string& out, const ScanBudget* budget) {
  const std::size_t start = out.size();
  const std::size_t end = start + size;
  out.reserve(end);
  Bits bits(in);
  std::size_t next_check = start + (1u << 20);
  while (out.size() < end) {
    if (bits.left() < 9) break;  // no literal fits: padding, or a stream cut short
    if (bits.take(1) == 1) {
      out.push_back(static_cast<char>(bits.take(8)));
    } else {
      if (bits.left() < static_cast<std::size_t>(window_bits + lookahead_bits)) break;
      const std::size_t back = bits.take(window_bits) + 1;
      const std::size_t count = bits.take(lookahead_bits) + 1;
      if (count > end - out.size())
        return make_error(ErrorCode::format, "bgcode: heatshrink data longer than its block says");
      for (std::size_t i = 0; i < count; ++i) {
        const std::size_t have = out.size() - start;
        out.push_back(back > have ? '\0' : out[out.size() - back]);
      }
    }
    if (budget && out.size() >= next_check) {
      if (Status s = budget->check_time(); !s.ok()) return s;
      next_check += 1u << 20;
    }
  }
  if (out.size() != end)
    return make_error(ErrorCode::format, "bgcode: heatshrink data shorter than its block says");
  return {};
}

}  // namespace meshsentry::gcode
