// SPDX-License-Identifier: MIT
// VRML, natively: VRML 2.0 / VRML97 (ISO/IEC 14772-1:1997, UTF-8 encoding)
// and the VRML 1.0 that admesh and older CAD exports write ("#VRML V1.0
// ascii", Separator / Coordinate3 / IndexedFaceSet). Only the geometry that
// a print can be made of is read: IndexedFaceSet polygons (fans), their
// coordinates, and the transforms above them (V2 Transform with
// center/rotation/scale/scaleOrientation/translation; V1 Transform,
// Translation, Rotation, Scale, MatrixTransform), with DEF/USE of any node.
// Appearance, colours, normals, texture coordinates, PROTOs, ROUTEs and the
// primitive solids (Box, Sphere, Cone, Cylinder, ...) are skipped: a printed
// part is not exported as a sphere primitive.
//
// Cost: one pass over the text into a small node tree (points and indices
// held once, however often USEd), a counting walk, then one walk that
// places the triangles. A USE can repeat a subtree, so the counting walk is
// charged to the ScanBudget before any triangle is allocated and the walk
// itself is bounded in node visits, depth and time.
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "meshsentry/io.hpp"

namespace meshsentry {
namespace {

constexpr int kMaxDepth = 64;                     // nodes and brackets; real files use under 20
constexpr std::uint64_t kMaxVisits = 4'000'000;   // node instances walked, USE repeats included

using Mat = std::array<double, 16>;  // row-major, acting on column vectors
constexpr Mat kIdentity = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};

Mat mul(const Mat& a, const Mat& b) {
  Mat r{};
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < 4; ++k) r[i * 4 + j] += a[i * 4 + k] * b[k * 4 + j];
  return r;
}

Mat translation(double x, double y, double z) { return {1, 0, 0, x, 0, 1, 0, y, 0, 0, 1, z, 0, 0, 0, 1}; }
Mat scaling(double x, double y, double z) { return {x, 0, 0, 0, 0, y, 0, 0, 0, 0, z, 0, 0, 0, 0, 1}; }

// Axis-angle (Rodrigues); a zero axis is no rotation, as browsers take it.
Mat rotation(std::array<double, 4> r, bool inverse = false) {
  const double n = std::sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
  if (!(n > 0)) return kIdentity;
  const double x = r[0] / n, y = r[1] / n, z = r[2] / n, a = inverse ? -r[3] : r[3];
  const double c = std::cos(a), s = std::sin(a), t = 1 - c;
  return {t * x * x + c,     t * x * y - s * z, t * x * z + s * y, 0, t * x * y + s * z, t * y * y + c,
          t * y * z - s * x, 0, t * x * z - s * y, t * y * z + s * x, t * z * z + c,   0, 0, 0, 0, 1};
}

Status fail(const std::string& what, std::size_t line) {
  return make_error(ErrorCode::format, "vrml: " + what + " (line " + std::to_string(line) + ")");
}

// Tokens: { } [ ] as themselves, "strings" whole, and words (names,
// numbers). '#' starts a comment to the end of the line; commas are
// whitespace (ISO/IEC 14772-1, 5.1).
struct Lexer {
  std::string_view s;
  std::size_t at = 0, line = 1;

  static bool space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ','; }
  static bool bracket(char c) { return c == '{' || c == '}' || c == '[' || c == ']'; }
  static bool stop(char c) { return space(c) || bracket(c) || c == '#' || c == '"'; }

  // The next token, or empty at the end; an unterminated string is an error.
  Status next(std::string_view& tok) {
    for (;;) {
      while (at < s.size() && space(s[at])) line += s[at++] == '\n';
      if (at < s.size() && s[at] == '#') {
        while (at < s.size() && s[at] != '\n') ++at;
        continue;
      }
      break;
    }
    const std::size_t from = at;
    if (at == s.size()) {
      tok = {};
    } else if (bracket(s[at])) {
      tok = s.substr(at++, 1);
    } else if (s[at] == '"') {
      for (++at; at < s.size() && s[at] != '"'; ++at) {
        line += s[at] == '\n';
        if (s[at] == '\\') ++at;
      }
      if (at >= s.size()) return fail("unterminated string", line);
      tok = s.substr(from, ++at - from);
    } else {
      while (at < s.size() && !stop(s[at])) ++at;
      tok = s.substr(from, at - from);
    }
    return {};
  }
  std::string_view peek(int ahead = 1) const {
    Lexer copy = *this;
    std::string_view tok;
    for (int i = 0; i < ahead; ++i)
      if (!copy.next(tok).ok()) return {};
    return tok;
  }
};

