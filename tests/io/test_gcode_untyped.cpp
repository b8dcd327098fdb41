// SPDX-License-Identifier: MIT
// G-code without the slicer's help (io/gcode/classify.cpp): a print written
// here the way PrusaSlicer lays it out (a skirt, three perimeters around the
// part and around its hole, zig-zag infill, solid top and bottom) reads the
// same with its type comments, without them, in other slicers' comment
// flavours, in relative coordinates and with its hole's walls as arcs.
#include <catch2/catch.hpp>
#include <cmath>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

#include "io/gcode/toolpath.hpp"
#include "meshsentry/io.hpp"
#include "meshsentry/mesh.hpp"

using namespace meshsentry;
using namespace meshsentry::gcode;

namespace {

enum class Flavour { prusa, stripped, cura, orca, s3d };

struct Print {
  Flavour flavour = Flavour::prusa;
  bool relative = false;  // G91 and M83
  bool arcs = false;      // the hole's loops as G3 arcs about its axis (a round hole)
};

// A 20 x 20 x 4 mm plate at (50, 50) with an 8 mm hole (square, or round
// with `arcs`) in its middle, in 0.2 mm layers of 0.45 mm lines.
std::string plate(const Print& o) {
  std::ostringstream g;
  g.precision(6);
  g << std::fixed;
  const double w = 0.45, h = 0.2, sp = 0.42, x0 = 50, y0 = 50, size = 20, hole = 8;
  const int layers = 20, perimeters = 3;
  double x = 0, y = 0, z = 0, e = 0;
  auto type = [&](const char* prusa, const char* cura, const char* orca, const char* s3d) {
    if (o.flavour == Flavour::prusa) g << ";TYPE:" << prusa << "\n";
    if (o.flavour == Flavour::cura) g << ";TYPE:" << cura << "\n";
    if (o.flavour == Flavour::orca) g << ";TYPE:" << orca << "\n";
    if (o.flavour == Flavour::s3d) g << "; feature " << s3d << "\n";
  };
  auto go = [&](const char* cmd, double nx, double ny, double de, const char* more = "") {
    g << cmd;
    if (o.relative) g << " X" << nx - x << " Y" << ny - y;
    else g << " X" << nx << " Y" << ny;
    g << more;
    if (de > 0) g << " E" << (o.relative ? de : e + de);
    g << "\n";
    x = nx, y = ny, e += de;
  };
  auto travel = [&](double nx, double ny) { go("G0", nx, ny, 0); };
  auto line = [&](double nx, double ny) { go("G1", nx, ny, 0.03 * std::hypot(nx - x, ny - y)); };
  // A counter-clockwise square loop inset from the box [lo, hi]^2 about the
  // plate's centre, ending just short of its start (the seam gap).
  auto square = [&](double lo, double hi) {
    travel(x0 + lo, y0 + lo);
    line(x0 + hi, y0 + lo), line(x0 + hi, y0 + hi), line(x0 + lo, y0 + hi), line(x0 + lo, y0 + lo + 0.1);
  };
  auto circle = [&](double r) {  // counter-clockwise, in two half arcs
    const double cx = x0 + size / 2, cy = y0 + size / 2;
    travel(cx + r, cy);
    std::ostringstream centre;
    centre << " I" << -r << " J0";
    go("G3", cx - r, cy, 0.03 * std::numbers::pi * r, centre.str().c_str());
    centre.str("");
    centre << " I" << r << " J0";
    go("G3", cx + r, cy - 0.05, 0.03 * std::numbers::pi * r, centre.str().c_str());
  };
  // Lines along x from xa to xb, `gap` apart from ya up to yb, each joined
  // to the next at alternate ends: one chain.
  auto zigzag = [&](double xa, double xb, double ya, double yb, double gap) {
    bool right = true;
    travel(x0 + xa, y0 + ya);
    for (double yy = ya; yy <= yb + 1e-9; yy += gap) {
      if (yy > ya) line(x, y0 + yy);
      line(x0 + (right ? xb : xa), y0 + yy);
      right = !right;
    }
  };
  g << "G21\nG90\n" << (o.relative ? "M83\n" : "M82\n") << "G92 E0\n";
  if (o.relative) g << "G91\n";
  for (int l = 1; l <= layers; ++l) {
    const double nz = l * h;
    g << ";LAYER_CHANGE\n";
    g << "G1 Z" << (o.relative ? nz - z : nz) << " F600\n";
    z = nz;
    if (l == 1) {
      type("Skirt/Brim", "SKIRT", "Skirt", "skirt");
      square(-4, size + 4);
    }
    // Perimeters, inner first as PrusaSlicer prints them; the external ones
    // of the outline and of the hole, half a width inside the faces.
    for (int k = perimeters - 1; k >= 0; --k) {
      if (k == 0) type("External perimeter", "WALL-OUTER", "Outer wall", "outer perimeter");
      else type("Perimeter", "WALL-INNER", "Inner wall", "inner perimeter");
      square(w / 2 + k * sp, size - w / 2 - k * sp);
      const double lo = (size - hole) / 2 - w / 2 - k * sp, hi = (size + hole) / 2 + w / 2 + k * sp;
      if (o.arcs) circle(hole / 2 + w / 2 + k * sp);
      else square(lo, hi);
    }
    // The ring between the perimeters, in four bands of zig-zag lines along
    // x, one spacing apart on solid layers, 2 mm apart elsewhere.
    const bool solid = l <= 2 || l > layers - 3;
    if (l <= 2) type("Solid infill", "SKIN", "Bottom surface", "solid layer");
    else if (solid && l == layers) type("Top solid infill", "SKIN", "Top surface", "solid layer");
    else if (solid) type("Solid infill", "SKIN", "Internal solid infill", "solid layer");
    else type("Internal infill", "FILL", "Sparse infill", "infill");
    const double in = w / 2 + perimeters * sp, gap = solid ? sp : 2.0;
    const double lo = (size - hole) / 2 - in, hi = (size + hole) / 2 + in;
    zigzag(in, size - in, in, lo, gap);
    zigzag(in, size - in, hi, size - in, gap);
    zigzag(in, lo, lo + gap, hi - gap, gap);
    zigzag(hi, size - in, lo + gap, hi - gap, gap);
  }
  g << "M107\n";
  return g.str();
}

std::span<const std::byte> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

// The segments of each role on each layer of a print.
std::vector<std::vector<Segment>> of_role(const Toolpath& path, Role role) {
  std::vector<std::vector<Segment>> out;
  for (const Layer& l : path.layers) {
    out.emplace_back();
    for (const Segment& s : l.segments)
      if (s.role == role) out.back().push_back(s);
  }
  return out;
}

void check_same_walls(const Toolpath& a, const Toolpath& b) {
  const auto wa = of_role(a, Role::outer_wall), wb = of_role(b, Role::outer_wall);
  REQUIRE(wa.size() == wb.size());
  for (std::size_t l = 0; l < wa.size(); ++l) {
    INFO("layer " << l);
    REQUIRE(wa[l].size() == wb[l].size());
    for (std::size_t k = 0; k < wa[l].size(); ++k) {
      CHECK(wa[l][k].x0 == Approx(wb[l][k].x0).margin(1e-3));
      CHECK(wa[l][k].y0 == Approx(wb[l][k].y0).margin(1e-3));
      CHECK(wa[l][k].x1 == Approx(wb[l][k].x1).margin(1e-3));
      CHECK(wa[l][k].y1 == Approx(wb[l][k].y1).margin(1e-3));
    }
  }
}

PreparedMesh prepared(const std::string& text) {
  auto loaded = load_mesh(as_bytes(text), "plate.gcode");
  REQUIRE(loaded.ok());
  PrepareOptions opt;
  opt.from_toolpath = true;
  auto pm = prepare(std::move(loaded->mesh), opt);
  REQUIRE(pm.ok());
  return std::move(*pm);
}

}  // namespace

