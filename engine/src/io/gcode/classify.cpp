// SPDX-License-Identifier: MIT
// Which extrusions of an untyped toolpath are the part's outer surface, per
// layer, from the paths alone:
//   - a chain is a run of extrusions each starting where the last ended; a
//     closed loop is a chain of three or more that ends within two widths of
//     its start (the seam gap). Every other chain (sparse and solid infill,
//     gap fill) is open fill;
//   - each loop's parent is the smallest loop that encloses it. A slicer's
//     perimeters are offsets of one outline about one line spacing apart,
//     so a loop and its parent are the same outline's perimeters when the
//     area between them, over their mean length, is under 1.5 widths: such
//     links make a family (one island's or one hole's perimeters);
//   - families nest: an outermost one is an island, one inside it a hole,
//     one inside that an island again. An island's outer wall is its family's
//     outermost loop, a hole's its innermost: the one next to the air. A
//     family's other end is an outer wall too when it has air beyond it and
//     no fill in the region there (a wall too thin for infill);
//   - a lone loop with air on both sides that encloses other loops (a skirt)
//     is skipped, and a lone loop inside another with material on both sides
//     (infill that happened to close) is fill; neither counts in the nesting.
// Loops are walls whichever way the slicer prints them; the skin decides the
// side of each outer wall again (skin.cpp).
#include "io/gcode/classify.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>
#include <vector>

#include "io/gcode/occupancy.hpp"

