// SPDX-License-Identifier: MIT
// PNG encoding of a rendered Image through libpng, in memory. No time or
// text chunks are written, so the same image always gives the same bytes.
#pragma once

#include <cstdint>
#include <vector>

#include "meshsentry/status.hpp"
#include "render/rasterizer.hpp"

namespace meshsentry::render {

// 8-bit RGB, non-interlaced. Fails (ErrorCode::invalid) on an empty image or
// one whose buffer does not match its size.
Result<std::vector<std::uint8_t>> encode_png(const Image& image);

}  // namespace meshsentry::render