TEST_CASE("G-code without comments: the paths say which loops are the outer walls", "[io][gcode]") {
  const auto typed = parse_toolpath(plate({}));
  const auto bare = parse_toolpath(plate({.flavour = Flavour::stripped}));
  REQUIRE(typed.ok());
  REQUIRE(bare.ok());
  // Two outer walls a layer: the outline's outermost loop and the hole's
  // innermost one, the same segments as the comments say.
  for (const auto& walls : of_role(*bare, Role::outer_wall)) CHECK(walls.size() == 8);
  check_same_walls(*typed, *bare);
  // The skirt adds nothing, the other perimeters only cover, the zig-zag
  // lines are fill.
  CHECK(of_role(*bare, Role::skip)[0].size() == 4);
  for (const auto& inner : of_role(*bare, Role::inner_wall)) CHECK(inner.size() == 16);
  std::size_t fill = 0;
  for (const auto& f : of_role(*bare, Role::open_fill)) fill += f.size();
  CHECK(fill > 20 * 3);
}

TEST_CASE("G-code without comments gives the surface the comments give", "[io][gcode]") {
  const PreparedMesh typed = prepared(plate({}));
  const PreparedMesh bare = prepared(plate({.flavour = Flavour::stripped}));
  // The plate's faces: outside 4 x 20 x 4, the hole's 4 x 8 x 4, top and
  // bottom 2 x (400 - 64).
  const double area = 4 * 20 * 4 + 4 * 8 * 4 + 2 * (400 - 64), volume = 4 * (400 - 64);
  CHECK(typed.mass.area == Approx(area).epsilon(0.06));
  // Without comments, the top solid layers over the sparse lines (2 mm
  // apart) also face down between them: a few percent more area inside.
  CHECK(bare.mass.area == Approx(typed.mass.area).epsilon(0.08));
  CHECK(bare.mass.area > typed.mass.area * 0.97);
  CHECK(typed.mass.signed_volume == Approx(volume).epsilon(0.05));
  CHECK(bare.mass.signed_volume == Approx(typed.mass.signed_volume).epsilon(0.06));
  for (int k = 0; k < 3; ++k) {
    CHECK(bare.bounds.min[k] == Approx(typed.bounds.min[k]).margin(0.05));
    CHECK(bare.bounds.max[k] == Approx(typed.bounds.max[k]).margin(0.05));
  }
  // Every one of the plate's faces is there: the skin's bounds are the
  // plate's, without the skirt.
  CHECK(bare.bounds.min[0] == Approx(50).margin(0.05));
  CHECK(bare.bounds.max[0] == Approx(70).margin(0.05));
}