namespace meshsentry::gcode {
namespace {

struct Loop {
  std::size_t first = 0, last = 0;  // segment indices
  double area = 0;                  // unsigned
  double length = 0;
  bool ccw = true;
  float lox = 0, loy = 0, hix = 0, hiy = 0;
  int parent = -1;      // enclosing loop
  int child = -1;       // the enclosed loop of the same family, if any
  bool linked = false;  // its parent is of its family
  bool skirt = false;
};

// The layer's closed loops; the other segments are left as they are.
std::vector<Loop> find_loops(const std::vector<Segment>& segs) {
  std::vector<Loop> loops;
  for (std::size_t i = 0; i < segs.size();) {
    std::size_t j = i;
    while (j + 1 < segs.size() && segs[j + 1].x0 == segs[j].x1 && segs[j + 1].y0 == segs[j].y1) ++j;
    const double gap = std::hypot(segs[j].x1 - segs[i].x0, segs[j].y1 - segs[i].y0);
    if (j >= i + 2 && gap <= 2 * std::max(segs[i].width, 0.1f)) {
      Loop l;
      l.first = i;
      l.last = j;
      double area2 = double(segs[j].x1) * segs[i].y0 - double(segs[i].x0) * segs[j].y1;  // closing edge
      l.lox = l.hix = segs[i].x0;
      l.loy = l.hiy = segs[i].y0;
      for (std::size_t k = i; k <= j; ++k) {
        const Segment& s = segs[k];
        area2 += double(s.x0) * s.y1 - double(s.x1) * s.y0;
        l.length += std::hypot(s.x1 - s.x0, s.y1 - s.y0);
        l.lox = std::min(l.lox, s.x1), l.hix = std::max(l.hix, s.x1);
        l.loy = std::min(l.loy, s.y1), l.hiy = std::max(l.hiy, s.y1);
      }
      l.area = std::abs(area2) / 2;
      l.ccw = area2 > 0;
      if (area2 != 0) loops.push_back(l);
    }
    i = j + 1;
  }
  return loops;
}

// The share of points one line spacing off the loop (a width less the
// `gap` between neighbouring lines), on its outer (`outward`) or inner side,
// that no extrusion of the layer covers: 1 beside air, 0 beside another
// perimeter or solid infill, in between beside sparse infill. At most 256
// points a loop.
constexpr double kAir = 0.97;
double air(const std::vector<Segment>& segs, const Loop& l, const Occupancy& occ, bool outward, double gap) {
  const double every = std::max(1.0, l.length / 256);
  // Right of the direction of travel is outside a counter-clockwise loop.
  const double sign = (l.ccw == outward) ? 1 : -1;
  int points = 0, open = 0;
  double next = 0, walked = 0;
  for (std::size_t k = l.first; k <= l.last; ++k) {
    const Segment& s = segs[k];
    const double len = std::hypot(s.x1 - s.x0, s.y1 - s.y0);
    if (len < 1e-9) continue;
    const double nx = sign * (s.y1 - s.y0) / len, ny = -sign * (s.x1 - s.x0) / len, off = s.width - gap;
    // Kept off the segment's ends, where the next segment of a sharp corner
    // passes within a spacing of the point.
    const double margin = std::min(off, len / 2);
    for (; next < walked + len; next += every) {
      const double t = std::clamp(next - walked, margin, len - margin) / len;
      ++points;
      if (!occ.covers(s.x0 + t * (s.x1 - s.x0) + nx * off, s.y0 + t * (s.y1 - s.y0) + ny * off, 0)) ++open;
    }
    walked += len;
  }
  return points ? double(open) / points : 0;
}

// The parent of each loop: the smallest larger loop enclosing its first
// point. False when that would cost more than `budget` edge tests.
bool nest(const std::vector<Segment>& segs, std::vector<Loop>& loops, std::size_t& budget) {
  std::size_t edges = 0;
  for (const Loop& l : loops) edges += l.last - l.first + 2;
  if (loops.size() * edges > budget) return false;
  budget -= loops.size() * edges;
  std::vector<int> order(loops.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return loops[a].area < loops[b].area; });
  for (std::size_t a = 0; a < order.size(); ++a) {
    Loop& l = loops[order[a]];
    for (std::size_t b = a + 1; b < order.size(); ++b)
      if (loops[order[b]].area > l.area && encloses(segs, loops[order[b]], segs[l.first].x0, segs[l.first].y0)) {
        l.parent = order[b];
        break;
      }
  }
  return true;
}

// Links each loop to its parent when they are one outline's perimeters;
// a parent keeps the largest such child.
void link(const std::vector<Segment>& segs, std::vector<Loop>& loops) {
  for (std::size_t i = 0; i < loops.size(); ++i) {
    Loop& l = loops[i];
    if (l.parent < 0) continue;
    Loop& p = loops[l.parent];
    const double apart = (p.area - l.area) / ((p.length + l.length) / 2);
    const double width = std::max(segs[l.first].width, segs[p.first].width);
    if (apart <= 1.5 * width && (p.child < 0 || loops[p.child].area < l.area)) {
      if (p.child >= 0) loops[p.child].linked = false;
      p.child = static_cast<int>(i);
      l.linked = true;
    }
  }
}

// For each loop, whether fill starts in the region it encloses outside the
// loops within it: whether the material beside its inner side is infill.
// `fill` marks the segments that are fill. Every loop has fill when the
// test would cost more than `budget` edge tests.
std::vector<bool> fill_inside(const std::vector<Segment>& segs, const std::vector<Loop>& loops,
                              const std::vector<bool>& fill, std::size_t& budget) {
  std::vector<std::size_t> starts;  // first segments of runs of fill
  for (std::size_t k = 0; k < segs.size(); ++k)
    if (fill[k] && (k == 0 || !fill[k - 1] || segs[k].x0 != segs[k - 1].x1 || segs[k].y0 != segs[k - 1].y1))
      starts.push_back(k);
  std::size_t edges = 0;
  for (const Loop& l : loops) edges += l.last - l.first + 2;
  if (starts.size() * edges > budget) return std::vector<bool>(loops.size(), true);
  budget -= starts.size() * edges;
  std::vector<int> order(loops.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return loops[a].area < loops[b].area; });
  std::vector<bool> has(loops.size(), false);
  for (std::size_t k : starts)
    for (int i : order)
      if (encloses(segs, loops[i], segs[k].x0, segs[k].y0)) {
        has[i] = true;
        break;
      }
  return has;
}

