// SPDX-License-Identifier: MIT
// A toolpath's skin, layer by layer:
//   - outer walls: the nozzle runs half an extrusion width inside the wall, so
//     each segment becomes a vertical quad one layer high, moved half a width
//     out of the material and lengthened by half a width at each end to close
//     the loop's corners. Which side is out comes from the loops themselves
//     (their turning sense, and whether other loops enclose them: a hole's
//     material is outside it), not from the direction a slicer prints them
//     in: PrusaSlicer prints holes counter-clockwise too;
//   - top surfaces: top solid infill, and the stretches of walls that the next
//     layer does not cover (the band of a top face under its perimeters),
//     become horizontal strips at the top of their layer, facing up;
//   - bottom surfaces: the first layer's solid infill, bridges, and the
//     stretches of walls with nothing under them, strips facing down.
//   - a print without type comments (classify.hpp): its first layer's fill
//     faces down, and its dense fill (lines one spacing apart: solid infill)
//     faces up (down) where the layer above (below) has no line within
//     kFaceClear.
// Sparse and inner solid infill only tell what covers what; skipped roles
// (supports, skirts) add nothing. The result is a triangle soup with outward
// winding that closes up to the gaps between lines, so areas, volumes and
// surface samples come out close to the model's. Only the occupancy of the
// layers next to the one being built is kept in memory.
#include "io/gcode/skin.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <numbers>
#include <string>
#include <vector>

#include "io/gcode/occupancy.hpp"

namespace meshsentry::gcode {
namespace {

struct Builder {
  Mesh mesh;
  std::uint64_t max_triangles;
  bool over = false;