bool is_word(std::string_view t) { return !t.empty() && !Lexer::bracket(t[0]) && t[0] != '"'; }

enum class Kind { ignored, group, separator, transform_separator, transform_state, shape, face_set, coordinate };

struct Node {
  Kind kind = Kind::ignored;
  Mat m = kIdentity;                        // the local transform of Transform nodes
  std::vector<std::shared_ptr<const Node>> children;  // children, or a Shape's geometry
  std::shared_ptr<const Node> coord;        // V2 IndexedFaceSet's Coordinate
  std::vector<Vec3f> points;                // Coordinate / Coordinate3
  std::vector<std::int32_t> index;          // coordIndex
  std::uint64_t triangles = 0;              // fan triangles of `index`
  std::int64_t max_index = -1;
  int height = 1;                           // levels below and including this node
};

// The transform fields of a V2 Transform or V1 Transform node.
struct TransformFields {
  std::array<double, 3> t{0, 0, 0}, c{0, 0, 0}, s{1, 1, 1};
  std::array<double, 4> r{0, 0, 1, 0}, so{0, 0, 1, 0};
  Mat matrix() const {  // T C R SR S -SR -C (14772-1, 6.52)
    Mat m = mul(translation(t[0], t[1], t[2]), translation(c[0], c[1], c[2]));
    m = mul(mul(m, rotation(r)), rotation(so));
    m = mul(mul(m, scaling(s[0], s[1], s[2])), rotation(so, true));
    return mul(m, translation(-c[0], -c[1], -c[2]));
  }
};

class Parser {
 public:
  Parser(std::string_view text, bool v1, const ScanBudget& budget) : lex_{text}, v1_(v1), budget_(budget) {}

  // Top level: nodes (and PROTO, EXTERNPROTO, ROUTE statements) to the end.
  Status parse_file(Node& root) {
    root.kind = Kind::separator;
    for (;;) {
      const std::string_view t = lex_.peek();
      if (t.empty()) return {};
      if (t == "}" || t == "]") return fail("unexpected '" + std::string(t) + "'", lex_.line);
      if (Status s = statement_or_node(root, 1); !s.ok()) return s;
    }
  }

 private:
  Lexer lex_;
  bool v1_;
  const ScanBudget& budget_;
  std::map<std::string, std::shared_ptr<const Node>, std::less<>> defs_;
  std::uint64_t tokens_ = 0;

  Status take(std::string_view& tok) {
    if ((++tokens_ & 0xffff) == 0)
      if (Status s = budget_.check_time(); !s.ok()) return s;
    return lex_.next(tok);
  }
  Status expect(std::string_view want) {
    std::string_view t;
    if (Status s = take(t); !s.ok()) return s;
    if (t != want)
      return fail("expected '" + std::string(want) + "', found " + (t.empty() ? "the end" : "'" + std::string(t) + "'"), lex_.line);
    return {};
  }
  static Status too_deep(std::size_t line) { return fail("nested deeper than " + std::to_string(kMaxDepth), line); }

  // From an opening bracket already taken to its partner, nested brackets
  // matched; for what is not read (unknown nodes, PROTO bodies, colours).
  Status skip_balanced(char open, int depth) {
    std::vector<char> stack{open == '{' ? '}' : ']'};
    while (!stack.empty()) {
      std::string_view t;
      if (Status s = take(t); !s.ok()) return s;
      if (t.empty()) return fail(std::string("unterminated '") + open + "'", lex_.line);
      if (t == "{" || t == "[") {
        if (depth + static_cast<int>(stack.size()) >= kMaxDepth) return too_deep(lex_.line);
        stack.push_back(t == "{" ? '}' : ']');
      } else if (t == "}" || t == "]") {
        if (t[0] != stack.back()) return fail("'" + std::string(t) + "' closes the wrong bracket", lex_.line);
        stack.pop_back();
      }
    }
    return {};
  }

