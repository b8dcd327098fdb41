// SPDX-License-Identifier: MIT
// Every supported format round-trips a known mesh: same triangle count after
// welding, same volume and area, and (for formats that keep float32 values)
// the same geometry hash. Formats are told by content, not by name.
#include <assimp/Exporter.hpp>
#include <assimp/scene.h>

#include <catch2/catch.hpp>
#include <cstdlib>

#include "meshsentry/describe.hpp"
#include "meshsentry/engine.hpp"
#include "meshsentry/io.hpp"
#include "support/fixtures.hpp"

using namespace meshsentry;
using namespace fixtures;

namespace {

// An aiScene holding `m` under a node with a translation, to check that node
// transforms are applied.
void export_with_assimp(const Mesh& m, const std::string& format_id, const std::filesystem::path& out) {
  aiScene scene;
  scene.mRootNode = new aiNode();
  scene.mMaterials = new aiMaterial*[1]{new aiMaterial()};
  scene.mNumMaterials = 1;
  scene.mMeshes = new aiMesh*[1]{new aiMesh()};
  scene.mNumMeshes = 1;
  scene.mRootNode->mMeshes = new unsigned[1]{0};
  scene.mRootNode->mNumMeshes = 1;
  aiMesh* am = scene.mMeshes[0];
  am->mPrimitiveTypes = aiPrimitiveType_TRIANGLE;
  am->mNumVertices = static_cast<unsigned>(m.vertices.size());
  am->mVertices = new aiVector3D[am->mNumVertices];
  for (unsigned i = 0; i < am->mNumVertices; ++i)
    am->mVertices[i] = aiVector3D(m.vertices[i][0], m.vertices[i][1], m.vertices[i][2]);
  am->mNumFaces = static_cast<unsigned>(m.triangles.size());
  am->mFaces = new aiFace[am->mNumFaces];
  for (unsigned f = 0; f < am->mNumFaces; ++f) {
    am->mFaces[f].mNumIndices = 3;
    am->mFaces[f].mIndices = new unsigned[3]{m.triangles[f][0], m.triangles[f][1], m.triangles[f][2]};
  }
  Assimp::Exporter ex;
  INFO(format_id << ": " << ex.GetErrorString());
  REQUIRE(ex.Export(&scene, format_id, out.string()) == AI_SUCCESS);
}

struct Measured {
  std::size_t triangles;
  double volume, area;
  GeometryHash hash;
};

Measured measure(const std::filesystem::path& p, Format expect) {
  auto loaded = load_mesh_file(p.string());
  INFO(p << ": " << (loaded ? "" : loaded.status().message));
  REQUIRE(loaded.ok());
  CHECK(loaded->format == expect);
  auto pm = prepare(std::move(loaded->mesh));
  REQUIRE(pm.ok());
  return {pm->mesh.triangles.size(), pm->mass.abs_volume, pm->mass.area, geometry_hash(pm->mesh)};
}

}  // namespace