  std::uint32_t vertex(double x, double y, double z) {
    mesh.vertices.push_back({float(x), float(y), float(z)});
    return static_cast<std::uint32_t>(mesh.vertices.size() - 1);
  }
  // Quad a b c d, wound so that its normal follows (b - a) x (d - a).
  void quad(const std::array<double, 3>& a, const std::array<double, 3>& b, const std::array<double, 3>& c,
            const std::array<double, 3>& d) {
    if (mesh.triangles.size() + 2 > max_triangles) {
      over = true;
      return;
    }
    const std::uint32_t i = vertex(a[0], a[1], a[2]), j = vertex(b[0], b[1], b[2]), k = vertex(c[0], c[1], c[2]),
                        l = vertex(d[0], d[1], d[2]);
    mesh.triangles.push_back({i, j, k});
    mesh.triangles.push_back({i, k, l});
  }
};

// Neighbouring infill lines are one spacing apart, not one width: an
// extrusion's rounded sides overlap (Slic3r's flow model).
double line_spacing(double width, double height) {
  return std::max(width - height * (1 - std::numbers::pi / 4), width / 2);
}

// Horizontal strip along (x0, y0) -> (x1, y1), `across` wide, at height z,
// facing up or down.
void strip(Builder& out, double x0, double y0, double x1, double y1, double across, double z, bool up) {
  const double len = std::hypot(x1 - x0, y1 - y0);
  if (len < 1e-9) return;
  const double ox = (y1 - y0) / len * across / 2, oy = -(x1 - x0) / len * across / 2;
  const std::array<double, 3> l0{x0 - ox, y0 - oy, z}, r0{x0 + ox, y0 + oy, z}, r1{x1 + ox, y1 + oy, z},
      l1{x1 - ox, y1 - oy, z};
  // Facing up: right edge forward, left edge back (counter-clockwise seen
  // from above); facing down, the other way round.
  if (up) out.quad(r0, r1, l1, l0);
  else out.quad(l0, l1, r1, r0);
}

// A closed chain of outer wall segments of a layer.
struct Loop {
  std::size_t first, last;  // segment indices
  double area2 = 0;         // twice the signed area
  float lox, loy, hix, hiy;
};

// The closed loops among a layer's outer walls: runs of consecutive segments
// that join up and end within two widths of their start (the seam gap).
std::vector<Loop> closed_loops(const std::vector<Segment>& segs) {
  std::vector<Loop> loops;
  for (std::size_t i = 0; i < segs.size();) {
    if (segs[i].role != Role::outer_wall) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j + 1 < segs.size() && segs[j + 1].role == Role::outer_wall && segs[j + 1].x0 == segs[j].x1 &&
           segs[j + 1].y0 == segs[j].y1)
      ++j;
    const double gap = std::hypot(segs[j].x1 - segs[i].x0, segs[j].y1 - segs[i].y0);
    if (j >= i + 2 && gap <= 2 * std::max(segs[i].width, 0.1f)) {
      Loop loop{i, j, 0, segs[i].x0, segs[i].y0, segs[i].x0, segs[i].y0};
      for (std::size_t k = i; k <= j; ++k) {
        loop.area2 += double(segs[k].x0) * segs[k].y1 - double(segs[k].x1) * segs[k].y0;
        loop.lox = std::min(loop.lox, segs[k].x1), loop.hix = std::max(loop.hix, segs[k].x1);
        loop.loy = std::min(loop.loy, segs[k].y1), loop.hiy = std::max(loop.hiy, segs[k].y1);
      }
      loop.area2 += double(segs[j].x1) * segs[i].y0 - double(segs[i].x0) * segs[j].y1;  // closing edge
      if (loop.area2 != 0) loops.push_back(loop);
    }
    i = j + 1;
  }
  return loops;
}

// For each outer wall segment of a layer, the side its face is on: +1 right
// of the direction of travel, -1 left. A closed loop is a contour when an
// even number of the layer's other loops enclose it, else a hole, and its
// interior lies left of it when it turns counter-clockwise. Material is
// inside a contour and outside a hole. Open chains, and layers whose loops
// would cost more point-in-loop steps (loops x edges) than `budget` has left,
// keep the usual convention: outside on the right. The budget is the whole
// file's (kLoopWork), so a toolpath of a million tiny loops cannot make this
// quadratic.
constexpr std::size_t kLoopWork = 200'000'000;
std::vector<signed char> wall_sides(const std::vector<Segment>& segs, std::size_t& budget) {
  std::vector<signed char> side(segs.size(), 1);
  const std::vector<Loop> loops = closed_loops(segs);
  if (loops.empty()) return side;
  std::size_t edges = 0;
  for (const Loop& l : loops) edges += l.last - l.first + 2;
  const bool nest = loops.size() * edges <= budget;
  if (nest) budget -= loops.size() * edges;
  for (const Loop& l : loops) {
    int depth = 0;
    if (nest)
      for (const Loop& other : loops)
        if (&other != &l && encloses(segs, other, segs[l.first].x0, segs[l.first].y0)) ++depth;
    const bool contour = depth % 2 == 0, ccw = l.area2 > 0;
    for (std::size_t k = l.first; k <= l.last; ++k) side[k] = ccw == contour ? 1 : -1;
  }
  return side;
}

// The outer wall quad of a segment (see the file comment), on side `side`
// (+1: right of the direction of travel).
void wall(Builder& out, const Segment& s, double z, double h, int side) {
  const double dx = s.x1 - s.x0, dy = s.y1 - s.y0, len = std::hypot(dx, dy);
  if (len < 1e-9) return;
  const double half = s.width / 2;
  const double ox = side * dy / len * half, oy = -side * dx / len * half, ux = dx / len * half, uy = dy / len * half;
  const double ax = s.x0 - ux + ox, ay = s.y0 - uy + oy, bx = s.x1 + ux + ox, by = s.y1 + uy + oy;
  // Wound so that its normal points to the face's side.
  if (side > 0) out.quad({ax, ay, z - h}, {bx, by, z - h}, {bx, by, z}, {ax, ay, z});
  else out.quad({bx, by, z - h}, {ax, ay, z - h}, {ax, ay, z}, {bx, by, z});
}

// A dense line is a top (bottom) face only where no line of the layer above
// (below) passes within this distance (mm): beside one, that layer's sparse
// infill rests on it (it rests on that layer's sparse infill). Measured on
// bench/gcode_stripped.py's calibration set: 0 left the solid layers under
// sparse infill as faces inside the part, 1 mm cut top faces short beside
// the walls above them; 0.5 matched most parts. For bottom faces 0.5 again
// (1 and 2 lost parts); the solid layers over sparse infill keep some faces
// inside the part where that infill's lines are over 1 mm apart.
constexpr double kFaceClear = 0.5;

// Strips over the stretches of a wall segment that `neighbour` (the layer
// above or below; none: nothing there) leaves uncovered. With `dense` (the
// segment's own layer), only where the layer has lines one spacing away on
// both sides too: solid infill, not sparse.
void exposed_strips(Builder& out, const Segment& s, const Occupancy* neighbour, double z, double h, bool up,
                    const Occupancy* dense = nullptr) {
  const double len = std::hypot(s.x1 - s.x0, s.y1 - s.y0);
  // Samples half a width apart, but never closer than half an occupancy
  // cell, which is all the raster resolves (a width of 1e-14 mm, found by
  // fuzzing, asked for 4e14 of them).
  const double step = std::max(double(s.width) / 2, kCell / 2);
  const std::int64_t steps = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(len / step)));
  const double across = line_spacing(s.width, h);
  std::int64_t run = -1;  // first sample of the current uncovered run
  for (std::int64_t k = 0; k <= steps + 1; ++k) {
    bool open = false;
    if (k <= steps) {
      const double t = double(k) / steps;
      const double x = s.x0 + t * (s.x1 - s.x0), y = s.y0 + t * (s.y1 - s.y0);
      open = !neighbour || !neighbour->covers(x, y, s.width / 2);
      if (open && dense) {
        const double nx = -(s.y1 - s.y0) / len * across, ny = (s.x1 - s.x0) / len * across;
        open = dense->covers(x + nx, y + ny, 0) && dense->covers(x - nx, y - ny, 0) &&
               !(neighbour && neighbour->covers(x, y, kFaceClear));
      }
    }
    if (open && run < 0) run = k;
    if (!open && run >= 0) {
      const double t0 = std::max(0.0, (run - 0.5) / steps), t1 = std::min(1.0, (k - 0.5) / steps);
      strip(out, s.x0 + t0 * (s.x1 - s.x0), s.y0 + t0 * (s.y1 - s.y0), s.x0 + t1 * (s.x1 - s.x0),
            s.y0 + t1 * (s.y1 - s.y0), across, z, up);
      run = -1;
    }
  }
}