  // PROTO name [...] {...}, EXTERNPROTO name [...] url, ROUTE a.b TO c.d:
  // skipped. Anything else is a node, added to `parent`'s children.
  Status statement_or_node(Node& parent, int depth) {
    const std::string_view t = lex_.peek();
    std::string_view w;
    if (t == "ROUTE") {
      for (int i = 0; i < 4; ++i)
        if (Status s = take(w); !s.ok()) return s;
      return {};
    }
    if (t == "PROTO" || t == "EXTERNPROTO") {
      for (int i = 0; i < 2; ++i)
        if (Status s = take(w); !s.ok()) return s;
      if (Status s = expect("["); !s.ok()) return s;
      if (Status s = skip_balanced('[', depth); !s.ok()) return s;
      if (Status s = take(w); !s.ok()) return s;
      if (w == "{" || w == "[") return skip_balanced(w[0], depth);
      return is_word(w) || w.starts_with('"') ? Status{} : fail("PROTO without a body", lex_.line);
    }
    std::shared_ptr<const Node> child;
    if (Status s = node(child, depth); !s.ok()) return s;
    if (child) {
      parent.children.push_back(child);
      parent.height = std::max(parent.height, child->height + 1);
    }
    return {};
  }

  // [DEF name] Type { body } | USE name | NULL. `out` stays null for NULL.
  Status node(std::shared_ptr<const Node>& out, int depth) {
    if (depth > kMaxDepth) return too_deep(lex_.line);
    std::string_view t, name;
    if (Status s = take(t); !s.ok()) return s;
    if (t == "NULL") return {};
    if (t == "USE") {
      if (Status s = take(name); !s.ok()) return s;
      // A name DEFined inside a skipped node (a Switch, a PROTO) is not
      // known here: its USE is skipped too, not an error.
      const auto found = defs_.find(name);
      if (found == defs_.end()) return is_word(name) ? Status{} : fail("USE without a name", lex_.line);
      if (found->second->height + depth > kMaxDepth) return too_deep(lex_.line);
      out = found->second;
      return {};
    }
    if (t == "DEF") {
      if (Status s = take(name); !s.ok()) return s;
      if (!is_word(name)) return fail("DEF without a name", lex_.line);
      if (Status s = take(t); !s.ok()) return s;
    }
    if (!is_word(t)) return fail(t.empty() ? "unexpected end of file" : "expected a node, found '" + std::string(t) + "'", lex_.line);
    if (Status s = expect("{"); !s.ok()) return s;
    auto n = std::make_shared<Node>();
    if (Status s = body(*n, t, depth); !s.ok()) return s;
    if (!name.empty()) defs_[std::string(name)] = n;  // after the body: a node cannot USE itself
    out = std::move(n);
    return {};
  }

  static Kind kind_of(std::string_view type, bool v1) {
    if (type == "IndexedFaceSet") return Kind::face_set;
    if (type == "Coordinate" || type == "Coordinate3") return Kind::coordinate;
    if (type == "Shape") return Kind::shape;
    if (type == "Transform") return v1 ? Kind::transform_state : Kind::separator;
    if (type == "Translation" || type == "Rotation" || type == "Scale" || type == "MatrixTransform")
      return Kind::transform_state;
    if (type == "Separator" || type == "Anchor" || type == "Billboard" || type == "Collision" || type == "WWWAnchor")
      return Kind::separator;
    if (type == "TransformSeparator") return Kind::transform_separator;
    if (type == "Group") return v1 ? Kind::group : Kind::separator;  // a V2 Group scopes nothing, but holds no state
    return Kind::ignored;
  }

  // After "Type {": fields and (VRML 1.0) child nodes up to the '}'.
  Status body(Node& n, std::string_view type, int depth) {
    n.kind = kind_of(type, v1_);
    if (n.kind == Kind::ignored) return skip_balanced('{', depth);
    TransformFields tf;
    for (;;) {
      const std::string_view t = lex_.peek();
      if (t == "}") break;
      if (t.empty()) return fail("unterminated '{' of " + std::string(type), lex_.line);
      if (!is_word(t)) return fail("unexpected '" + std::string(t) + "' in " + std::string(type), lex_.line);
      const std::string_view after = lex_.peek(2);
      if (t == "DEF" || t == "USE" || t == "PROTO" || t == "EXTERNPROTO" || t == "ROUTE" || after == "{") {
        if (Status s = statement_or_node(n, depth + 1); !s.ok()) return s;  // a VRML 1.0 child
        continue;
      }
      std::string_view field;
      if (Status s = take(field); !s.ok()) return s;
      if (Status s = field_value(n, type, field, tf, depth); !s.ok()) return s;
    }
    std::string_view close;
    if (Status s = take(close); !s.ok()) return s;
    if (type == "Transform" || type == "Translation" || type == "Rotation" || type == "Scale") n.m = tf.matrix();
    if (n.kind == Kind::face_set) return finish_face_set(n);
    if (n.kind == Kind::shape && n.children.size() > 1) n.children.resize(1);
    return {};
  }

