// SPDX-License-Identifier: MIT
// MeatPack, as a binary G-code block holds it:
//  - 0xFF 0xFF then a command byte switches modes: 251 packing on, 250 off,
//    249 reset (both off), 247 "no spaces" on, 246 off; others are ignored.
//    A lone 0xFF is data.
//  - Unpacked, a byte is a character. Packed, a byte is two 4-bit codes,
//    the low one first, from "0123456789. \nGX" (with no spaces, ' ' is
//    'E': the encoder dropped the spaces of G lines). Code 15 says that a
//    whole character comes in the next byte instead; when both codes are
//    15, two follow. After a '\n' the high code is padding.
// The encoder dropped the spaces between the words of G lines ("G1X10Y5");
// they are put back before each parameter letter, as Prusa's own decoder
// does, and repeated line ends are written once, so that this text is
// the one libbgcode gives.
#include "io/gcode/meatpack.hpp"

#include <cstdint>
#include <string_view>

namespace meshsentry::gcode {

namespace {

constexpr std::uint8_t kSignal = 0xFF;
enum Command : std::uint8_t {
  kDisableNoSpaces = 246,
  kEnableNoSpaces = 247,
  kResetAll = 249,
  kDisablePacking = 250,
  kEnablePacking = 251,
};

// The decoded text, with the spaces of G lines put back.
class Writer {
 public:
  Writer(std::string& out, std::size_t max_size) : out_(out), start_(out.size()), max_(max_size) {}
  bool over() const { return over_; }
  void put(char c) {
    if (over_) return;
    const bool line_start = out_.size() == start_ || out_.back() == '\n';
    if (c == '\n') {
      g_line_ = false;
      if (!line_start || out_.size() == start_) push(c);
      return;
    }
    if (line_start && c == 'G') {
      g_line_ = true;
    } else if (g_line_ && out_.back() != ' ' && is_parameter(c)) {
      push(' ');
    }
    push(c);
  }

 private:
  // The parameters of G0-G4 and G29, which a packed G line runs together.
  static bool is_parameter(char c) { return std::string_view("XYZEFIJRSGPWHCA").find(c) != std::string_view::npos; }
  void push(char c) {
    if (out_.size() >= max_) {
      over_ = true;
      return;
    }
    out_.push_back(c);
  }
  std::string& out_;
  std::size_t start_, max_;
  bool g_line_ = false, over_ = false;
};

class Unpacker {
 public:
  explicit Unpacker(Writer& w) : w_(w) {}
  void command(std::uint8_t c) {
    if (c == kEnablePacking) packing_ = true;
    if (c == kDisablePacking) packing_ = false;
    if (c == kEnableNoSpaces) no_spaces_ = true;
    if (c == kDisableNoSpaces) no_spaces_ = false;
    if (c == kResetAll) packing_ = no_spaces_ = false;
  }
  void data(std::uint8_t b) {
    if (!packing_) return w_.put(static_cast<char>(b));
    if (whole_ > 0) {  // a whole character, then the packed one that waited for it
      w_.put(static_cast<char>(b));
      if (held_) w_.put(held_);
      held_ = 0;
      --whole_;
      return;
    }
    const int lo = b & 0xF, hi = b >> 4;
    if (lo == 0xF) {
      whole_ = hi == 0xF ? 2 : 1;
      held_ = hi == 0xF ? 0 : code(hi);
      return;
    }
    w_.put(code(lo));
    if (code(lo) == '\n') return;
    if (hi == 0xF) {
      whole_ = 1;
    } else {
      w_.put(code(hi));
    }
  }

 private:
  char code(int c) const { return c == 11 && no_spaces_ ? 'E' : "0123456789. \nGX"[c]; }
  Writer& w_;
  bool packing_ = false, no_spaces_ = false;
  int whole_ = 0;  // whole characters still to come
  char held_ = 0;  // a packed character that follows the next whole one
};

}  // namespace

Status meatpack_decode(std::span<const std::byte> in, std::string& out, std::size_t max_size,
                       const ScanBudget* budget) {
  Writer writer(out, max_size);
  Unpacker unpacker(writer);
  bool signal = false, command = false;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const auto b = static_cast<std::uint8_t>(in[i]);
    if (command) {
      unpacker.command(b);
      command = false;
    } else if (b == kSignal) {
      command = signal;
      signal = !signal;
    } else {
      if (signal) unpacker.data(kSignal);
      signal = false;
      unpacker.data(b);
    }
    if (writer.over()) return make_error(ErrorCode::limit, "bgcode: decoded G-code over the file size limit");
    if (budget && (i & 0xFFFFF) == 0xFFFFF)
      if (Status s = budget->check_time(); !s.ok()) return s;
  }
  return {};
}

}  // namespace meshsentry::gcode
