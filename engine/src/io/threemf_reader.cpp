// SPDX-License-Identifier: MIT
// 3MF, read natively: an OPC zip package whose model parts are XML (3MF
// core specification 1.3, with the production extension's components that
// point into other parts). Assimp 5.2 read 5 of the 17 3MF files of our
// test corpus (Assimp's, OpenSCAD's, PrusaSlicer's and trimesh's samples):
// it crashed on 5 (a PrusaSlicer project among them), found nothing in 4,
// and did not recognise OpenSCAD's 3 bare model parts. 3MF is what slicers
// save, so it is parsed here, with expat, in process, like STL. A bare model
// part (the XML alone) is read too.
//
// Every build item is placed, objects of any type (a part marked "support"
// is still geometry), each component through its transform; each placed
// mesh is one source mesh. Coordinates are converted to millimetres by the
// model's unit. What the build places is counted before it is allocated:
// components of components multiply, and a 27 KB file can ask for billions
// of vertices.
#include <expat.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/text.hpp"
#include "meshsentry/io.hpp"

namespace meshsentry {
namespace {

// Row-vector affine map of the 3MF spec: p' = p * M, M is 4x3 with the
// translation in the last row; stored as its 12 numbers m00 m01 m02 m10 ... m32.
using Affine = std::array<double, 12>;
constexpr Affine kIdentity{1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0};

Affine then(const Affine& a, const Affine& b) {  // a first, then b
  Affine r{};
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 3; ++j) {
      double s = i == 3 ? b[9 + j] : 0;
      for (int k = 0; k < 3; ++k) s += a[3 * i + k] * b[3 * k + j];
      r[3 * i + j] = s;
    }
  return r;
}

struct Component {
  std::string part;  // normalised part name; empty: the same part
  std::uint32_t object = 0;
  Affine transform = kIdentity;
};

struct Object {
  std::vector<Vec3f> vertices;
  std::vector<std::array<std::uint32_t, 3>> triangles;
  std::vector<Component> components;
};

struct Part {
  std::map<std::uint32_t, Object> objects;
  std::vector<Component> build;  // items: the same fields as a component
};

// OPC part names are case-insensitive and absolute ("/3D/3dmodel.model");
// zip entries have no leading slash.
std::string part_name(std::string_view s) {
  while (!s.empty() && (s.front() == '/' || s.front() == '\\')) s.remove_prefix(1);
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Errors say "3mf:" first, but a limit says "limit:" first, as every limit does.
Status error_3mf(ErrorCode code, const std::string& message) {
  return make_error(code, code == ErrorCode::limit ? message : "3mf: " + message);
}

std::string_view local_name(const char* name) {
  const char* colon = std::strrchr(name, ':');
  return colon ? colon + 1 : name;
}

// An xs:double attribute: the whole attribute is the number, white space
// around it allowed, and XML Schema allows a leading '+'; inf and nan are no
// coordinates.
bool parse_decimal(std::string_view s, double& out) {
  return parse_number(s, out, {.plus = true, .spaces = true, .finite = true});
}

// An index or id attribute: digits only, white space around them allowed.
bool parse_index(std::string_view s, std::uint32_t& out) { return parse_number(s, out, {.spaces = true}); }

bool parse_transform(std::string_view s, Affine& out) {
  for (int i = 0; i < 12; ++i) {
    s = trim(s, kAsciiSpace, "");
    std::size_t end = 0;
    while (end < s.size() && !std::isspace(static_cast<unsigned char>(s[end]))) ++end;
    if (end == 0 || !parse_decimal(s.substr(0, end), out[i])) return false;
    s.remove_prefix(end);
  }
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

double unit_in_mm(std::string_view unit) {
  if (unit == "micron") return 0.001;
  if (unit == "centimeter") return 10;
  if (unit == "inch") return 25.4;
  if (unit == "foot") return 304.8;
  if (unit == "meter") return 1000;
  return 1;  // millimeter, the default
}

// SAX state for one model part.
class PartParser {
 public:
  PartParser(Part& part, const LoadLimits& limits, const ScanBudget& budget, std::uint64_t& triangles)
      : part_(part), limits_(limits), budget_(budget), triangles_(triangles) {}

  Status parse(std::span<const std::byte> xml) {
    std::unique_ptr<XML_ParserStruct, decltype(&XML_ParserFree)> p(XML_ParserCreate(nullptr), &XML_ParserFree);
    if (!p) return make_error(ErrorCode::io, "3mf: out of memory");
    parser_ = p.get();
    XML_SetUserData(parser_, this);
    XML_SetElementHandler(parser_, &PartParser::start, &PartParser::end);
    // Fed in slices: XML_Parse takes an int length.
    constexpr std::size_t kSlice = std::size_t{1} << 28;
    std::size_t at = 0;
    do {
      const std::size_t n = std::min(kSlice, xml.size() - at);
      const bool last = at + n == xml.size();
      if (XML_Parse(parser_, reinterpret_cast<const char*>(xml.data() + at), static_cast<int>(n), last) ==
          XML_STATUS_ERROR) {
        if (!error_.ok()) return error_;
        return make_error(ErrorCode::format, std::string("3mf: XML error at line ") +
                                                 std::to_string(XML_GetCurrentLineNumber(parser_)) + ": " +
                                                 XML_ErrorString(XML_GetErrorCode(parser_)));
      }
      at += n;
    } while (at < xml.size());
    if (!seen_model_) return make_error(ErrorCode::format, "3mf: no <model> element");
    return {};
  }

 private:
  static void start(void* self, const char* name, const char** attrs) {
    static_cast<PartParser*>(self)->on_start(local_name(name), attrs);
  }
  static void end(void* self, const char* name) { static_cast<PartParser*>(self)->on_end(local_name(name)); }

  void fail(ErrorCode code, std::string message) {
    if (error_.ok()) error_ = error_3mf(code, message);
    XML_StopParser(parser_, XML_FALSE);
  }

  // Attribute by local name ("p:path" answers "path").
  static const char* attribute(const char** attrs, std::string_view want) {
    for (; attrs[0]; attrs += 2)
      if (local_name(attrs[0]) == want) return attrs[1];
    return nullptr;
  }

  bool reference(const char** attrs, Component& c) {
    const char* id = attribute(attrs, "objectid");
    if (!id || !parse_index(id, c.object)) {
      fail(ErrorCode::format, "a component or build item without a valid objectid");
      return false;
    }
    if (const char* path = attribute(attrs, "path")) c.part = part_name(path);
    if (const char* t = attribute(attrs, "transform"); t && !parse_transform(t, c.transform)) {
      fail(ErrorCode::format, std::string("bad transform \"") + std::string(t).substr(0, 80) + "\"");
      return false;
    }
    return true;
  }

  void on_start(std::string_view name, const char** attrs) {
    // The deadline, every 64 Ki elements: about a millisecond of parsing.
    if ((++elements_ & 0xFFFF) == 0)
      if (Status s = budget_.check_time(); !s.ok()) return fail(s.code, s.message);
    if (name == "model") {
      seen_model_ = true;
      if (const char* u = attribute(attrs, "unit")) scale_ = unit_in_mm(u);
    } else if (name == "object") {
      std::uint32_t id = 0;
      const char* s = attribute(attrs, "id");
      if (!s || !parse_index(s, id)) return fail(ErrorCode::format, "an object without a valid id");
      auto [it, fresh] = part_.objects.try_emplace(id);
      if (!fresh) return fail(ErrorCode::format, "object id " + std::to_string(id) + " used twice");
      object_ = &it->second;
    } else if (name == "vertex" && object_) {
      double x, y, z;
      const char *sx = attribute(attrs, "x"), *sy = attribute(attrs, "y"), *sz = attribute(attrs, "z");
      if (!sx || !sy || !sz || !parse_decimal(sx, x) || !parse_decimal(sy, y) || !parse_decimal(sz, z))
        return fail(ErrorCode::format, "a vertex without three finite coordinates");
      object_->vertices.push_back({float(x * scale_), float(y * scale_), float(z * scale_)});
    } else if (name == "triangle" && object_) {
      std::array<std::uint32_t, 3> t{};
      const char* v[3] = {attribute(attrs, "v1"), attribute(attrs, "v2"), attribute(attrs, "v3")};
      for (int k = 0; k < 3; ++k)
        if (!v[k] || !parse_index(v[k], t[k])) return fail(ErrorCode::format, "a triangle without three vertex indices");
      if (++triangles_ > limits_.max_triangles)
        return fail(ErrorCode::limit, "limit: more than " + std::to_string(limits_.max_triangles) + " triangles");
      object_->triangles.push_back(t);
    } else if (name == "component" && object_) {
      Component c;
      if (reference(attrs, c)) object_->components.push_back(std::move(c));
    } else if (name == "item") {
      Component c;
      if (reference(attrs, c)) part_.build.push_back(std::move(c));
    }
  }
  void on_end(std::string_view name) {
    if (name == "object") object_ = nullptr;
  }

  Part& part_;
  const LoadLimits& limits_;
  const ScanBudget& budget_;
  std::uint64_t& triangles_;
  std::uint64_t elements_ = 0;
  XML_Parser parser_ = nullptr;
  Object* object_ = nullptr;
  double scale_ = 1;
  bool seen_model_ = false;
  Status error_;
};

// Places build items into one mesh.
class Assembler {
 public:
  // Instancing can repeat a small file's triangles without end, so placed
  // triangles are capped at 256 times those the file defines (a plate of a
  // hundred copies of one part is 100), besides max_triangles.
  Assembler(const std::map<std::string, Part>& parts, const LoadLimits& limits, ScanBudget& budget,
            std::uint64_t defined)
      : parts_(parts), limits_(limits), budget_(budget),
        max_triangles_(std::min<std::uint64_t>(limits.max_triangles, std::max<std::uint64_t>(defined, 1) * 256)) {}

  // What placing `items` of `part` will produce, charged to the budget
  // before anything is allocated; then room is reserved for exactly that.
  Status count(const std::string& part, const std::vector<Component>& items) {
    Size total;
    for (const Component& c : items) {
      Size one;
      if (Status s = measure(part, c, 0, one); !s.ok()) return s;
      total.add(one);
    }
    if (total.placements > kMaxPlacements)
      return make_error(ErrorCode::limit, "limit: more than a million component placements");
    if (total.triangles > max_triangles_) return over_triangles();
    if (Status s = budget_.add_geometry(total.triangles, total.vertices); !s.ok()) return s;
    out_.mesh.vertices.reserve(total.vertices);
    out_.mesh.triangles.reserve(total.triangles);
    out_.mesh.source_mesh.reserve(total.triangles);
    return {};
  }

  Status place(const std::string& part, const Component& c, const Affine& outer, int depth) {
    // Components may nest; a cycle or a fan-out bomb ends here.
    if (depth > kMaxDepth) return too_deep();
    if (++placements_ > kMaxPlacements) return make_error(ErrorCode::limit, "limit: more than a million component placements");
    if (Status s = budget_.check_time(); !s.ok()) return s;
    const Object* found = nullptr;
    const std::string& where = c.part.empty() ? part : c.part;
    if (Status s = find(where, c.object, found); !s.ok()) return s;
    const Affine t = then(c.transform, outer);
    const Object& obj = *found;
    if (!obj.triangles.empty()) {
      if (out_.mesh.triangles.size() + obj.triangles.size() > max_triangles_) return over_triangles();
      const auto base = static_cast<std::uint32_t>(out_.mesh.vertices.size());
      if (out_.mesh.vertices.size() + obj.vertices.size() > std::numeric_limits<std::uint32_t>::max())
        return make_error(ErrorCode::limit, "limit: too many vertices");
      for (const Vec3f& v : obj.vertices) {
        Vec3f w;
        for (int j = 0; j < 3; ++j)
          w[j] = float(v[0] * t[j] + v[1] * t[3 + j] + v[2] * t[6 + j] + t[9 + j]);
        if (!std::isfinite(w[0]) || !std::isfinite(w[1]) || !std::isfinite(w[2]))
          return make_error(ErrorCode::format, "3mf: a transform takes a vertex out of range");
        out_.mesh.vertices.push_back(w);
      }
      const std::uint32_t mesh_id = meshes_++;
      for (const auto& tri : obj.triangles) {
        for (std::uint32_t k : tri)
          if (k >= obj.vertices.size())
            return make_error(ErrorCode::format, "3mf: object " + std::to_string(c.object) + ": triangle index " +
                                                     std::to_string(k) + " past its " +
                                                     std::to_string(obj.vertices.size()) + " vertices");
        out_.mesh.triangles.push_back({base + tri[0], base + tri[1], base + tri[2]});
        out_.mesh.source_mesh.push_back(mesh_id);
      }
    }
    for (const Component& inner : obj.components)
      if (Status s = place(where, inner, t, depth + 1); !s.ok()) return s;
    return {};
  }

  // An object's size once placed with all its components, memoised per
  // object: a shared component is measured once however often it is used.
  struct Size {
    std::uint64_t triangles = 0, vertices = 0, placements = 0;
    void add(const Size& o) {
      triangles = sat(triangles + o.triangles, triangles);
      vertices = sat(vertices + o.vertices, vertices);
      placements = sat(placements + o.placements, placements);
    }
    static std::uint64_t sat(std::uint64_t sum, std::uint64_t before) { return sum < before ? UINT64_MAX : sum; }
  };

  LoadedMesh finish() {
    out_.format = Format::threemf;
    out_.source_meshes = std::max<std::uint32_t>(1, meshes_);
    return std::move(out_);
  }

 private:
  static constexpr int kMaxDepth = 16;
  static constexpr std::uint64_t kMaxPlacements = 1'000'000;

  static Status too_deep() { return make_error(ErrorCode::format, "3mf: components nested deeper than 16 (a cycle?)"); }
  Status over_triangles() const {
    return make_error(ErrorCode::limit, "limit: the build places more than " + std::to_string(max_triangles_) +
                                            " triangles (" + std::to_string(limits_.max_triangles) +
                                            " at most, 256 times the file's own)");
  }

  Status find(const std::string& where, std::uint32_t id, const Object*& obj) const {
    const auto p = parts_.find(where);
    if (p == parts_.end()) return make_error(ErrorCode::format, "3mf: no model part \"" + where + "\"");
    const auto o = p->second.objects.find(id);
    if (o == p->second.objects.end())
      return make_error(ErrorCode::format, "3mf: build item or component names object " + std::to_string(id) +
                                               ", which does not exist");
    obj = &o->second;
    return {};
  }

  // Sizes multiply down the component tree; saturating, since a few levels
  // of fan-out pass 2^64. A cycle is an object met again while measured.
  Status measure(const std::string& part, const Component& c, int depth, Size& out) {
    if (depth > kMaxDepth) return too_deep();
    const std::string& where = c.part.empty() ? part : c.part;
    const Object* obj = nullptr;
    if (Status s = find(where, c.object, obj); !s.ok()) return s;
    const auto key = std::make_pair(where, c.object);
    if (const auto m = sizes_.find(key); m != sizes_.end()) {
      if (m->second.placements == 0) return too_deep();  // still being measured: a cycle
      out = m->second;
      return {};
    }
    sizes_[key] = Size{};
    Size size{obj->triangles.size(), obj->triangles.empty() ? 0 : obj->vertices.size(), 1};
    for (const Component& inner : obj->components) {
      Size one;
      if (Status s = measure(where, inner, depth + 1, one); !s.ok()) return s;
      size.add(one);
    }
    sizes_[key] = size;
    out = size;
    return {};
  }

  const std::map<std::string, Part>& parts_;
  const LoadLimits& limits_;
  ScanBudget& budget_;
  const std::uint64_t max_triangles_;
  std::map<std::pair<std::string, std::uint32_t>, Size> sizes_;
  LoadedMesh out_;
  std::uint32_t meshes_ = 0;
  std::uint64_t placements_ = 0;
};

// The root model part named by the package relationships, else the usual name.
std::string root_part(const std::vector<ArchiveMember>& members, const std::map<std::string, Part>& parts) {
  for (const ArchiveMember& m : members) {
    if (part_name(m.name) != "_rels/.rels" || !m.error.ok()) continue;
    std::string target;
    std::unique_ptr<XML_ParserStruct, decltype(&XML_ParserFree)> p(XML_ParserCreate(nullptr), &XML_ParserFree);
    if (!p || m.bytes.size() > (std::size_t{1} << 24)) break;
    XML_SetUserData(p.get(), &target);
    XML_SetStartElementHandler(p.get(), [](void* data, const char* name, const char** attrs) {
      auto& t = *static_cast<std::string*>(data);
      if (local_name(name) != "Relationship" || !t.empty()) return;
      const char *type = nullptr, *target = nullptr;
      for (; attrs[0]; attrs += 2) {
        if (local_name(attrs[0]) == "Type") type = attrs[1];
        if (local_name(attrs[0]) == "Target") target = attrs[1];
      }
      if (type && target && std::string_view(type).ends_with("/3dmodel")) t = part_name(target);
    });
    XML_Parse(p.get(), reinterpret_cast<const char*>(m.bytes.data()), static_cast<int>(m.bytes.size()), 1);
    if (parts.count(target)) return target;
  }
  if (parts.count("3d/3dmodel.model")) return "3d/3dmodel.model";
  return parts.size() == 1 ? parts.begin()->first : std::string();
}

}  // namespace

Result<LoadedMesh> read_3mf(std::span<const std::byte> bytes, const LoadLimits& limits, ScanBudget* budget) {
  ScanBudget own(limits);
  ScanBudget& b = budget ? *budget : own;
  std::map<std::string, Part> parts;
  std::vector<ArchiveMember> members;
  std::uint64_t triangles = 0;
  std::string root;
  const bool zip = bytes.size() >= 4 && std::memcmp(bytes.data(), "PK", 2) == 0;
  if (zip) {
    // Only the model parts and the relationships are expanded: thumbnails
    // and G-code plates are no business of the mesh.
    auto listed = list_archive(bytes, b.archive(), &b, [](std::string_view name) {
      const std::string n = part_name(name);
      return n.ends_with(".model") || n == "_rels/.rels";
    });
    if (!listed) return error_3mf(listed.status().code, listed.status().message);
    members = std::move(listed.value());
    for (const ArchiveMember& m : members) {
      const std::string name = part_name(m.name);
      if (!name.ends_with(".model")) continue;
      if (!m.error.ok()) return error_3mf(m.error.code, m.error.message + " (in " + m.name + ")");
      if (Status s = PartParser(parts[name], limits, b, triangles).parse(m.bytes); !s.ok())
        return make_error(s.code, s.message + " (in " + m.name + ")");
    }
    // ErrorCode::empty, as for an empty build: a print project may hold only G-code plates.
    if (parts.empty()) return make_error(ErrorCode::empty, "3mf: the package holds no model part");
    root = root_part(members, parts);
    if (root.empty()) return make_error(ErrorCode::format, "3mf: no root model part (no 3D/3dmodel.model, no relationship to one)");
  } else {
    if (Status s = PartParser(parts[root], limits, b, triangles).parse(bytes); !s.ok()) return s;
  }

  Assembler assembler(parts, limits, b, triangles);
  const Part& main = parts.at(root);
  std::vector<Component> items = main.build;
  if (items.empty()) {
    // No build section: every object no other object uses.
    std::map<std::uint32_t, bool> used;
    for (const auto& [id, obj] : main.objects)
      for (const Component& c : obj.components)
        if (c.part.empty() || c.part == root) used[c.object] = true;
    for (const auto& [id, obj] : main.objects)
      if (!used.count(id)) items.push_back(Component{{}, id, kIdentity});
  }
  if (Status s = assembler.count(root, items); !s.ok()) return s;
  for (const Component& item : items)
    if (Status s = assembler.place(root, item, kIdentity, 0); !s.ok()) return s;
  LoadedMesh out = assembler.finish();
  if (out.mesh.triangles.empty()) return make_error(ErrorCode::empty, "3mf: the build holds no triangles");
  return out;
}

}  // namespace meshsentry
