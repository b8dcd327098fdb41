// SPDX-License-Identifier: MIT
// The native VRML reader: a stand-in reference written as VRML the way
// admesh writes it (VRML 1.0, one Coordinate3 and one IndexedFaceSet) and as
// VRML 2.0, plain and under transforms with DEF/USE, is found by the demo
// signatures; exact coordinates give the STL's geometry hash; malformed and
// oversized files are per-file errors.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <string>

#include "meshsentry/engine.hpp"
#include "meshsentry/io.hpp"
#include "support/fixtures.hpp"

using namespace meshsentry;
using namespace fixtures;

namespace {

std::span<const std::byte> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

std::string point_list(const Mesh& m, const char* fmt) {
  std::string out = "point [\n";
  char buf[128];
  for (const Vec3f& v : m.vertices) {
    std::snprintf(buf, sizeof buf, fmt, v[0], v[1], v[2]);
    out += buf;
  }
  return out + "]\n";
}

std::string index_list(const Mesh& m) {
  std::string out = "coordIndex [\n";
  for (const Tri& t : m.triangles)
    out += std::to_string(t[0]) + ", " + std::to_string(t[1]) + ", " + std::to_string(t[2]) + ", -1,\n";
  return out + "]\n";
}

// What `admesh --write-vrml` writes: VRML 1.0, ShapeHints, a Material, then
// Coordinate3 and IndexedFaceSet in one Separator (admesh prints %f).
std::string admesh_style(const Mesh& m, const char* fmt = "%.9g %.9g %.9g,\n") {
  return "#VRML V1.0 ascii\n\nSeparator {\n\tDEF STLShape ShapeHints {\n\t\tvertexOrdering COUNTERCLOCKWISE\n"
         "\t\tfaceType CONVEX\n\t\tshapeType SOLID\n\t\tcreaseAngle 0.0\n\t}\n\tDEF STLModel Separator {\n"
         "\t\tDEF STLColor Material {\n\t\t\temissiveColor 0.700000 0.700000 0.000000\n\t\t}\n"
         "\t\tDEF STLVertices Coordinate3 {\n" + point_list(m, fmt) + "\t\t}\n\t\tDEF STLTriangles IndexedFaceSet {\n" +
         index_list(m) + "\t\t}\n\t}\n}\n";
}

// VRML 2.0: one Shape with one IndexedFaceSet.
std::string vrml2_plain(const Mesh& m) {
  return "#VRML V2.0 utf8\n# a comment\nShape {\n appearance Appearance { material Material { diffuseColor 1 0 0 } }\n"
         " geometry IndexedFaceSet {\n  solid TRUE\n  coord Coordinate { " + point_list(m, "%.9g %.9g %.9g,\n") + " }\n  " +
         index_list(m) + "  color Color { color [ 1 0 0 ] }\n }\n}\n";
}

// The part twice: DEF'd under a Transform with every transform field, then
// USEd whole under a second Transform, plus ROUTE and PROTO noise.
std::string vrml2_transformed(const Mesh& m) {
  return "#VRML V2.0 utf8\nPROTO Unused [ field SFFloat x 1 ] { Group { } }\nWorldInfo { title \"part, {tricky} [text]\" }\n"
         "Group { children [\n"
         " DEF Part Transform {\n  translation 40 -7 3\n  rotation 0 0.6 0.8 0.7\n  center 1 2 3\n"
         "  scaleOrientation 1 0 0 0.3\n  scale 1 1 1\n  children [\n   Shape { geometry IndexedFaceSet {\n"
         "    coord DEF C Coordinate { " + point_list(m, "%.9g %.9g %.9g,\n") + " }\n    " + index_list(m) +
         "   } }\n  ]\n }\n"
         " Transform { translation 500 0 0 rotation 1 0 0 1.5708 children USE Part }\n"
         "] }\nDEF T TimeSensor { }\nROUTE T.fraction_changed TO T.set_startTime\n";
}

std::vector<ScanResult> scan(const Engine& engine, const std::string& bytes, const std::string& name) {
  ScanOptions opt;
  opt.timing = false;
  return engine.scan_buffer(bytes_of(bytes), name, opt);
}

bool flags(const ScanResult& r, const std::string& signature) {
  for (const Match& m : r.matches)
    if (m.signature == signature) return r.verdict == Verdict::match;
  return false;
}

std::string error_of(const std::string& text) {
  auto r = read_vrml(bytes_of(text));
  return r.ok() ? std::string("(read)") : r.status().message;
}

}  // namespace

