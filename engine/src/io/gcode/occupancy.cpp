// SPDX-License-Identifier: MIT
// Rasterising a layer's lines into an Occupancy (see occupancy.hpp): one pass
// for the bounding box and the number of raster points, one to mark cells.
#include "io/gcode/occupancy.hpp"

#include <utility>

namespace meshsentry::gcode {

Occupancy::Occupancy(const Layer& layer) {
  const double points = bound(layer);
  if (x1_ < x0_) return;  // nothing but skipped lines
  const double area = (double(x1_ - x0_) + 1) * (double(y1_ - y0_) + 1);
  dense_ = area <= double(kMaxBits) && area <= 64 * points;
  if (dense_) bits_.assign(static_cast<std::size_t>((area + 63) / 64), 0);
  for (const Segment& s : layer.segments)
    if (s.role != Role::skip) mark(s);
  if (!dense_) {
    std::sort(cells_.begin(), cells_.end());
    cells_.erase(std::unique(cells_.begin(), cells_.end()), cells_.end());
  }
}

// Sets the box of cells around the layer's line ends; returns the number of
// raster points its lines take.
double Occupancy::bound(const Layer& layer) {
  bool any = false;
  double points = 0;
  for (const Segment& s : layer.segments) {
    if (s.role == Role::skip) continue;
    points += steps(s) + 1;
    for (const auto& [x, y] : {std::pair{s.x0, s.y0}, std::pair{s.x1, s.y1}}) {
      const std::int64_t cx = cell(x), cy = cell(y);
      x0_ = any ? std::min(x0_, cx) : cx;
      y0_ = any ? std::min(y0_, cy) : cy;
      x1_ = any ? std::max(x1_, cx) : cx;
      y1_ = any ? std::max(y1_, cy) : cy;
      any = true;
    }
  }
  return points;
}

// The cells a line passes through, two raster points a cell.
void Occupancy::mark(const Segment& s) {
  const std::int64_t n = steps(s);
  for (std::int64_t k = 0; k <= n; ++k) {
    const double t = double(k) / n;
    // Clamped to the box: x0 + t * (x1 - x0) may round past an end.
    const std::int64_t cx = std::clamp(cell(s.x0 + t * (s.x1 - s.x0)), x0_, x1_);
    const std::int64_t cy = std::clamp(cell(s.y0 + t * (s.y1 - s.y0)), y0_, y1_);
    if (dense_) {
      const std::size_t i = index(cx, cy);
      bits_[i / 64] |= std::uint64_t{1} << (i % 64);
    } else {
      cells_.push_back(key(cx, cy));
    }
  }
}

}  // namespace meshsentry::gcode