  Status field_value(Node& n, std::string_view type, std::string_view field, TransformFields& tf, int depth) {
    if (n.kind == Kind::coordinate && field == "point") return points(n.points);
    if (n.kind == Kind::face_set && field == "coordIndex") return integers(n.index);
    if (n.kind == Kind::face_set && field == "coord") return single_node(n.coord, depth);
    if (n.kind == Kind::shape && field == "geometry") {
      std::shared_ptr<const Node> g;
      if (Status s = single_node(g, depth); !s.ok()) return s;
      if (g) n.children.insert(n.children.begin(), g), n.height = std::max(n.height, g->height + 1);
      return {};
    }
    if (field == "children" && n.kind == Kind::separator) return node_list(n, depth);
    if (type == "MatrixTransform" && field == "matrix") {
      std::array<double, 16> v{};
      if (Status s = numbers(v.data(), 16); !s.ok()) return s;
      for (int i = 0; i < 4; ++i)  // VRML 1.0 matrices are for row vectors: transposed here
        for (int j = 0; j < 4; ++j) n.m[i * 4 + j] = v[j * 4 + i];
      return {};
    }
    if (type == "Transform" || type == "Translation" || type == "Rotation" || type == "Scale") {
      if (field == "translation") return numbers(tf.t.data(), 3);
      if (field == "center") return numbers(tf.c.data(), 3);
      if (field == "scale" || field == "scaleFactor") return numbers(tf.s.data(), 3);
      if (field == "rotation") return numbers(tf.r.data(), 4);
      if (field == "scaleOrientation") return numbers(tf.so.data(), 4);
    }
    return skip_value(depth);
  }

  // A field not read: [ ... ], a node, or one token followed by numbers
  // (SFVec3f, SFRotation); "(A | B)" bit masks of VRML 1.0 too.
  Status skip_value(int depth) {
    std::string_view t = lex_.peek(), w;
    if (t == "[") {
      if (Status s = take(w); !s.ok()) return s;
      return skip_balanced('[', depth);
    }
    if (t == "DEF" || t == "USE" || lex_.peek(2) == "{") {
      std::shared_ptr<const Node> ignored;
      return node(ignored, depth + 1);
    }
    if (Status s = take(w); !s.ok()) return s;
    if (!is_word(w) && !w.starts_with('"')) return fail("a field without a value", lex_.line);
    if (w.starts_with('('))
      while (!w.ends_with(')'))
        if (Status s = take(w); !s.ok() || !is_word(w)) return s.ok() ? fail("unterminated '('", lex_.line) : s;
    for (t = lex_.peek(); !t.empty() && (std::isdigit(static_cast<unsigned char>(t[0])) || t[0] == '+' || t[0] == '-' || t[0] == '.');
         t = lex_.peek())
      if (Status s = take(w); !s.ok()) return s;
    return {};
  }

  Status single_node(std::shared_ptr<const Node>& out, int depth) { return node(out, depth + 1); }

  // MFNode: [ node node ... ] or one node.
  Status node_list(Node& n, int depth) {
    if (lex_.peek() != "[") return statement_or_node(n, depth + 1);
    std::string_view w;
    if (Status s = take(w); !s.ok()) return s;
    while (lex_.peek() != "]") {
      if (lex_.peek().empty()) return fail("unterminated '['", lex_.line);
      if (Status s = statement_or_node(n, depth + 1); !s.ok()) return s;
    }
    return take(w);
  }