TEST_CASE("G-code: other slicers' comment flavours and relative moves change nothing", "[io][gcode]") {
  const auto prusa = parse_toolpath(plate({}));
  REQUIRE(prusa.ok());
  for (Flavour f : {Flavour::stripped, Flavour::cura, Flavour::orca, Flavour::s3d}) {
    INFO("flavour " << int(f));
    const auto other = parse_toolpath(plate({.flavour = f}));
    REQUIRE(other.ok());
    check_same_walls(*prusa, *other);
    const auto relative = parse_toolpath(plate({.flavour = f, .relative = true}));
    REQUIRE(relative.ok());
    check_same_walls(*other, *relative);
    // Relative moves give every segment and role of the absolute ones.
    REQUIRE(relative->layers.size() == other->layers.size());
    for (std::size_t l = 0; l < other->layers.size(); ++l) {
      REQUIRE(relative->layers[l].segments.size() == other->layers[l].segments.size());
      CHECK(relative->layers[l].z == Approx(other->layers[l].z).margin(1e-6));
      for (std::size_t k = 0; k < other->layers[l].segments.size(); ++k)
        CHECK(relative->layers[l].segments[k].role == other->layers[l].segments[k].role);
    }
  }
}

TEST_CASE("G-code: arcs are followed, not cut short as chords", "[io][gcode]") {
  const PreparedMesh typed = prepared(plate({.arcs = true}));
  for (Flavour f : {Flavour::prusa, Flavour::stripped}) {
    INFO("flavour " << int(f));
    const auto path = parse_toolpath(plate({.flavour = f, .arcs = true}));
    REQUIRE(path.ok());
    // The hole's outer wall: points on the circle of radius 4.225 about the
    // plate's centre, within 5 um, and many of them (two as chords).
    const auto walls = of_role(*path, Role::outer_wall);
    std::size_t on_circle = 0;
    for (const Segment& s : walls[5]) {
      const double r = std::hypot(s.x1 - 60, s.y1 - 60);
      if (r < 6) {
        CHECK(r == Approx(4.225).margin(0.006));
        ++on_circle;
      }
    }
    CHECK(on_circle > 60);
    // Without comments, the surface the comments give.
    const PreparedMesh pm = prepared(plate({.flavour = f, .arcs = true}));
    CHECK(pm.mass.area == Approx(typed.mass.area).epsilon(0.08));
    CHECK(pm.mass.signed_volume == Approx(typed.mass.signed_volume).epsilon(0.08));
    // The round hole's wall lies on the hole's face, r = 4.
    std::size_t on_hole = 0;
    for (const Tri& t : pm.mesh.triangles) {
      const Vec3f &a = pm.mesh.vertices[t[0]], &b = pm.mesh.vertices[t[1]], &c = pm.mesh.vertices[t[2]];
      const double r = std::hypot(a[0] - 60, a[1] - 60);
      if (r < 5 && (a[2] != b[2] || a[2] != c[2])) {  // walls, not the caps' strips
        CHECK(r == Approx(4).margin(0.25));           // the wall quads reach past the chord's ends
        ++on_hole;
      }
    }
    CHECK(on_hole > 20 * 60);
  }
}

TEST_CASE("G-code arcs: a full circle, both turning senses, and a hostile centre", "[io][gcode]") {
  // G2 from (10, 0) about (0, 0) back to (10, 0): one full clockwise circle.
  const auto full = parse_toolpath("G1 Z0.2\nG0 X10 Y0\nG2 X10 Y0 I-10 J0 E5\n");
  REQUIRE(full.ok());
  const auto& segs = full->layers[0].segments;
  REQUIRE(segs.size() > 50);
  double area2 = 0;
  for (const Segment& s : segs) {
    CHECK(std::hypot(s.x1, s.y1) == Approx(10).margin(0.006));
    area2 += double(s.x0) * s.y1 - double(s.x1) * s.y0;
  }
  CHECK(area2 / 2 == Approx(-std::numbers::pi * 100).epsilon(0.001));  // clockwise
  // G3 a quarter turn counter-clockwise from (10, 0) to (0, 10).
  const auto quarter = parse_toolpath("G1 Z0.2\nG0 X10 Y0\nG3 X0 Y10 I-10 J0 E1\n");
  REQUIRE(quarter.ok());
  double length = 0;
  for (const Segment& s : quarter->layers[0].segments) length += std::hypot(s.x1 - s.x0, s.y1 - s.y0);
  CHECK(length == Approx(std::numbers::pi * 5).epsilon(0.001));
  const auto far = parse_toolpath("G1 Z0.2\nG0 X10 Y0\nG3 X0 Y10 I1e300 J0 E1\n");
  REQUIRE_FALSE(far.ok());
  CHECK(far.status().message == "G-code line 3: arc centre out of range");
}
