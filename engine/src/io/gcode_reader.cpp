// SPDX-License-Identifier: MIT
// G-code (a sliced print) back to the surface it prints. A slicer annotates
// each extrusion with what it is (PrusaSlicer/SuperSlicer ";TYPE:External
// perimeter", Orca/Bambu ";TYPE:Outer wall", Cura ";TYPE:WALL-OUTER"). Only
// the moves that trace the part's skin are kept:
//   - outer walls: the nozzle runs half an extrusion width inside the wall, so
//     each segment becomes a vertical quad one layer high, moved half a width
//     out along its right-hand normal (contours run counter-clockwise, holes
//     clockwise, so the right-hand side is always outside the material) and
//     lengthened by half a width at each end to close the loop's corners;
//   - top surfaces: each line becomes a horizontal strip one width wide at the
//     top of its layer, facing up;
//   - bottom surfaces (the first layer's solid infill, bridges, Orca's
//     "Bottom surface"): strips at the bottom of their layer, facing down.
// Inner walls, sparse and inner solid infill, supports, skirts and travel
// moves are skipped. The result is a triangle soup with outward winding that
// closes up to the gaps between lines, so areas, volumes and surface samples
// come out close to the model's. Without type comments every extrusion is
// taken as wall. Arcs (G2/G3) are taken as their chord.
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <numbers>
#include <string>
#include <string_view>

#include "meshsentry/io.hpp"

namespace meshsentry {
namespace {

enum class Role { skip, wall, top, bottom, first_layer_solid };

// Lower-cased ";TYPE:" value -> role.
Role role_of(std::string_view type) {
  static constexpr std::pair<std::string_view, Role> kRoles[] = {
      {"external perimeter", Role::wall},   {"overhang perimeter", Role::wall},
      {"outer wall", Role::wall},           {"overhang wall", Role::wall},
      {"wall-outer", Role::wall},           {"top solid infill", Role::top},
      {"top surface", Role::top},           {"ironing", Role::skip},
      {"bridge infill", Role::bottom},      {"bottom surface", Role::bottom},
      {"bridge", Role::bottom},             {"solid infill", Role::first_layer_solid},
      {"skin", Role::first_layer_solid},    {"internal solid infill", Role::first_layer_solid},
  };
  for (const auto& [name, role] : kRoles)
    if (type == name) return role;
  return Role::skip;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
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

}  // namespace

// Each kept move costs two unshared quads' worth of memory (36 bytes a
// triangle), so a toolpath gets a tighter triangle budget than a mesh: 20
// million is a 700 MB surface, far past any real print's skin.
constexpr std::uint64_t kMaxToolpathTriangles = 20'000'000;

Result<LoadedMesh> read_gcode(std::span<const std::byte> bytes, const LoadLimits& limits) {
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  Builder out{{}, std::min(limits.max_triangles, kMaxToolpathTriangles)};
  bool absolute_xyz = true, absolute_e = true, typed = false;
  double x = 0, y = 0, z = 0, e = 0;
  double layer_height = 0.2, width = 0.45, first_layer_z = -1;
  Role role = Role::wall;  // until a type comment says otherwise
  std::size_t pos = 0, lineno = 0, extrusions = 0;
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
        return comment.size() > key.size() && lower(comment.substr(0, key.size())) == key
                   ? trim(comment.substr(key.size()))
                   : std::string_view();
      };
      if (auto t = value_of("type:"); !t.empty()) {
        role = role_of(lower(t));
        typed = true;
      } else if (auto h = value_of("height:"); !h.empty()) {
        double v;
        if (parse_double(h, v) && v > 0 && v < 10) layer_height = v;
      } else if (auto w = value_of("width:"); !w.empty()) {
        double v;
        if (parse_double(w, v) && v > 0 && v < 10) width = v;
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
    if (cmd_letter != 'G') continue;
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
      const double dx = nx - x, dy = ny - y, len = std::hypot(dx, dy);
      if (de > 0 && len > 1e-6 && std::abs(nz - z) < 1e-6) {
        if (first_layer_z < 0) first_layer_z = z;
        ++extrusions;
        const Role r = role == Role::first_layer_solid ? (std::abs(z - first_layer_z) < 1e-6 ? Role::bottom : Role::skip)
                       : typed                         ? role
                                                       : Role::wall;
        const double rx = dy / len, ry = -dx / len;  // right-hand normal
        const double h = std::min(layer_height, std::max(z, 1e-3)), half = width / 2;
        if (r == Role::wall) {
          // Out by half a width, and longer by half a width at each end so
          // that the quads of a loop meet at its convex corners.
          const double ox = rx * half, oy = ry * half, ux = dx / len * half, uy = dy / len * half;
          const double ax = x - ux + ox, ay = y - uy + oy, bx = nx + ux + ox, by = ny + uy + oy;
          out.quad({ax, ay, z - h}, {bx, by, z - h}, {bx, by, z}, {ax, ay, z});
        } else if (r == Role::top || r == Role::bottom) {
          // Neighbouring lines are one spacing apart, not one width: an
          // extrusion's rounded sides overlap (Slic3r's flow model).
          const double zz = r == Role::top ? z : z - h;
          const double spacing = std::max(width - h * (1 - std::numbers::pi / 4), width / 2);
          const double ox = rx * spacing / 2, oy = ry * spacing / 2;
          // Facing up: right edge forward, left edge back (counter-clockwise
          // seen from above); facing down, the other way round.
          const std::array<double, 3> l0{x - ox, y - oy, zz}, r0{x + ox, y + oy, zz}, r1{nx + ox, ny + oy, zz},
              l1{nx - ox, ny - oy, zz};
          if (r == Role::top) out.quad(r0, r1, l1, l0);
          else out.quad(l0, l1, r1, r0);
        }
        if (out.over)
          return make_error(ErrorCode::limit, "limit: more than " + std::to_string(out.max_triangles) +
                                                  " triangles from the G-code's extrusions");
      }
      x = nx;
      y = ny;
      z = nz;
    }
  }
  if (extrusions == 0) return make_error(ErrorCode::empty, "G-code without extrusion moves");
  if (out.mesh.triangles.empty())
    return make_error(ErrorCode::empty, "G-code without outer walls or top and bottom surfaces");
  LoadedMesh loaded;
  loaded.mesh = std::move(out.mesh);
  loaded.format = Format::gcode;
  return loaded;
}

}  // namespace meshsentry
