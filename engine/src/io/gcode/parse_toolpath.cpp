// SPDX-License-Identifier: MIT
// G-code text to a toolpath: a small interpreter of the moves a slicer
// writes (G0-G3 in absolute or relative coordinates, G92, M82/M83) and of
// its comments: ";TYPE:" says what an extrusion is (PrusaSlicer/SuperSlicer
// ";TYPE:External perimeter", Orca/Bambu ";TYPE:Outer wall", Cura
// ";TYPE:WALL-OUTER"), ";HEIGHT:" and ";WIDTH:" its size. Without type
// comments (stripped, or a slicer whose comments say nothing we know) the
// paths themselves say which extrusions are walls (classify.hpp). One pass,
// linear in the text; the limits of toolpath.hpp bound the moves kept and
// the path length.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <numbers>
#include <string>
#include <utility>

#include "common/text.hpp"
#include "io/gcode/classify.hpp"
#include "io/gcode/toolpath.hpp"

namespace meshsentry::gcode {
namespace {

// Lower-cased ";TYPE:" value -> role; unknown types only cover.
Role role_of(std::string_view type) {
  // A table, two entries a row.
  // clang-format off
  static constexpr std::pair<std::string_view, Role> kRoles[] = {
      {"external perimeter", Role::outer_wall}, {"overhang perimeter", Role::outer_wall},
      {"outer wall", Role::outer_wall},         {"overhang wall", Role::outer_wall},
      {"wall-outer", Role::outer_wall},         {"perimeter", Role::inner_wall},
      {"inner wall", Role::inner_wall},         {"wall-inner", Role::inner_wall},
      {"top solid infill", Role::top},          {"top surface", Role::top},
      {"bridge infill", Role::bottom},          {"bottom surface", Role::bottom},
      {"bridge", Role::bottom},                 {"solid infill", Role::solid},
      {"skin", Role::open_fill},                {"internal solid infill", Role::solid},
      {"skirt", Role::skip},                    {"skirt/brim", Role::skip},
      {"brim", Role::skip},                     {"support material", Role::skip},
      {"support material interface", Role::skip}, {"support", Role::skip},
      {"support-interface", Role::skip},        {"wipe tower", Role::skip},
      {"prime tower", Role::skip},              {"custom", Role::skip},
  };
  // clang-format on
  for (const auto& [name, role] : kRoles)
    if (type == name) return role;
  return Role::fill;
}

// A line's start loses spaces and tabs, its end also a CRLF's '\r'.
std::string_view trim_line(std::string_view s) { return trim(s, " \t", " \t\r"); }

// A G-code number: a leading '+' is allowed, inf and nan are not.
bool parse_double(std::string_view s, double& out) { return parse_number(s, out, {.plus = true, .finite = true}); }

// A line's words: the command (its letter and number, -1 without one) and
// the X, Y, Z, E, and arc centre I, J arguments (NaN where absent).
struct Words {
  char letter = 0;
  double number = -1;
  double x = NAN, y = NAN, z = NAN, e = NAN, i = NAN, j = NAN;
};

// Words are a letter and a number each, separated by spaces or tabs.
Words split_words(std::string_view line) {
  Words w;
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
      w.letter = letter;
      w.number = number ? v : -1;
      first = false;
    } else if (number) {
      if (letter == 'X') w.x = v;
      else if (letter == 'Y') w.y = v;
      else if (letter == 'Z') w.z = v;
      else if (letter == 'E') w.e = v;
      else if (letter == 'I') w.i = v;
      else if (letter == 'J') w.j = v;
    }
    i = j;
  }
  return w;
}

// The interpreter's state between lines, and what it has read so far.
class Parser {
 public:
  // One line of the text (without its '\n'), numbered from 1.
  Status line(std::string_view line, std::size_t lineno) {
    const std::size_t semi = line.find(';');
    if (semi != std::string_view::npos) {
      comment(trim_line(line.substr(semi + 1)));
      line = line.substr(0, semi);
    }
    line = trim_line(line);
    if (line.empty()) return {};
    return command(split_words(line), lineno);
  }