// Roles of one layer's segments (see the file comment).
void classify_layer(Layer& layer, std::size_t& budget) {
  std::vector<Segment>& segs = layer.segments;
  for (Segment& s : segs) s.role = Role::open_fill;
  std::vector<Loop> loops = find_loops(segs);
  if (loops.empty()) return;
  if (!nest(segs, loops, budget)) {
    // Too many loops to nest within the budget: every loop is outer wall.
    for (const Loop& l : loops)
      for (std::size_t k = l.first; k <= l.last; ++k) segs[k].role = Role::outer_wall;
    return;
  }
  link(segs, loops);
  const Occupancy occ(layer);
  const double gap = std::max(0.05, layer.height * (1 - std::numbers::pi / 4));
  std::vector<bool> has_children(loops.size(), false);
  for (const Loop& l : loops)
    if (l.parent >= 0) has_children[l.parent] = true;
  // What each family is: perimeters (with its two ends' air), a skirt, or
  // a run of infill that happens to close.
  enum class Kind { walls, skirt, fill };
  struct Family {
    int top = -1, bottom = -1;
    Kind kind = Kind::walls;
    double air_out = 0, air_in = 0;  // beyond the top, inside the bottom
  };
  std::vector<Family> families;
  std::vector<int> family_of(loops.size(), -1);
  for (std::size_t i = 0; i < loops.size(); ++i) {
    if (loops[i].linked) continue;
    Family f;
    f.top = int(i);
    int b = int(i);
    family_of[i] = int(families.size());
    for (; loops[b].child >= 0; b = loops[b].child) family_of[loops[b].child] = int(families.size());
    f.bottom = b;
    f.air_out = air(segs, loops[f.top], occ, true, gap);
    f.air_in = air(segs, loops[f.bottom], occ, false, gap);
    if (f.top == f.bottom) {
      // A lone loop around others with air on both sides is a skirt; one
      // inside another loop with material on both sides, closed infill.
      const Loop& l = loops[i];
      if (l.parent < 0 && has_children[i] && f.air_in >= kAir && f.air_out >= kAir) f.kind = Kind::skirt;
      else if (l.parent >= 0 && std::max(f.air_in, f.air_out) < kAir) f.kind = Kind::fill;
    }
    families.push_back(f);
  }
  std::vector<bool> fill(segs.size(), true);
  for (const Family& f : families)
    if (f.kind != Kind::fill)
      for (int i = f.top;; i = loops[i].child) {
        for (std::size_t k = loops[i].first; k <= loops[i].last; ++k) fill[k] = false;
        if (i == f.bottom) break;
      }
  const std::vector<bool> infill = fill_inside(segs, loops, fill, budget);
  for (const Family& f : families) {
    // Islands and holes alternate with the perimeter families around them.
    int depth = 0;
    for (int p = loops[f.top].parent; p >= 0; p = loops[families[family_of[p]].top].parent)
      if (families[family_of[p]].kind == Kind::walls) ++depth;
    const bool island = depth % 2 == 0;
    // The outermost of an island's perimeters, the innermost of a hole's;
    // both ends of one too thin for infill (air beyond each).
    const int outside = loops[f.top].parent;
    const bool top_out = island || (f.air_out >= kAir && outside >= 0 && !infill[outside]),
               bottom_out = !island || (f.air_in >= kAir && !infill[f.bottom]);
    for (int i = f.top;; i = loops[i].child) {
      Role role = Role::inner_wall;
      if (f.kind == Kind::skirt) role = Role::skip;
      else if (f.kind == Kind::fill) role = Role::open_fill;
      else if ((i == f.top && top_out) || (i == f.bottom && bottom_out)) role = Role::outer_wall;
      for (std::size_t k = loops[i].first; k <= loops[i].last; ++k) segs[k].role = role;
      if (i == f.bottom) break;
    }
  }
}

}  // namespace

Status classify_untyped(Toolpath& path, const ScanBudget* budget) {
  std::size_t loop_budget = kClassifyWork;
  for (Layer& layer : path.layers) {
    if (budget)
      if (Status s = budget->check_time(); !s.ok()) return s;
    classify_layer(layer, loop_budget);
  }
  return {};
}

}  // namespace meshsentry::gcode