// The skin of one segment of layer `l` (top at z1, `h` thick); `side` is
// its wall side from wall_sides.
void segment_skin(Builder& out, const Segment& s, std::size_t l, double z1, double h, int side, const Occupancy* above,
                  const Occupancy* below, const Occupancy& own) {
  switch (s.role) {
    case Role::outer_wall:
    case Role::inner_wall:
      if (s.role == Role::outer_wall) wall(out, s, z1, h, side);
      exposed_strips(out, s, above, z1, h, true);
      exposed_strips(out, s, below, z1 - h, h, false);
      break;
    case Role::top: strip(out, s.x0, s.y0, s.x1, s.y1, line_spacing(s.width, h), z1, true); break;
    case Role::bottom: strip(out, s.x0, s.y0, s.x1, s.y1, line_spacing(s.width, h), z1 - h, false); break;
    case Role::solid:
      if (l == 0) strip(out, s.x0, s.y0, s.x1, s.y1, line_spacing(s.width, h), z1 - h, false);
      break;
    case Role::open_fill:
      // The first layer lies on the bed; higher up, dense lines with nothing
      // above are a top face, with nothing below a bottom one (an untyped
      // print's top solid infill, its bridges and overhangs).
      if (l == 0) strip(out, s.x0, s.y0, s.x1, s.y1, line_spacing(s.width, h), z1 - h, false);
      else {
        exposed_strips(out, s, above, z1, h, true, &own);
        exposed_strips(out, s, below, z1 - h, h, false, &own);
      }
      break;
    case Role::fill:
    case Role::skip: break;
  }
}

}  // namespace

Result<Mesh> skin_toolpath(const Toolpath& path, std::uint64_t max_triangles, const ScanBudget* budget) {
  const std::vector<Layer>& layers = path.layers;
  Builder out{{}, max_triangles};
  // Occupancy of the layers around the one being built, made as needed.
  std::vector<std::unique_ptr<Occupancy>> occupied(layers.size());
  auto occupancy = [&](std::size_t l) -> const Occupancy& {
    if (!occupied[l]) occupied[l] = std::make_unique<Occupancy>(layers[l]);
    return *occupied[l];
  };
  std::size_t loop_budget = kLoopWork;
  for (std::size_t l = 0; l < layers.size(); ++l) {
    if (budget)
      if (Status s = budget->check_time(); !s.ok()) return s;
    if (l >= 2) occupied[l - 2].reset();
    const Layer& layer = layers[l];
    const Occupancy* above = l + 1 < layers.size() ? &occupancy(l + 1) : nullptr;
    const Occupancy* below = l > 0 ? &occupancy(l - 1) : nullptr;
    const std::vector<signed char> sides = wall_sides(layer.segments, loop_budget);
    for (std::size_t i = 0; i < layer.segments.size(); ++i) {
      segment_skin(out, layer.segments[i], l, layer.z, layer.height, sides[i], above, below, occupancy(l));
      if (out.over)
        return make_error(ErrorCode::limit, "limit: more than " + std::to_string(out.max_triangles) +
                                                " triangles from the G-code's extrusions");
    }
  }
  if (out.mesh.triangles.empty())
    return make_error(ErrorCode::empty, "G-code without outer walls or top and bottom surfaces");
  return std::move(out.mesh);
}

}  // namespace meshsentry::gcode
