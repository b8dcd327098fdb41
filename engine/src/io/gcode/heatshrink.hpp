// SPDX-License-Identifier: MIT
// Heatshrink decompression (an LZSS: literals and back-references in a bit
// stream), as Prusa's binary G-code uses it for its blocks (libbgcode's
// doc/specifications.md, compression types 2 and 3: window 2^11 or 2^12
// bytes, lookahead 2^4). Written from the format, not from heatshrink's
// code. Cost: one pass over the input, each output byte written once;
// memory: the output only (the window is the output already written).
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "meshsentry/io.hpp"
#include "meshsentry/status.hpp"

namespace meshsentry::gcode {

// Appends exactly `size` decoded bytes to `out`, or fails: a stream that
// ends early, or says more than `size`, is malformed. `budget`, when given,
// is asked for the deadline every MiB.
Status heatshrink_decode(std::span<const std::byte> in, int window_bits, int lookahead_bits, std::size_t size,
                         std::string& out, const ScanBudget* budget);

}  // namespace meshsentry::gcode
