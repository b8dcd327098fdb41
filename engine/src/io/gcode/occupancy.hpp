// SPDX-License-Identifier: MIT
// Where a layer of a toolpath has material: the cells of kCell mm that its
// lines pass through, so the skin can tell which stretches of a wall the
// next layer covers. Building costs two raster points a cell of path; a query
// looks at (2r + 1) rows of cells. Memory stays within 8 bytes a raster point.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "io/gcode/toolpath.hpp"

namespace meshsentry::gcode {

constexpr double kCell = 0.2;  // mm

class Occupancy {
 public:
  // A bitmap over the layer's bounding box: a large print rasterises into
  // millions of cells, which a hash set spent most of a scan allocating (a
  // 1.2 MB G-code of a printer bed: 3 s, now 0.2). A layer whose bitmap would
  // be sparse (more than 64 bits per raster point: a few lines far apart)
  // or over kMaxBits keeps a sorted list of its cells instead, so memory
  // stays within 8 bytes per raster point either way.
  explicit Occupancy(const Layer& layer);

  // Any line within about `radius` of (x, y)?
  bool covers(double x, double y, double radius) const {
    const std::int64_t cx = cell(x), cy = cell(y), r = static_cast<std::int64_t>(std::ceil(radius / kCell));
    for (std::int64_t i = cx - r; i <= cx + r; ++i) {
      if (dense_) {
        if (i < x0_ || i > x1_) continue;
        for (std::int64_t j = std::max(cy - r, y0_); j <= std::min(cy + r, y1_); ++j) {
          const std::size_t k = index(i, j);
          if (bits_[k / 64] >> (k % 64) & 1) return true;
        }
      } else {
        // Within a row, keys grow with the column: one search per row.
        const auto it = std::lower_bound(cells_.begin(), cells_.end(), key(i, cy - r));
        if (it != cells_.end() && *it <= key(i, cy + r)) return true;
      }
    }
    return false;
  }

 private:
  static constexpr std::uint64_t kMaxBits = std::uint64_t{1} << 26;  // 8 MB
  static std::int64_t cell(double v) { return static_cast<std::int64_t>(std::floor(v / kCell)); }
  // Raster steps along a line: two per cell.
  static std::int64_t steps(const Segment& s) {
    return std::max<std::int64_t>(
        1, static_cast<std::int64_t>(std::ceil(std::hypot(s.x1 - s.x0, s.y1 - s.y0) / (kCell / 2))));
  }
  std::size_t index(std::int64_t cx, std::int64_t cy) const {
    return static_cast<std::size_t>((cx - x0_) * (y1_ - y0_ + 1) + (cy - y0_));
  }
  // Row in the high half, column offset to unsigned in the low half, so that
  // a row's keys are ordered by column (coordinates beyond 400 km wrap).
  static std::uint64_t key(std::int64_t row, std::int64_t col) {
    return (static_cast<std::uint64_t>(row) << 32) | static_cast<std::uint32_t>(col + (std::int64_t{1} << 31));
  }
  double bound(const Layer& layer);
  void mark(const Segment& s);

  std::int64_t x0_ = 0, y0_ = 0, x1_ = -1, y1_ = -1;
  bool dense_ = false;
  std::vector<std::uint64_t> bits_;
  std::vector<std::uint64_t> cells_;
};

}  // namespace meshsentry::gcode
