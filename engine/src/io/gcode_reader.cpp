// SPDX-License-Identifier: MIT
// G-code (a sliced print) back to the surface it prints. A slicer annotates
// each extrusion with what it is (PrusaSlicer/SuperSlicer ";TYPE:External
// perimeter", Orca/Bambu ";TYPE:Outer wall", Cura ";TYPE:WALL-OUTER"). The
// moves are read into layers first; then the skin is built:
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
// Sparse and inner solid infill only tell what covers what. Supports, skirts
// and travel moves are skipped. The result is a triangle soup with outward
// winding that closes up to the gaps between lines, so areas, volumes and
// surface samples come out close to the model's. Without type comments every
// extrusion is taken as wall. Arcs (G2/G3) are taken as their chord.
#include <algorithm>
#include <array>
#include <memory>
#include <charconv>
#include <cmath>
#include <numbers>
#include <string>
#include <string_view>
#include <vector>

#include "common/text.hpp"
#include "meshsentry/io.hpp"

namespace meshsentry {
namespace {

// What an extrusion contributes: walls are skin (outer) or only covered and
// covering (inner); top and bottom infill are skin; `solid` is skin on the
// first layer only; `fill` only covers.
enum class Role { skip, outer_wall, inner_wall, top, bottom, solid, fill };

// Lower-cased ";TYPE:" value -> role; unknown types only cover.
Role role_of(std::string_view type) {
  static constexpr std::pair<std::string_view, Role> kRoles[] = {
      {"external perimeter", Role::outer_wall}, {"overhang perimeter", Role::outer_wall},
      {"outer wall", Role::outer_wall},         {"overhang wall", Role::outer_wall},
      {"wall-outer", Role::outer_wall},         {"perimeter", Role::inner_wall},
      {"inner wall", Role::inner_wall},         {"wall-inner", Role::inner_wall},
      {"top solid infill", Role::top},          {"top surface", Role::top},
      {"bridge infill", Role::bottom},          {"bottom surface", Role::bottom},
      {"bridge", Role::bottom},                 {"solid infill", Role::solid},
      {"skin", Role::solid},                    {"internal solid infill", Role::solid},
      {"skirt", Role::skip},                    {"skirt/brim", Role::skip},
      {"brim", Role::skip},                     {"support material", Role::skip},
      {"support material interface", Role::skip}, {"support", Role::skip},
      {"support-interface", Role::skip},        {"wipe tower", Role::skip},
      {"prime tower", Role::skip},              {"custom", Role::skip},
  };
  for (const auto& [name, role] : kRoles)
    if (type == name) return role;
  return Role::fill;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool parse_double(std::string_view s, double& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && std::isfinite(out);
}

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

// One extrusion move of a layer.
struct Segment {
  float x0, y0, x1, y1, width;
  Role role;
};

struct Layer {
  double z = 0, height = 0.2;
  std::vector<Segment> segments;
};

// Where a layer has material: cells of kCell mm that its lines pass through.
constexpr double kCell = 0.2;
class Occupancy {
 public:
  // A bitmap over the layer's bounding box: a large print rasterises into
  // millions of cells, which a hash set spent most of a scan allocating (a
  // 1.2 MB G-code of a printer bed: 3 s, now 0.2). A layer whose bitmap would
  // be sparse (more than 64 bits per raster point: a few lines far apart)
  // or over kMaxBits keeps a sorted list of its cells instead, so memory
  // stays within 8 bytes per raster point either way.
  explicit Occupancy(const Layer& layer) {
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
    if (!any) return;
    const double area = (double(x1_ - x0_) + 1) * (double(y1_ - y0_) + 1);
    dense_ = area <= double(kMaxBits) && area <= 64 * points;
    if (dense_) bits_.assign(static_cast<std::size_t>((area + 63) / 64), 0);
    for (const Segment& s : layer.segments) {
      if (s.role == Role::skip) continue;
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
    if (!dense_) {
      std::sort(cells_.begin(), cells_.end());
      cells_.erase(std::unique(cells_.begin(), cells_.end()), cells_.end());
    }
  }
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
    return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(std::hypot(s.x1 - s.x0, s.y1 - s.y0) / (kCell / 2))));
  }
  std::size_t index(std::int64_t cx, std::int64_t cy) const {
    return static_cast<std::size_t>((cx - x0_) * (y1_ - y0_ + 1) + (cy - y0_));
  }
  // Row in the high half, column offset to unsigned in the low half, so that
  // a row's keys are ordered by column (coordinates beyond 400 km wrap).
  static std::uint64_t key(std::int64_t row, std::int64_t col) {
    return (static_cast<std::uint64_t>(row) << 32) | static_cast<std::uint32_t>(col + (std::int64_t{1} << 31));
  }
  std::int64_t x0_ = 0, y0_ = 0, x1_ = -1, y1_ = -1;
  bool dense_ = false;
  std::vector<std::uint64_t> bits_;
  std::vector<std::uint64_t> cells_;
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

// For each outer wall segment of a layer, the side its face is on: +1 right
// of the direction of travel, -1 left. Consecutive segments that join up
// form a loop; a loop that closes (within two widths: the seam gap) is a
// contour when an even number of the layer's other loops enclose it, else a
// hole, and its interior lies left of it when it turns counter-clockwise.
// Material is inside a contour and outside a hole. Open chains, and layers
// whose loops would cost more point-in-loop steps (loops x edges) than
// `budget` has left, keep the usual convention: outside on the right. The
// budget is the whole file's (kLoopWork), so a toolpath of a million tiny
// loops cannot make this quadratic.
constexpr std::size_t kLoopWork = 200'000'000;
std::vector<signed char> wall_sides(const std::vector<Segment>& segs, std::size_t& budget) {
  std::vector<signed char> side(segs.size(), 1);
  struct Loop {
    std::size_t first, last;  // segment indices
    double area2 = 0;         // twice the signed area
    float lox, loy, hix, hiy;
  };
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
  if (loops.empty()) return side;
  std::size_t edges = 0;
  for (const Loop& l : loops) edges += l.last - l.first + 2;
  const bool nest = loops.size() * edges <= budget;
  if (nest) budget -= loops.size() * edges;
  // Even-odd count of the loop's edges crossed by a ray from (x, y) to +x.
  auto encloses = [&](const Loop& l, float x, float y) {
    if (x < l.lox || x > l.hix || y < l.loy || y > l.hiy) return false;
    bool in = false;
    auto edge = [&](float ax, float ay, float bx, float by) {
      if ((ay > y) != (by > y) && x < ax + (y - ay) / (by - ay) * (bx - ax)) in = !in;
    };
    for (std::size_t k = l.first; k <= l.last; ++k) edge(segs[k].x0, segs[k].y0, segs[k].x1, segs[k].y1);
    edge(segs[l.last].x1, segs[l.last].y1, segs[l.first].x0, segs[l.first].y0);
    return in;
  };
  for (const Loop& l : loops) {
    int depth = 0;
    if (nest)
      for (const Loop& other : loops)
        if (&other != &l && encloses(other, segs[l.first].x0, segs[l.first].y0)) ++depth;
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

// Strips over the stretches of a wall segment that `neighbour` (the layer
// above or below; none: nothing there) leaves uncovered.
void exposed_strips(Builder& out, const Segment& s, const Occupancy* neighbour, double z, double h, bool up) {
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
      open = !neighbour || !neighbour->covers(s.x0 + t * (s.x1 - s.x0), s.y0 + t * (s.y1 - s.y0), s.width / 2);
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

}  // namespace

// Each kept move costs up to three quads of unshared corners (36 bytes a
// triangle), so a toolpath gets a tighter budget than a mesh.
// A layer height or extrusion width comment under a hundredth of a
// millimetre is no print's: it is ignored, like one of 10 mm or more.
constexpr double kMinLine = 0.01;
constexpr std::uint64_t kMaxToolpathTriangles = 20'000'000;
constexpr std::uint64_t kMaxToolpathMoves = 8'000'000;
// The layers' occupancy is sampled every 0.1 mm of path, so the path length
// bounds the work. A kilogram of filament lays about 9 km of 0.45 x 0.2 mm
// line; no printer's bed is 2 m across.
constexpr double kMaxToolpathLength = 20e6;
constexpr double kMaxMove = 2000;

Result<LoadedMesh> read_gcode(std::span<const std::byte> bytes, const LoadLimits& limits) {
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  bool absolute_xyz = true, absolute_e = true, typed = false, height_given = false;
  double x = 0, y = 0, z = 0, e = 0;
  double layer_height = 0.2, width = 0.45;
  Role role = Role::outer_wall;  // until a type comment says otherwise
  std::vector<Layer> layers;
  std::size_t pos = 0, lineno = 0, moves = 0;
  double path_length = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++lineno;
    const std::size_t semi = line.find(';');
    if (semi != std::string_view::npos) {
      const std::string_view comment = trim(line.substr(semi + 1));
      auto value_of = [&](std::string_view key) -> std::string_view {
        return comment.size() > key.size() && to_lower(std::string(comment.substr(0, key.size()))) == key
                   ? trim(comment.substr(key.size()))
                   : std::string_view();
      };
      if (auto t = value_of("type:"); !t.empty()) {
        role = role_of(to_lower(std::string(t)));
        typed = true;
      } else if (auto h = value_of("height:"); !h.empty()) {
        double v;
        if (parse_double(h, v) && v >= kMinLine && v < 10) {
          layer_height = v;
          height_given = true;
        }
      } else if (auto w = value_of("width:"); !w.empty()) {
        double v;
        if (parse_double(w, v) && v >= kMinLine && v < 10) width = v;
      }
      line = line.substr(0, semi);
    }
    line = trim(line);
    if (line.empty()) continue;
    // Words: a letter and a number each.
    char cmd_letter = 0;
    double cmd_number = -1;
    double wx = NAN, wy = NAN, wz = NAN, we = NAN;
    std::size_t i = 0;
    bool first = true;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i >= line.size()) break;
      const char letter = static_cast<char>(std::toupper(static_cast<unsigned char>(line[i])));
      std::size_t j = i + 1;
      while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
      double v = 0;
      const bool number = parse_double(line.substr(i + 1, j - i - 1), v);
      if (first) {
        cmd_letter = letter;
        cmd_number = number ? v : -1;
        first = false;
      } else if (number) {
        if (letter == 'X') wx = v;
        else if (letter == 'Y') wy = v;
        else if (letter == 'Z') wz = v;
        else if (letter == 'E') we = v;
      }
      i = j;
    }
    if (cmd_letter == 'M') {
      if (cmd_number == 82) absolute_e = true;
      if (cmd_number == 83) absolute_e = false;
      continue;
    }
    if (cmd_letter != 'G' || !(cmd_number >= 0 && cmd_number < 1000)) continue;
    const int g = static_cast<int>(cmd_number);
    if (g == 90) absolute_xyz = absolute_e = true;
    else if (g == 91) absolute_xyz = absolute_e = false;
    else if (g == 92) {
      if (!std::isnan(we)) e = we;
      if (!std::isnan(wx)) x = wx;
      if (!std::isnan(wy)) y = wy;
      if (!std::isnan(wz)) z = wz;
    } else if (g == 0 || g == 1 || g == 2 || g == 3) {
      const double nx = std::isnan(wx) ? x : absolute_xyz ? wx : x + wx;
      const double ny = std::isnan(wy) ? y : absolute_xyz ? wy : y + wy;
      const double nz = std::isnan(wz) ? z : absolute_xyz ? wz : z + wz;
      double de = 0;
      if (!std::isnan(we)) {
        de = absolute_e ? we - e : we;
        e = absolute_e ? we : e + we;
      }
      if (!std::isfinite(nx) || !std::isfinite(ny) || !std::isfinite(nz) || std::abs(nx) > 1e6 ||
          std::abs(ny) > 1e6 || std::abs(nz) > 1e6)
        return make_error(ErrorCode::format, "G-code line " + std::to_string(lineno) + ": coordinate out of range");
      if (de > 0 && std::hypot(nx - x, ny - y) > 1e-6 && std::abs(nz - z) < 1e-6) {
        if (layers.empty() || std::abs(layers.back().z - z) > 1e-6) {
          // A new layer; its height from the slicer's comment, else from the
          // step since the last one.
          Layer l;
          l.z = z;
          const double step = layers.empty() ? z : z - layers.back().z;
          l.height = std::clamp(height_given ? layer_height : step, 1e-3, 10.0);
          height_given = false;
          layers.push_back(std::move(l));
        }
        if (++moves > kMaxToolpathMoves)
          return make_error(ErrorCode::limit,
                            "limit: more than " + std::to_string(kMaxToolpathMoves) + " extrusion moves in the G-code");
        layers.back().segments.push_back({float(x), float(y), float(nx), float(ny), float(width),
                                          typed ? role : Role::outer_wall});
        const double move = std::hypot(nx - x, ny - y);
        if (move > kMaxMove)
          return make_error(ErrorCode::format, "G-code line " + std::to_string(lineno) + ": an extrusion longer than 2 m");
        if ((path_length += move) > kMaxToolpathLength)
          return make_error(ErrorCode::limit, "limit: G-code toolpath longer than 20 km");
      }
      x = nx;
      y = ny;
      z = nz;
    }
  }
  if (moves == 0) return make_error(ErrorCode::empty, "G-code without extrusion moves");