TEST_CASE("every supported format round-trips a known mesh", "[io][formats]") {
  TempDir d;
  const Mesh ref = load_or_die((source_dir() / "models/refs/flange_3hole.stl").string());
  auto ref_pm = prepare(ref);
  REQUIRE(ref_pm.ok());
  const double volume = ref_pm->mass.abs_volume, area = ref_pm->mass.area;
  const std::size_t tris = ref_pm->mesh.triangles.size();
  const GeometryHash hash = geometry_hash(ref_pm->mesh);
  const Mesh welded = ref_pm->mesh;

  struct Case {
    std::string file;
    Format format;
    bool exact;  // keeps float32 values, so the hash must match
  };
  std::vector<Case> cases;
  write_binary_stl(welded, d.path / "a.stl");
  cases.push_back({"a.stl", Format::stl_binary, true});
  write_ascii_stl(welded, d.path / "b.stl");
  cases.push_back({"b.stl", Format::stl_ascii, true});
  write_obj(welded, d.path / "c.obj");
  cases.push_back({"c.obj", Format::obj, true});
  write_off(welded, d.path / "d.off");
  cases.push_back({"d.off", Format::off, true});
  write_ply_binary(welded, d.path / "e.ply");
  cases.push_back({"e.ply", Format::ply, true});
  export_with_assimp(welded, "plyb", d.path / "f.ply");
  cases.push_back({"f.ply", Format::ply, true});
  export_with_assimp(welded, "glb2", d.path / "g.glb");
  cases.push_back({"g.glb", Format::glb, true});
  export_with_assimp(welded, "gltf2", d.path / "h.gltf");
  cases.push_back({"h.gltf", Format::gltf, true});
  write_3mf(welded, d.path / "i.3mf");
  cases.push_back({"i.3mf", Format::threemf, true});
  export_with_assimp(welded, "collada", d.path / "j.dae");
  cases.push_back({"j.dae", Format::collada, false});
  export_with_assimp(welded, "x3d", d.path / "k.x3d");
  cases.push_back({"k.x3d", Format::x3d, false});
  export_with_assimp(welded, "3ds", d.path / "l.3ds");
  cases.push_back({"l.3ds", Format::max3ds, false});
  export_with_assimp(welded, "fbxa", d.path / "m.fbx");  // Assimp 5.2 cannot re-read its binary FBX
  cases.push_back({"m.fbx", Format::fbx, false});
  write_amf(welded, d.path / "n.amf");
  cases.push_back({"n.amf", Format::amf, true});

  for (const Case& c : cases) {
    INFO(c.file);
    const Measured m = measure(d.path / c.file, c.format);
    CHECK(m.triangles == tris);
    CHECK(m.volume == Approx(volume).epsilon(1e-4));
    CHECK(m.area == Approx(area).epsilon(1e-4));
    if (c.exact) CHECK(m.hash == hash);
  }
}

TEST_CASE("the format comes from the content, not the name", "[io][formats]") {
  TempDir d;
  const Mesh c = cube();
  write_obj(c, d.path / "really_obj.stl");
  write_binary_stl(c, d.path / "really_stl.obj");
  write_off(c, d.path / "no_extension");
  CHECK(measure(d.path / "really_obj.stl", Format::obj).triangles == 12);
  CHECK(measure(d.path / "really_stl.obj", Format::stl_binary).triangles == 12);
  CHECK(measure(d.path / "no_extension", Format::off).triangles == 12);
}

TEST_CASE("an Assimp-read file with more vertices than allowed is a limit error before they are copied",
          "[io][formats]") {
  std::string obj;
  for (int i = 0; i < 39; ++i) obj += "v " + std::to_string(i) + " " + std::to_string(i % 2) + " " + std::to_string(i % 3) + "\n";
  for (int f = 0; f < 13; ++f)
    obj += "f " + std::to_string(3 * f + 1) + " " + std::to_string(3 * f + 2) + " " + std::to_string(3 * f + 3) + "\n";
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(obj.data()), obj.size());
  LoadLimits limits;
  limits.isolate = false;
  REQUIRE(read_with_assimp(bytes, Format::obj, limits).ok());
  limits.max_vertices = 10;
  auto r = read_with_assimp(bytes, Format::obj, limits);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code == ErrorCode::limit);
  CHECK_THAT(r.status().message, Catch::Contains("more than 10 vertices"));
}

TEST_CASE("ordinary text is not taken for a 3D format", "[io][formats]") {
  auto sniffed = [](const std::string& text, std::string_view name) {
    return sniff({reinterpret_cast<const std::byte*>(text.data()), text.size()}, name);
  };
  // A README about groff, a script assigning G1, a changelog: none is 3D.
  CHECK(sniffed("groff for Debian\n----------------\n", "README.Debian") == Format::unknown);
  CHECK(sniffed("import os\nG1 = 9.81\nG0 = 0\n", "physics.py") == Format::unknown);
  CHECK(sniffed("g1 x\n", "notes") == Format::unknown);
  // Real OFF and G-code headers still are.
  CHECK(sniffed("COFF\n3 1 0\n", "a") == Format::off);
  CHECK(sniffed("OFF8 6 0\n", "a") == Format::off);
  CHECK(sniffed("; sliced\nG28\nG1 X10.5 Y2 E0.3\n", "part") == Format::gcode);
  CHECK(sniffed("N10 G01 X1 Y1\n", "part") == Format::gcode);
  CHECK(sniffed("just words\n", "part.gcode") == Format::gcode);  // named so: the reader says what is wrong
}

