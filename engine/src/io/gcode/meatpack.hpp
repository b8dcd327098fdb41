// SPDX-License-Identifier: MIT
// MeatPack decoding, the G-code encoding of Prusa's binary G-code blocks
// (libbgcode's doc/specifications.md, G-code encodings 1 and 2; the packing
// is MeatPack's, by Scott Mudge, as Prusa's firmware reads it). Written
// from the format, not from libbgcode's code. Cost: one pass over the
// input; the output is at most twice the input, plus a space per word.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "meshsentry/io.hpp"
#include "meshsentry/status.hpp"

namespace meshsentry::gcode {

// Appends the G-code text of one MeatPack-encoded block to `out`; fails
// when `out` would pass `max_size`. `budget`, when given, is asked for the
// deadline every MiB.
Status meatpack_decode(std::span<const std::byte> in, std::string& out, std::size_t max_size,
                       const ScanBudget* budget);

}  // namespace meshsentry::gcode