TEST_CASE("VRML files of a stand-in part are read and flagged", "[io][vrml]") {
  const Engine& engine = demo_engine();
  const std::string stl_path = (source_dir() / "models/refs/gear_rack_m2.stl").string();
  auto stl = load_mesh_file(stl_path);
  REQUIRE(stl.ok());
  const Mesh& part = stl->mesh;
  const auto stl_result = scan(engine, read_bytes(stl_path), "gear_rack_m2.stl");
  REQUIRE(stl_result.size() == 1);
  REQUIRE(flags(stl_result[0], "gear_rack_m2"));

  for (const auto& [name, text] : {std::pair{"admesh.wrl", admesh_style(part)}, std::pair{"plain.wrl", vrml2_plain(part)}}) {
    INFO(name);
    CHECK(sniff(bytes_of(text), name) == Format::vrml);
    auto loaded = read_vrml(bytes_of(text));
    REQUIRE(loaded.ok());
    CHECK(loaded->format == Format::vrml);
    CHECK(loaded->mesh.triangles.size() == part.triangles.size());
    const auto r = scan(engine, text, name);
    REQUIRE(r.size() == 1);
    CHECK(std::string(format_name(r[0].format)) == "vrml");
    CHECK(flags(r[0], "gear_rack_m2"));
    CHECK(r[0].hash == stl_result[0].hash);  // %.9g keeps every float32 exactly
  }
  // As admesh really writes it, six decimals: still the part.
  const auto rounded = scan(engine, admesh_style(part, "%f %f %f,\n"), "admesh6.wrl");
  REQUIRE(rounded.size() == 1);
  CHECK(flags(rounded[0], "gear_rack_m2"));

  const std::string moved = vrml2_transformed(part);
  auto loaded = read_vrml(bytes_of(moved));
  REQUIRE(loaded.ok());
  CHECK(loaded->mesh.triangles.size() == 2 * part.triangles.size());  // the DEF and its USE
  CHECK(loaded->source_meshes == 2);
  const auto r = scan(engine, moved, "moved.wrl");
  REQUIRE(r.size() == 1);
  CHECK(flags(r[0], "gear_rack_m2"));
  CHECK(r[0].hash != stl_result[0].hash);  // two placed copies are not the file
}

TEST_CASE("VRML transforms, polygons and VRML 1.0 state are applied as the standard says", "[io][vrml]") {
  // One triangle (1,0,0) (0,1,0) (0,0,0) plus a quad and a pentagon: fans.
  const std::string faces =
      "coord Coordinate { point [ 1 0 0, 0 1 0, 0 0 0, 2 2 0, 3 2 0, 3 3 0 ] }\n"
      "coordIndex [ 0 1 2 -1 0 3 4 5 -1, 0x0 0x3 0x4 0x5 1 ]";  // no -1 after the last polygon
  auto r = read_vrml(bytes_of("#VRML V2.0 utf8\nShape { geometry IndexedFaceSet { " + faces + " } }"));
  REQUIRE(r.ok());
  CHECK(r->mesh.triangles.size() == 1 + 2 + 3);

  // scale 2 about center (1,0,0), then 90 degrees about z, then +10 in x:
  // (0,0,0) -> center-relative (-1,0,0) -> (-2,0,0) -> (0,-2,0) -> +c (1,-2,0) -> (11,-2,0).
  auto t = read_vrml(bytes_of("#VRML V2.0 utf8\nTransform { translation 10 0 0 rotation 0 0 1 1.5707963267948966 "
                              "center 1 0 0 scale 2 2 2 children [ Shape { geometry IndexedFaceSet { " +
                              faces + " } } ] }"));
  REQUIRE(t.ok());
  const Vec3f p = t->mesh.vertices.at(2);
  CHECK(p[0] == Approx(11).margin(1e-5));
  CHECK(p[1] == Approx(-2).margin(1e-5));
  CHECK(p[2] == Approx(0).margin(1e-5));

  // Face sets sharing a Coordinate under one transform share its vertices;
  // under another transform they get their own.
  const std::string shared = "#VRML V2.0 utf8\nShape { geometry IndexedFaceSet { coord DEF K Coordinate { point [ 0 0 0, "
                             "1 0 0, 0 1 0 ] } coordIndex [ 0 1 2 -1 ] } }\nShape { geometry IndexedFaceSet { coord USE K "
                             "coordIndex [ 0 2 1 -1 ] } }\n";
  auto k = read_vrml(bytes_of(shared));
  REQUIRE(k.ok());
  CHECK(k->mesh.triangles.size() == 2);
  CHECK(k->mesh.vertices.size() == 3);
  auto k2 = read_vrml(bytes_of(shared + "Transform { translation 0 0 1 children Shape { geometry IndexedFaceSet { "
                                        "coord USE K coordIndex [ 0 1 2 ] } } }"));
  REQUIRE(k2.ok());
  CHECK(k2->mesh.vertices.size() == 6);
  CHECK(k2->mesh.vertices[5] == Vec3f{0, 1, 1});

  // VRML 1.0: Translation accumulates within a Separator and is undone after it;
  // the Coordinate3 in force is the one the IndexedFaceSet meets.
  auto v1 = read_vrml(bytes_of("#VRML V1.0 ascii\nSeparator { Coordinate3 { point [ 0 0 0, 1 0 0, 0 1 0 ] }\n"
                               "Separator { Translation { translation 5 0 0 } Translation { translation 0 5 0 }\n"
                               "IndexedFaceSet { coordIndex [ 0, 1, 2, -1 ] } }\n"
                               "IndexedFaceSet { coordIndex [ 0, 1, 2, -1 ] } }\n"));
  REQUIRE(v1.ok());
  REQUIRE(v1->mesh.vertices.size() == 6);
  CHECK(v1->mesh.vertices[0] == Vec3f{5, 5, 0});
  CHECK(v1->mesh.vertices[3] == Vec3f{0, 0, 0});
}

