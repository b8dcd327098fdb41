// SPDX-License-Identifier: MIT
// A sliced print's extrusions, layer by layer: what parse_toolpath reads out
// of G-code and skin_toolpath (skin.hpp) turns back into a surface. Travel
// moves are not kept; arcs (G2/G3 with I and J) are kept as chords within
// 5 um of the arc, those with R or without a centre as one chord.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "meshsentry/io.hpp"
#include "meshsentry/status.hpp"

namespace meshsentry::gcode {

// What an extrusion contributes: walls are skin (outer) or only covered and
// covering (inner); top and bottom infill are skin; `solid` is skin on the
// first layer only; `fill` only covers. `open_fill` is an extrusion of a
// print without type comments that is no perimeter (classify.hpp), or
// Cura's SKIN (top and bottom alike): it covers, is skin on the first layer,
// and on top where dense and uncovered.
enum class Role { skip, outer_wall, inner_wall, top, bottom, solid, fill, open_fill };

// One extrusion move of a layer, in mm.
struct Segment {
  float x0, y0, x1, y1, width;
  Role role;
};

// The extrusions at one height; `z` is the top of the layer, `height` its
// thickness (mm).
struct Layer {
  double z = 0, height = 0.2;
  std::vector<Segment> segments;
};

// Whether (x, y) lies inside the closed loop of segments[l.first .. l.last]
// (its bounding box in l.lox .. l.hiy): the even-odd count of its edges,
// the closing one included, crossed by a ray to +x.
template <class Loop>
bool encloses(const std::vector<Segment>& segs, const Loop& l, float x, float y) {
  if (x < l.lox || x > l.hix || y < l.loy || y > l.hiy) return false;
  bool in = false;
  auto edge = [&](float ax, float ay, float bx, float by) {
    if ((ay > y) != (by > y) && x < ax + (y - ay) / (by - ay) * (bx - ax)) in = !in;
  };
  for (std::size_t k = l.first; k <= l.last; ++k) edge(segs[k].x0, segs[k].y0, segs[k].x1, segs[k].y1);
  edge(segs[l.last].x1, segs[l.last].y1, segs[l.first].x0, segs[l.first].y0);
  return in;
}

struct Toolpath {
  std::vector<Layer> layers;  // in the order printed; never empty once parsed
};

// A layer height or extrusion width comment under a hundredth of a
// millimetre is no print's: it is ignored, like one of 10 mm or more.
constexpr double kMinLine = 0.01;
constexpr std::uint64_t kMaxToolpathMoves = 8'000'000;
// The skin samples the layers' occupancy every 0.1 mm of path, so the path
// length bounds its work. A kilogram of filament lays about 9 km of
// 0.45 x 0.2 mm line; no printer's bed is 2 m across.
constexpr double kMaxToolpathLength = 20e6;
constexpr double kMaxMove = 2000;

// The extrusion moves of G-code `text`. Errors: `format` for a coordinate
// beyond 1 km or an extrusion longer than kMaxMove, `limit` past
// kMaxToolpathMoves moves or kMaxToolpathLength mm of path, `empty` without
// extrusion moves. One pass over the text; memory 24 bytes a kept move.
// With a `budget`, its deadline ends the pass (a `limit` error).
Result<Toolpath> parse_toolpath(std::string_view text, const ScanBudget* budget = nullptr);

}  // namespace meshsentry::gcode