  Result<Toolpath> finish(const ScanBudget* budget) {
    if (moves_ == 0) return make_error(ErrorCode::empty, "G-code without extrusion moves");
    if (!typed_)
      if (Status s = classify_untyped(path_, budget); !s.ok()) return s;
    return std::move(path_);
  }

 private:
  // ";TYPE:", ";HEIGHT:" and ";WIDTH:" (any case); other comments say nothing.
  void comment(std::string_view comment) {
    auto value_of = [&](std::string_view key) -> std::string_view {
      return comment.size() > key.size() && to_lower(std::string(comment.substr(0, key.size()))) == key
                 ? trim_line(comment.substr(key.size()))
                 : std::string_view();
    };
    if (auto t = value_of("type:"); !t.empty()) {
      role_ = role_of(to_lower(std::string(t)));
      typed_ = true;
    } else if (auto h = value_of("height:"); !h.empty()) {
      double v;
      if (parse_double(h, v) && v >= kMinLine && v < 10) {
        layer_height_ = v;
        height_given_ = true;
      }
    } else if (auto w = value_of("width:"); !w.empty()) {
      double v;
      if (parse_double(w, v) && v >= kMinLine && v < 10) width_ = v;
    }
  }

  Status command(const Words& w, std::size_t lineno) {
    if (w.letter == 'M') {
      if (w.number == 82) absolute_e_ = true;
      if (w.number == 83) absolute_e_ = false;
      return {};
    }
    if (w.letter != 'G' || !(w.number >= 0 && w.number < 1000)) return {};
    const int g = static_cast<int>(w.number);
    if (g == 90) absolute_xyz_ = absolute_e_ = true;
    else if (g == 91) absolute_xyz_ = absolute_e_ = false;
    else if (g == 92) {
      if (!std::isnan(w.e)) e_ = w.e;
      if (!std::isnan(w.x)) x_ = w.x;
      if (!std::isnan(w.y)) y_ = w.y;
      if (!std::isnan(w.z)) z_ = w.z;
    } else if (g == 0 || g == 1 || g == 2 || g == 3) {
      return move(w, lineno, g == 2 ? -1 : g == 3 ? 1 : 0);
    }
    return {};
  }

  // G0-G3 to (X, Y, Z), extruding E: kept when it extrudes across the
  // layer. `arc`: +1 counter-clockwise (G3), -1 clockwise (G2), 0 straight.
  Status move(const Words& w, std::size_t lineno, int arc) {
    const double nx = std::isnan(w.x) ? x_ : absolute_xyz_ ? w.x : x_ + w.x;
    const double ny = std::isnan(w.y) ? y_ : absolute_xyz_ ? w.y : y_ + w.y;
    const double nz = std::isnan(w.z) ? z_ : absolute_xyz_ ? w.z : z_ + w.z;
    double de = 0;
    if (!std::isnan(w.e)) {
      de = absolute_e_ ? w.e - e_ : w.e;
      e_ = absolute_e_ ? w.e : e_ + w.e;
    }
    if (!std::isfinite(nx) || !std::isfinite(ny) || !std::isfinite(nz) || std::abs(nx) > 1e6 || std::abs(ny) > 1e6 ||
        std::abs(nz) > 1e6)
      return make_error(ErrorCode::format, "G-code line " + std::to_string(lineno) + ": coordinate out of range");
    const bool centred = arc != 0 && (!std::isnan(w.i) || !std::isnan(w.j));
    if (de > 0 && std::abs(nz - z_) < 1e-6) {
      if (centred) {
        if (Status s = extrude_arc(nx, ny, std::isnan(w.i) ? 0 : w.i, std::isnan(w.j) ? 0 : w.j, arc, lineno); !s.ok())
          return s;
      } else if (std::hypot(nx - x_, ny - y_) > 1e-6) {
        if (Status s = extrude(nx, ny, lineno); !s.ok()) return s;
      }
    }
    x_ = nx;
    y_ = ny;
    z_ = nz;
    return {};
  }