TEST_CASE("malformed or oversized VRML is a clear per-file error", "[io][vrml]") {
  const std::string head = "#VRML V2.0 utf8\n";
  const std::string tri = "Shape { geometry IndexedFaceSet { coord Coordinate { point [ 0 0 0, 1 0 0, 0 1 0 ] } "
                          "coordIndex [ 0 1 2 -1 ] } }\n";
  CHECK_THAT(error_of(head + "Shape { geometry IndexedFaceSet { coord Coordinate { point [ 0 0 0, 1 0 0 ] } "
                             "coordIndex [ 0 1 2 -1 ] } }"),
             Catch::Contains("out of range"));
  CHECK_THAT(error_of(head + "Shape { geometry IndexedFaceSet { coord Coordinate { point [ 0 0 0, 1 0 0, 0 1 0 ] } "
                             "coordIndex [ 0 1 -2 -1 ] } }"),
             Catch::Contains("bad coordinate index"));
  CHECK_THAT(error_of(head + "Shape { geometry IndexedFaceSet { coord Coordinate { point [ 0 0 0, 1 0 0, 0 1 0 "),
             Catch::Contains("unterminated"));
  CHECK_THAT(error_of(head + "Group { children [ " + tri), Catch::Contains("unterminated"));
  CHECK_THAT(error_of(head + "WorldInfo { info [ \"x\" } "), Catch::Contains("wrong bracket"));
  CHECK_THAT(error_of(head + "WorldInfo { title \"never closed }"), Catch::Contains("unterminated string"));
  CHECK_THAT(error_of(head + "Shape { geometry IndexedFaceSet { coord Coordinate { point [ 0 0 zero ] } } }"),
             Catch::Contains("expected a number"));
  CHECK_THAT(error_of("#VRML V3.0 utf8\n" + tri), Catch::Contains("header"));
  CHECK_THAT(error_of(head + "Background { skyColor 0 0 1 }"), Catch::Contains("no IndexedFaceSet"));
  CHECK_THAT(error_of("#VRML V1.0 ascii\nSeparator { IndexedFaceSet { coordIndex [ 0, 1, 2, -1 ] } }"),
             Catch::Contains("before any Coordinate3"));

  // Deep nesting, of nodes and of skipped brackets alike.
  std::string deep = head, skipped = head + "WorldInfo { info ";
  for (int i = 0; i < 10000; ++i) deep += "Group { children [ ", skipped += "[";
  CHECK_THAT(error_of(deep + tri), Catch::Contains("nested deeper"));
  CHECK_THAT(error_of(skipped), Catch::Contains("nested deeper"));

  // USE doubling: 2^40 placed triangles from a few hundred bytes stop at a
  // limit before anything is allocated.
  std::string bomb = head + "DEF L0 Group { children [ " + tri + " ] }\n";
  for (int i = 1; i <= 40; ++i)
    bomb += "DEF L" + std::to_string(i) + " Group { children [ USE L" + std::to_string(i - 1) + " USE L" +
            std::to_string(i - 1) + " ] }\n";
  CHECK_THAT(error_of(bomb), Catch::StartsWith("limit:"));
  LoadLimits small;
  small.max_triangles = 1;
  auto two = read_vrml(bytes_of(head + tri + tri), small);
  REQUIRE_FALSE(two.ok());
  CHECK(two.status().code == ErrorCode::limit);
  // Through load_mesh the budget is charged once, not twice.
  ScanBudget budget(LoadLimits{});
  auto one = load_mesh(bytes_of(head + tri), "t.wrl", LoadLimits{}, {}, &budget);
  REQUIRE(one.ok());
  CHECK(budget.triangles_left() == LoadLimits{}.max_triangles - 1);
}