TEST_CASE("a gzipped text file is one member, not an archive that fails", "[io][archive]") {
  // A changelog whose lines libarchive's mtree reader would take for a file list.
  std::string text;
  for (int i = 0; i < 200; ++i) text += "  * Fix output of glTF 1 version string (line " + std::to_string(i) + ")\n";
  TempDir d;
  write_bytes(d.path / "changelog", text);
  REQUIRE(std::system(("gzip -kn9 '" + (d.path / "changelog").string() + "'").c_str()) == 0);
  const std::string gz = read_bytes(d.path / "changelog.gz");
  auto members = list_archive({reinterpret_cast<const std::byte*>(gz.data()), gz.size()});
  REQUIRE(members.ok());
  REQUIRE(members->size() == 1);
  CHECK((*members)[0].error.ok());
  CHECK((*members)[0].bytes.size() == text.size());
}

TEST_CASE("unknown and unsupported content gives a clear error", "[io][formats]") {
  TempDir d;
  write_bytes(d.path / "notes.txt", "just some words\nand more words\n");
  write_bytes(d.path / "part.step", "ISO-10303-21;\nHEADER;\n");
  write_bytes(d.path / "part.gcode", "; generated by PrusaSlicer\nG28\nG1 X10 Y10\n");  // travel only
  auto a = load_mesh_file((d.path / "notes.txt").string());
  REQUIRE_FALSE(a.ok());
  CHECK_THAT(a.status().message, Catch::Contains("unknown format"));
  auto b = load_mesh_file((d.path / "part.step").string());
  REQUIRE_FALSE(b.ok());
  CHECK_THAT(b.status().message, Catch::StartsWith("STEP: "));  // read by OpenCASCADE: a header alone is no part
  auto c = load_mesh_file((d.path / "part.gcode").string());
  REQUIRE_FALSE(c.ok());
  CHECK_THAT(c.status().message, Catch::Contains("G-code"));
  // A 3D format that is not read is named, and a folder walk reports it.
  write_bytes(d.path / "part.3DM", "3D Geometry File Format\n");
  auto w = load_mesh_file((d.path / "part.3DM").string());
  REQUIRE_FALSE(w.ok());
  CHECK_THAT(w.status().message, Catch::Contains("unsupported format: Rhino 3DM (.3dm)"));
  CHECK(has_scannable_extension("x/y.3dm"));
  CHECK(has_scannable_extension("x/y.wrl"));  // read now (test_vrml_reader.cpp)
  CHECK_FALSE(has_scannable_extension("x/y.txt"));
  ScanOptions opt;
  opt.timing = false;
  SignatureSet empty;
  const auto results = Engine(empty).scan_paths({d.path.string()}, opt);
  bool reported = false;
  for (const ScanResult& r : results) reported |= r.path.ends_with("part.3DM") && r.verdict == Verdict::error;
  CHECK(reported);
}

TEST_CASE("Assimp node transforms are applied and meshes merged", "[io][formats]") {
  TempDir d;
  // Two cubes as two meshes in one OBJ: both end up in one Mesh, with sources.
  write_bytes(d.path / "two.obj",
              "o a\nv 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\no b\nv 5 5 5\nv 6 5 5\nv 5 6 5\nf 4 5 6\n");
  auto r = load_mesh_file((d.path / "two.obj").string());
  REQUIRE(r.ok());
  CHECK(r->mesh.triangles.size() == 2);
  REQUIRE(r->mesh.source_mesh.size() == 2);
  CHECK(r->mesh.source_mesh[0] != r->mesh.source_mesh[1]);
}