  Status number(double& v) {
    std::string_view t;
    if (Status s = take(t); !s.ok()) return s;
    if (t.starts_with('+')) t.remove_prefix(1);
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc() || end != t.data() + t.size() || !std::isfinite(v))
      return fail("expected a number, found '" + std::string(t) + "'", lex_.line);
    return {};
  }
  Status numbers(double* v, int count) {
    for (int i = 0; i < count; ++i)
      if (Status s = number(v[i]); !s.ok()) return s;
    return {};
  }

  // MFVec3f: [ x y z, ... ] or one x y z.
  Status points(std::vector<Vec3f>& out) {
    std::string_view w;
    const bool list = lex_.peek() == "[";
    if (list && !take(w).ok()) return fail("bad point list", lex_.line);
    while (!list || lex_.peek() != "]") {
      if (list && lex_.peek().empty()) return fail("unterminated '[' of point", lex_.line);
      std::array<double, 3> p{};
      if (Status s = numbers(p.data(), 3); !s.ok()) return s;
      out.push_back({static_cast<float>(p[0]), static_cast<float>(p[1]), static_cast<float>(p[2])});
      if (!list) return {};
    }
    return take(w);
  }

  // MFInt32: [ i, j, ... ] or one i; decimal or 0x hex.
  Status integers(std::vector<std::int32_t>& out) {
    std::string_view w;
    const bool list = lex_.peek() == "[";
    if (list && !take(w).ok()) return fail("bad index list", lex_.line);
    while (!list || lex_.peek() != "]") {
      std::string_view t;
      if (Status s = take(t); !s.ok()) return s;
      if (t.empty()) return fail("unterminated '[' of coordIndex", lex_.line);
      const bool hex = t.starts_with("0x") || t.starts_with("0X");
      std::int64_t v = 0;
      const auto [end, ec] = std::from_chars(t.data() + (hex ? 2 : 0), t.data() + t.size(), v, hex ? 16 : 10);
      if (ec != std::errc() || end != t.data() + t.size() || v < -1 || v > INT32_MAX)
        return fail("bad coordinate index '" + std::string(t) + "'", lex_.line);
      out.push_back(static_cast<std::int32_t>(v));
      if (!list) return {};
    }
    return take(w);
  }

  // Triangles of the polygon fans, and the V2 coordinates checked against
  // the largest index (V1 ones are checked where the walk meets them).
  Status finish_face_set(Node& n) {
    std::uint64_t corners = 0;
    for (std::int32_t i : n.index) {
      if (i < 0) {
        corners = 0;
        continue;
      }
      n.max_index = std::max<std::int64_t>(n.max_index, i);
      if (++corners >= 3) ++n.triangles;
    }
    if (n.coord && n.coord->kind != Kind::coordinate) return fail("IndexedFaceSet coord is not a Coordinate", lex_.line);
    if (n.coord && n.max_index >= static_cast<std::int64_t>(n.coord->points.size()))
      return fail("coordIndex " + std::to_string(n.max_index) + " out of range (" +
                      std::to_string(n.coord->points.size()) + " points)", lex_.line);
    if (!v1_ && !n.coord && n.triangles > 0) return fail("IndexedFaceSet without coord", lex_.line);
    if (n.coord) n.height = n.coord->height + 1;
    return {};
  }
};

// The state a walk carries: the transform and, for VRML 1.0, the current
// coordinates.
struct State {
  Mat m = kIdentity;
  const std::vector<Vec3f>* coords = nullptr;
};

// Walks the tree twice: counting (emit == false) and placing.
class Walker {
 public:
  Walker(const ScanBudget& budget, bool emit, Mesh* mesh) : budget_(budget), emit_(emit), mesh_(mesh) {}
  std::uint64_t triangles = 0, vertices = 0, visits = 0;
  std::uint32_t face_sets = 0;

  Status walk(const Node& n, State& st) {
    if (++visits > kMaxVisits)
      return make_error(ErrorCode::limit, "limit: vrml: more than " + std::to_string(kMaxVisits) + " node instances (USE repeats)");
    if ((visits & 0x3ff) == 0)
      if (Status s = budget_.check_time(); !s.ok()) return s;
    switch (n.kind) {
      case Kind::separator: {
        State local = st;
        local.m = mul(st.m, n.m);
        return children(n, local);
      }
      case Kind::transform_separator: {
        const Mat saved = st.m;
        Status s = children(n, st);
        st.m = saved;
        return s;
      }
      case Kind::group:
      case Kind::shape: return children(n, st);
      case Kind::transform_state: st.m = mul(st.m, n.m); return {};
      case Kind::coordinate: st.coords = &n.points; return {};
      case Kind::face_set: return face_set(n, st);
      case Kind::ignored: return {};
    }
    return {};
  }

