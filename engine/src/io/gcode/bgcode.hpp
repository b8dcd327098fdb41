// SPDX-License-Identifier: MIT
// Prusa's binary G-code (.bgcode) back to its G-code text, natively, from
// libbgcode's doc/specifications.md (prusa3d/libbgcode): a 10-byte file
// header ("GCDE", version 1, checksum type), then blocks, each a header
// (type, compression, sizes), parameters, data and, when the file says so,
// a CRC32 of all three. Only the G-code blocks are decompressed (DEFLATE,
// heatshrink 11/4 or 12/4) and decoded (plain or MeatPack); metadata and
// thumbnails are checked and passed over. Cost: one pass over the file plus
// one over the text; memory: the text and one decompressed block.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "meshsentry/io.hpp"
#include "meshsentry/status.hpp"

namespace meshsentry::gcode {

// Starts with the binary G-code magic "GCDE"?
bool is_bgcode(std::span<const std::byte> bytes) noexcept;

// The G-code text of a .bgcode, at most `max_text_bytes` long. Every size
// the file gives is checked against the bytes left and that limit before
// anything is allocated; a bad checksum, an unknown block type,
// compression or encoding, or a truncated block is a format error.
// `budget`, when given, holds the decoding to its deadline.
Result<std::string> decode_bgcode(std::span<const std::byte> bytes, std::size_t max_text_bytes,
                                  const ScanBudget* budget = nullptr);

}  // namespace meshsentry::gcode