TEST_CASE("zip archives are expanded in memory and members scanned", "[io][archive]") {
  // A stored (uncompressed) zip made by hand: one member, one.stl.
  TempDir d;
  write_binary_stl(cube(), d.path / "one.stl");
  const std::string data = read_bytes(d.path / "one.stl");
  const std::string name = "dir/one.stl";
  const std::string zip = stored_zip({{name, data}});
  std::span<const std::byte> bytes{reinterpret_cast<const std::byte*>(zip.data()), zip.size()};
  CHECK(sniff(bytes) == Format::zip);
  auto members = list_archive(bytes);
  REQUIRE(members.ok());
  REQUIRE(members->size() == 1);
  CHECK((*members)[0].name == name);
  CHECK((*members)[0].bytes.size() == data.size());

  SignatureSet set;  // empty set: the point is the member record
  Engine engine(set);
  ScanOptions opt;
  opt.timing = false;
  auto results = engine.scan_buffer(bytes, "x.zip", opt);
  REQUIRE(results.size() == 2);
  CHECK(results[0].path == "x.zip");
  CHECK(results[0].members == 1);
  CHECK(results[1].path == "x.zip!/dir/one.stl");
  CHECK(results[1].verdict == Verdict::clean);
  CHECK(results[1].triangles == 12);
}

TEST_CASE("subnormal coordinates from a non-STL reader are corrupt data", "[io][formats]") {
  // Assimp reads uninitialised memory on some malformed files and the values
  // differ from run to run; read as floats such memory holds subnormals,
  // which no exporter writes, so the file is refused the same way each time.
  TempDir d;
  write_bytes(d.path / "garbage.obj", "v 0 0 0\nv 1 0 0\nv 0 1e-40 1\nf 1 2 3\n");
  write_bytes(d.path / "small.obj", "v 0 0 0\nv 1 0 0\nv 0 1e-30 1\nf 1 2 3\n");
  auto bad = load_mesh_file((d.path / "garbage.obj").string());
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message, Catch::Contains("subnormal"));
  CHECK(load_mesh_file((d.path / "small.obj").string()).ok());
}

namespace {

// A model part around `resources` and `build` (unit millimetre unless given).
std::string model_part(const std::string& resources, const std::string& build, const std::string& unit = "millimeter") {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<model unit=\"" + unit +
         "\" xmlns=\"http://schemas.microsoft.com/3dmanufacturing/core/2015/02\" "
         "xmlns:p=\"http://schemas.microsoft.com/3dmanufacturing/production/2015/06\"><resources>" +
         resources + "</resources><build>" + build + "</build></model>\n";
}

// A unit tetrahedron as a 3MF object.
std::string tetra_object(int id) {
  return "<object id=\"" + std::to_string(id) +
         "\" type=\"model\"><mesh><vertices><vertex x=\"0\" y=\"0\" z=\"0\"/><vertex x=\"1\" y=\"0\" "
         "z=\"0\"/><vertex x=\"0\" y=\"1\" z=\"0\"/><vertex x=\"0\" y=\"0\" z=\"1\"/></vertices><triangles>"
         "<triangle v1=\"0\" v2=\"2\" v3=\"1\"/><triangle v1=\"0\" v2=\"1\" v3=\"3\"/><triangle v1=\"0\" v2=\"3\" "
         "v3=\"2\"/><triangle v1=\"1\" v2=\"2\" v3=\"3\"/></triangles></mesh></object>";
}

Result<LoadedMesh> load_string(const std::string& bytes) {
  return load_mesh(std::as_bytes(std::span(bytes.data(), bytes.size())), "x.3mf");
}

}  // namespace

TEST_CASE("3MF: build items and components are placed through their transforms", "[io][3mf]") {
  // Object 2 places the tetrahedron twice (once moved by 10 in x); the build
  // places object 2 once more, moved by 100 in y, and object 1 in inches.
  const std::string res = tetra_object(1) +
                          "<object id=\"2\" type=\"model\"><components><component objectid=\"1\"/>"
                          "<component objectid=\"1\" transform=\"1 0 0 0 1 0 0 0 1 10 0 0\"/></components></object>";
  const std::string build = "<item objectid=\"2\"/><item objectid=\"2\" transform=\"1 0 0 0 1 0 0 0 1 0 100 0\"/>";
  auto m = load_string(three_mf_package(model_part(res, build)));
  REQUIRE(m.ok());
  CHECK(m->format == Format::threemf);
  CHECK(m->mesh.triangles.size() == 16);
  CHECK(m->source_meshes == 4);
  float max_x = 0, max_y = 0;
  for (const Vec3f& v : m->mesh.vertices) max_x = std::max(max_x, v[0]), max_y = std::max(max_y, v[1]);
  CHECK(max_x == Approx(11));
  CHECK(max_y == Approx(101));

  // Inches become millimetres; a row-vector transform turns x into y.
  auto inch = load_string(three_mf_package(model_part(tetra_object(1), "<item objectid=\"1\" transform=\"0 1 0 -1 0 0 0 0 1 0 0 0\"/>", "inch")));
  REQUIRE(inch.ok());
  float top_y = 0;
  for (const Vec3f& v : inch->mesh.vertices) top_y = std::max(top_y, v[1]);
  CHECK(top_y == Approx(25.4));
}