 private:
  const ScanBudget& budget_;
  bool emit_;
  Mesh* mesh_;
  // Where a coordinate list was placed under a transform: face sets that
  // share a Coordinate (one per colour, say) share its vertices too.
  std::map<std::pair<const std::vector<Vec3f>*, Mat>, std::uint64_t> placed_;

  Status children(const Node& n, State& st) {
    for (const auto& c : n.children)
      if (Status s = walk(*c, st); !s.ok()) return s;
    return {};
  }

  Status face_set(const Node& n, const State& st) {
    const std::vector<Vec3f>* pts = n.coord ? &n.coord->points : st.coords;
    if (n.triangles == 0) return {};
    if (!pts) return make_error(ErrorCode::format, "vrml: IndexedFaceSet before any Coordinate3");
    if (n.max_index >= static_cast<std::int64_t>(pts->size()))
      return make_error(ErrorCode::format, "vrml: coordIndex " + std::to_string(n.max_index) + " out of range (" +
                                               std::to_string(pts->size()) + " points)");
    ++face_sets;
    triangles += n.triangles;
    const auto [at, fresh] = placed_.try_emplace({pts, st.m}, vertices);
    if (fresh) vertices += pts->size();
    if (!emit_) return {};
    const auto base = static_cast<std::uint32_t>(at->second);
    const Mat& m = st.m;
    if (fresh)
      for (const Vec3f& p : *pts) {
        const double x = p[0], y = p[1], z = p[2];
        mesh_->vertices.push_back({static_cast<float>(m[0] * x + m[1] * y + m[2] * z + m[3]),
                                   static_cast<float>(m[4] * x + m[5] * y + m[6] * z + m[7]),
                                   static_cast<float>(m[8] * x + m[9] * y + m[10] * z + m[11])});
      }
    std::int32_t first = -1, prev = -1;
    std::uint64_t corners = 0;
    for (std::int32_t i : n.index) {
      if (i < 0) {
        corners = 0;
        continue;
      }
      if (++corners == 1) first = i;
      if (corners >= 3) {
        mesh_->triangles.push_back({base + first, base + static_cast<std::uint32_t>(prev), base + static_cast<std::uint32_t>(i)});
        mesh_->source_mesh.push_back(face_sets - 1);
      }
      prev = i;
    }
    return {};
  }
};

}  // namespace

Result<LoadedMesh> read_vrml(std::span<const std::byte> bytes, const LoadLimits& limits, ScanBudget* budget) {
  ScanBudget own(limits);
  ScanBudget& b = budget ? *budget : own;
  std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (text.starts_with("\xef\xbb\xbf")) text.remove_prefix(3);
  text.remove_prefix(std::min(text.size(), text.find_first_not_of(" \t\r\n")));
  bool v1 = false;
  if (text.starts_with("#VRML V1.0")) v1 = true;
  else if (!text.starts_with("#VRML V2.0")) return make_error(ErrorCode::format, "vrml: no '#VRML V2.0' or '#VRML V1.0' header");

  Node root;
  if (Status s = Parser(text, v1, b).parse_file(root); !s.ok()) return s;
  State st;
  Walker count(b, false, nullptr);
  if (Status s = count.walk(root, st); !s.ok()) return s;
  if (count.triangles == 0) return make_error(ErrorCode::empty, "vrml: no IndexedFaceSet with polygons");
  if (count.triangles > limits.max_triangles)
    return make_error(ErrorCode::limit, "limit: more than " + std::to_string(limits.max_triangles) + " triangles");
  if (count.vertices > UINT32_MAX) return make_error(ErrorCode::limit, "limit: vrml: more than 2^32 vertices");
  if (Status s = b.add_geometry(count.triangles, count.vertices); !s.ok()) return s;

  LoadedMesh out;
  out.format = Format::vrml;
  out.mesh.vertices.reserve(count.vertices);
  out.mesh.triangles.reserve(count.triangles);
  out.mesh.source_mesh.reserve(count.triangles);
  State st2;
  Walker place(b, true, &out.mesh);
  if (Status s = place.walk(root, st2); !s.ok()) return s;
  out.source_meshes = std::max<std::uint32_t>(1, place.face_sets);
  if (place.face_sets <= 1) out.mesh.source_mesh.clear();
  return out;
}

}  // namespace meshsentry