  Builder out{{}, std::min(limits.max_triangles, kMaxToolpathTriangles)};
  // Occupancy of the layers around the one being built, made as needed.
  std::vector<std::unique_ptr<Occupancy>> occupied(layers.size());
  auto occupancy = [&](std::size_t l) -> const Occupancy& {
    if (!occupied[l]) occupied[l] = std::make_unique<Occupancy>(layers[l]);
    return *occupied[l];
  };
  std::size_t loop_budget = kLoopWork;
  for (std::size_t l = 0; l < layers.size(); ++l) {
    if (l >= 2) occupied[l - 2].reset();
    const Layer& layer = layers[l];
    const double z1 = layer.z, h = layer.height;
    const Occupancy* above = l + 1 < layers.size() ? &occupancy(l + 1) : nullptr;
    const Occupancy* below = l > 0 ? &occupancy(l - 1) : nullptr;
    const std::vector<signed char> sides = wall_sides(layer.segments, loop_budget);
    for (std::size_t i = 0; i < layer.segments.size(); ++i) {
      const Segment& s = layer.segments[i];
      switch (s.role) {
        case Role::outer_wall:
        case Role::inner_wall:
          if (s.role == Role::outer_wall) wall(out, s, z1, h, sides[i]);
          exposed_strips(out, s, above, z1, h, true);
          exposed_strips(out, s, below, z1 - h, h, false);
          break;
        case Role::top:
          strip(out, s.x0, s.y0, s.x1, s.y1, line_spacing(s.width, h), z1, true);
          break;
        case Role::bottom:
          strip(out, s.x0, s.y0, s.x1, s.y1, line_spacing(s.width, h), z1 - h, false);
          break;
        case Role::solid:
          if (l == 0) strip(out, s.x0, s.y0, s.x1, s.y1, line_spacing(s.width, h), z1 - h, false);
          break;
        case Role::fill:
        case Role::skip:
          break;
      }
      if (out.over)
        return make_error(ErrorCode::limit, "limit: more than " + std::to_string(out.max_triangles) +
                                                " triangles from the G-code's extrusions");
    }
  }
  if (out.mesh.triangles.empty())
    return make_error(ErrorCode::empty, "G-code without outer walls or top and bottom surfaces");
  LoadedMesh loaded;
  loaded.mesh = std::move(out.mesh);
  loaded.format = Format::gcode;
  std::vector<double> heights;
  for (const Layer& l : layers) heights.push_back(l.height);
  std::nth_element(heights.begin(), heights.begin() + heights.size() / 2, heights.end());
  loaded.layer_height = heights[heights.size() / 2];
  return loaded;
}

}  // namespace meshsentry