TEST_CASE("3MF: components in other model parts, and a bare model part", "[io][3mf]") {
  const std::string rels =
      "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
      "<Relationship Target=\"/3D/3dmodel.model\" Id=\"r\" "
      "Type=\"http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel\"/></Relationships>";
  const std::string root = model_part(
      "<object id=\"9\" type=\"model\"><components><component p:path=\"/3D/Objects/part.model\" objectid=\"1\"/>"
      "</components></object>",
      "<item objectid=\"9\"/>");
  const std::string package = stored_zip({{"_rels/.rels", rels},
                                          {"3D/3dmodel.model", root},
                                          {"3D/Objects/part.model", model_part(tetra_object(1), "")}});
  auto m = load_string(package);
  REQUIRE(m.ok());
  CHECK(m->mesh.triangles.size() == 4);

  // The XML alone, as some exporters write it.
  auto bare = load_string(model_part(tetra_object(3), "<item objectid=\"3\"/>"));
  REQUIRE(bare.ok());
  CHECK(bare->format == Format::threemf);
  CHECK(bare->mesh.triangles.size() == 4);
}

TEST_CASE("3MF: malformed packages give clear errors", "[io][3mf]") {
  auto error_of = [](const std::string& model) {
    auto r = load_string(three_mf_package(model));
    REQUIRE_FALSE(r.ok());
    return r.status().message;
  };
  CHECK_THAT(error_of(model_part(tetra_object(1), "<item objectid=\"7\"/>")), Catch::Contains("object 7"));
  // A cycle of components ends at the nesting bound, not in a stack overflow.
  CHECK_THAT(error_of(model_part("<object id=\"1\"><components><component objectid=\"2\"/></components></object>"
                                 "<object id=\"2\"><components><component objectid=\"1\"/></components></object>",
                                 "<item objectid=\"1\"/>")),
             Catch::Contains("nested deeper"));
  std::string bad_index = tetra_object(1);
  bad_index.replace(bad_index.find("v3=\"3\"/></triangles>"), 6, "v3=\"4\"");
  CHECK_THAT(error_of(model_part(bad_index, "<item objectid=\"1\"/>")), Catch::Contains("past its 4 vertices"));
  std::string nan = tetra_object(1);
  nan.replace(nan.find("x=\"1\""), 5, "x=\"nan\"");
  CHECK_THAT(error_of(model_part(nan, "<item objectid=\"1\"/>")), Catch::Contains("finite"));
  CHECK_THAT(error_of("<model xmlns=\"http://schemas.microsoft.com/3dmanufacturing/core/2015/02\"><resources>"),
             Catch::Contains("XML error"));
  CHECK_THAT(error_of(model_part(tetra_object(1), "<item objectid=\"1\" transform=\"1 0 0\"/>")),
             Catch::Contains("bad transform"));
  // A limit reads like every other limit.
  LoadLimits small;
  small.max_triangles = 2;
  const std::string package = three_mf_package(model_part(tetra_object(1), "<item objectid=\"1\"/>"));
  auto over = read_3mf(std::as_bytes(std::span(package.data(), package.size())), small);
  REQUIRE_FALSE(over.ok());
  CHECK(over.status().code == ErrorCode::limit);
  CHECK(over.status().message.rfind("limit:", 0) == 0);
  // No build section: the objects nothing else uses are placed.
  auto loose = load_string(three_mf_package(model_part(tetra_object(1), "")));
  REQUIRE(loose.ok());
  CHECK(loose->mesh.triangles.size() == 4);
}