  // An arc from the current point to (nx, ny) about the centre at (i, j)
  // from it, turning `arc` (+1 counter-clockwise), as chords that stray at
  // most 5 um from it (at most 1000 of them); ending where it started, a
  // full circle, as firmware reads it. Arc-fitting slicers (Orca, Bambu
  // Studio, PrusaSlicer 2.6+) write round walls this way.
  Status extrude_arc(double nx, double ny, double i, double j, int arc, std::size_t lineno) {
    if (!std::isfinite(i) || !std::isfinite(j) || std::abs(i) > 1e6 || std::abs(j) > 1e6)
      return make_error(ErrorCode::format, "G-code line " + std::to_string(lineno) + ": arc centre out of range");
    const double cx = x_ + i, cy = y_ + j, r = std::hypot(i, j);
    const double a0 = std::atan2(-j, -i), a1 = std::atan2(ny - cy, nx - cx);
    double sweep = a1 - a0;
    if (arc > 0 && sweep <= 1e-9) sweep += 2 * std::numbers::pi;
    if (arc < 0 && sweep >= -1e-9) sweep -= 2 * std::numbers::pi;
    constexpr double kTolerance = 0.005;
    const double step = r > kTolerance ? 2 * std::acos(1 - kTolerance / r) : std::numbers::pi;
    const int n = static_cast<int>(std::clamp(std::ceil(std::abs(sweep) / step), 1.0, 1000.0));
    for (int k = 1; k <= n; ++k) {
      const double a = a0 + sweep * k / n;
      // The last chord ends exactly where the move does.
      const double px = k == n ? nx : cx + r * std::cos(a), py = k == n ? ny : cy + r * std::sin(a);
      if (std::hypot(px - x_, py - y_) <= 1e-6) continue;
      if (Status s = extrude(px, py, lineno); !s.ok()) return s;
      x_ = px;
      y_ = py;
    }
    return {};
  }

  // An extrusion from the current point to (nx, ny) at the current height.
  Status extrude(double nx, double ny, std::size_t lineno) {
    std::vector<Layer>& layers = path_.layers;
    if (layers.empty() || std::abs(layers.back().z - z_) > 1e-6) {
      // A new layer; its height from the slicer's comment, else from the
      // step since the last one.
      Layer l;
      l.z = z_;
      const double step = layers.empty() ? z_ : z_ - layers.back().z;
      l.height = std::clamp(height_given_ ? layer_height_ : step, 1e-3, 10.0);
      height_given_ = false;
      layers.push_back(std::move(l));
    }
    if (++moves_ > kMaxToolpathMoves)
      return make_error(ErrorCode::limit,
                        "limit: more than " + std::to_string(kMaxToolpathMoves) + " extrusion moves in the G-code");
    layers.back().segments.push_back(
        {float(x_), float(y_), float(nx), float(ny), float(width_), typed_ ? role_ : Role::outer_wall});
    const double move = std::hypot(nx - x_, ny - y_);
    if (move > kMaxMove)
      return make_error(ErrorCode::format, "G-code line " + std::to_string(lineno) + ": an extrusion longer than 2 m");
    if ((path_length_ += move) > kMaxToolpathLength)
      return make_error(ErrorCode::limit, "limit: G-code toolpath longer than 20 km");
    return {};
  }

  bool absolute_xyz_ = true, absolute_e_ = true, typed_ = false, height_given_ = false;
  double x_ = 0, y_ = 0, z_ = 0, e_ = 0;
  double layer_height_ = 0.2, width_ = 0.45;
  Role role_ = Role::outer_wall;  // until a type comment says otherwise
  std::uint64_t moves_ = 0;
  double path_length_ = 0;
  Toolpath path_;
};

}  // namespace

Result<Toolpath> parse_toolpath(std::string_view text, const ScanBudget* budget) {
  Parser parser;
  std::size_t pos = 0, lineno = 0;
  while (pos < text.size()) {
    // The deadline, every 64 Ki lines: a few milliseconds of parsing.
    if (budget && (lineno & 0xFFFF) == 0)
      if (Status s = budget->check_time(); !s.ok()) return s;
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    if (Status s = parser.line(text.substr(pos, end - pos), ++lineno); !s.ok()) return s;
    pos = end + 1;
  }
  return parser.finish(budget);
}

}  // namespace meshsentry::gcode
