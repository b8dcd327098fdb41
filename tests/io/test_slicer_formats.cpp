// SPDX-License-Identifier: MIT
// The formats slicers accept, each written by code from one stand-in part
// (the demo reference flange_3hole) the way the tools that write them do,
// scanned by the meshsentry command and flagged with that part's signature.
#include <sys/wait.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

#include "meshsentry/io.hpp"
#include "support/fixtures.hpp"

using namespace meshsentry;
using namespace fixtures;

namespace {

using Run = CliRun;
std::string q(const std::filesystem::path& p) { return quoted(p); }

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.9g", v);
  return b;
}

// Upper-case ASCII STL as admesh writes it, each triangle written as a quad
// facet (a, b, midpoint of bc, c): the same surface in fans of two.
std::string upper_case_quad_stl(const Mesh& m) {
  std::string s = "SOLID PART\n";
  for (const Tri& t : m.triangles) {
    const Vec3f a = m.vertices[t[0]], b = m.vertices[t[1]], c = m.vertices[t[2]];
    const Vec3f mid{(b[0] + c[0]) / 2, (b[1] + c[1]) / 2, (b[2] + c[2]) / 2};
    s += "  FACET NORMAL 0 0 0\n    OUTER LOOP\n";
    for (const Vec3f& v : {a, b, mid, c}) s += "      VERTEX " + num(v[0]) + " " + num(v[1]) + " " + num(v[2]) + "\n";
    s += "    ENDLOOP\n  ENDFACET\n";
  }
  return s + "ENDSOLID PART\n";
}

void put_u32(std::string& s, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
}

void put_f32(std::string& s, float f) {
  std::uint32_t v;
  std::memcpy(&v, &f, 4);
  put_u32(s, v);
}

// The glTF JSON and buffer as trimesh's exporter lays them out: one buffer
// without uri, indices (uint32) then positions (float32) in two buffer
// views, a "world" root node over the geometry's node, and its generator.
std::pair<std::string, std::string> trimesh_gltf(const Mesh& m, const std::string& buffer_uri) {
  std::string bin;
  for (const Tri& t : m.triangles)
    for (std::uint32_t i : t) put_u32(bin, i);
  const std::size_t index_bytes = bin.size();
  Vec3f lo = m.vertices[0], hi = m.vertices[0];
  for (const Vec3f& v : m.vertices)
    for (int k = 0; k < 3; ++k) {
      put_f32(bin, v[k]);
      lo[k] = std::min(lo[k], v[k]);
      hi[k] = std::max(hi[k], v[k]);
    }
  const std::string uri = buffer_uri.empty() ? "" : ", \"uri\": \"" + buffer_uri + "\"";
  const std::string json =
      "{\"scene\": 0, \"scenes\": [{\"nodes\": [0]}], \"asset\": {\"version\": \"2.0\", \"generator\": "
      "\"github.com/mikedh/trimesh\"}, \"accessors\": [{\"bufferView\": 0, \"componentType\": 5125, \"count\": " +
      std::to_string(m.triangles.size() * 3) + ", \"max\": [" + std::to_string(m.vertices.size() - 1) +
      "], \"min\": [0], \"type\": \"SCALAR\"}, {\"bufferView\": 1, \"componentType\": 5126, \"count\": " +
      std::to_string(m.vertices.size()) + ", \"type\": \"VEC3\", \"byteOffset\": 0, \"max\": [" + num(hi[0]) + ", " +
      num(hi[1]) + ", " + num(hi[2]) + "], \"min\": [" + num(lo[0]) + ", " + num(lo[1]) + ", " + num(lo[2]) +
      "]}], \"meshes\": [{\"name\": \"geometry_0\", \"extras\": {}, \"primitives\": [{\"attributes\": {\"POSITION\": "
      "1}, \"indices\": 0, \"mode\": 4}]}], \"nodes\": [{\"name\": \"world\", \"children\": [1]}, {\"name\": "
      "\"geometry_0\", \"mesh\": 0}], \"buffers\": [{\"byteLength\": " +
      std::to_string(bin.size()) + uri +
      "}], \"bufferViews\": [{\"buffer\": 0, \"byteOffset\": 0, \"byteLength\": " + std::to_string(index_bytes) +
      "}, {\"buffer\": 0, \"byteOffset\": " + std::to_string(index_bytes) +
      ", \"byteLength\": " + std::to_string(bin.size() - index_bytes) + "}]}";
  return {json, bin};
}

// A GLB as trimesh writes it: the JSON chunk padded with spaces to four
// bytes as the specification says, or (`pad_json` false) not padded at all,
// as the files of trimesh's own test models are, the BIN chunk after it.
std::string trimesh_glb(const Mesh& m, bool pad_json) {
  auto [json, bin] = trimesh_gltf(m, "");
  if (pad_json) json.append((4 - json.size() % 4) % 4, ' ');
  bin.append((4 - bin.size() % 4) % 4, '\0');
  std::string glb = "glTF";
  put_u32(glb, 2);
  put_u32(glb, static_cast<std::uint32_t>(12 + 8 + json.size() + 8 + bin.size()));
  put_u32(glb, static_cast<std::uint32_t>(json.size()));
  put_u32(glb, 0x4E4F534A);
  glb += json;
  put_u32(glb, static_cast<std::uint32_t>(bin.size()));
  put_u32(glb, 0x004E4942);
  return glb + bin;
}

std::string base64(const std::string& in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    const std::size_t left = in.size() - i;
    std::uint32_t v = static_cast<std::uint32_t>(static_cast<unsigned char>(in[i])) << 16;
    if (left > 1) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8;
    if (left > 2) v |= static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += left > 1 ? kAlphabet[(v >> 6) & 63] : '=';
    out += left > 2 ? kAlphabet[v & 63] : '=';
  }
  return out;
}

// VRML 2.0 as most exporters write it: one Shape, one IndexedFaceSet.
std::string vrml2(const Mesh& m) {
  std::string s = "#VRML V2.0 utf8\nShape {\n geometry IndexedFaceSet {\n  coord Coordinate { point [\n";
  for (const Vec3f& v : m.vertices) s += num(v[0]) + " " + num(v[1]) + " " + num(v[2]) + ",\n";
  s += "] }\n  coordIndex [\n";
  for (const Tri& t : m.triangles)
    s += std::to_string(t[0]) + ", " + std::to_string(t[1]) + ", " + std::to_string(t[2]) + ", -1,\n";
  return s + "]\n }\n}\n";
}

// X3D (XML encoding) with one IndexedFaceSet, as MeshLab and Blender write it.
std::string x3d(const Mesh& m) {
  std::string idx, pts;
  for (const Tri& t : m.triangles)
    idx += std::to_string(t[0]) + " " + std::to_string(t[1]) + " " + std::to_string(t[2]) + " -1 ";
  for (const Vec3f& v : m.vertices) pts += num(v[0]) + " " + num(v[1]) + " " + num(v[2]) + " ";
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE X3D PUBLIC \"ISO//Web3D//DTD X3D 3.2//EN\" "
         "\"http://www.web3d.org/specifications/x3d-3.2.dtd\">\n<X3D profile=\"Interchange\" version=\"3.2\">\n"
         "<Scene>\n<Shape>\n<IndexedFaceSet solid=\"true\" coordIndex=\"" +
         idx + "\">\n<Coordinate point=\"" + pts + "\"/>\n</IndexedFaceSet>\n</Shape>\n</Scene>\n</X3D>\n";
}

}  // namespace

TEST_CASE("each format slicers accept, made from the stand-in part, is flagged by its signature", "[cli][formats]") {
  TempDir d;
  const Mesh part = load_or_die((source_dir() / "models/refs/flange_3hole.stl").string());
  auto welded = prepare(part);
  REQUIRE(welded.ok());
  const Mesh& m = welded->mesh;
  write_bytes(d.path / "upper_quads.stl", upper_case_quad_stl(m));
  write_obj(m, d.path / "part.obj");
  write_ply_binary(m, d.path / "part.ply");
  write_off(m, d.path / "part.off");
  write_3mf(m, d.path / "part.3mf");
  write_amf(m, d.path / "part.amf");
  write_bytes(d.path / "trimesh.glb", trimesh_glb(m, true));
  write_bytes(d.path / "trimesh_unpadded.glb", trimesh_glb(m, false));
  const auto [json, bin] =
      trimesh_gltf(m, "data:application/octet-stream;base64," + base64(trimesh_gltf(m, "").second));
  write_bytes(d.path / "trimesh_embedded.gltf", json);
  write_bytes(d.path / "part.wrl", vrml2(m));
  write_bytes(d.path / "part.x3d", x3d(m));

  const Run r = run_scan("--format json " + q(d.path));
  CHECK(r.code == 1);
  const auto doc = nlohmann::json::parse(r.out);
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& f : doc["files"]) by_name[std::filesystem::path(f["path"].get<std::string>()).filename()] = f;
  const std::map<std::string, std::string> expected = {{"upper_quads.stl", "stl-ascii"},
                                                       {"part.obj", "obj"},
                                                       {"part.ply", "ply"},
                                                       {"part.off", "off"},
                                                       {"part.3mf", "3mf"},
                                                       {"part.amf", "amf"},
                                                       {"trimesh.glb", "glb"},
                                                       {"trimesh_unpadded.glb", "glb"},
                                                       {"trimesh_embedded.gltf", "gltf"},
                                                       {"part.wrl", "vrml"},
                                                       {"part.x3d", "x3d"}};
  CHECK(by_name.size() == expected.size());
  for (const auto& [name, format] : expected) {
    INFO(name << ": " << by_name[name].dump());
    REQUIRE(by_name.count(name));
    const auto& f = by_name[name];
    CHECK(f["format"] == format);
    CHECK(f["verdict"] == "match");
    REQUIRE_FALSE(f["matches"].empty());
    CHECK(f["matches"][0]["signature"] == "flange_3hole");
    CHECK_FALSE(f.contains("extension_mismatch"));
  }
  CHECK(doc["skipped"].empty());
}

TEST_CASE("a GLB whose JSON chunk trimesh left unpadded reads as the padded one", "[io][formats]") {
  const Mesh c = cube();
  for (bool pad : {true, false}) {
    const std::string glb = trimesh_glb(c, pad);
    CHECK((glb.size() % 4 == 0) == pad);
    auto r = load_mesh({reinterpret_cast<const std::byte*>(glb.data()), glb.size()}, "cube.glb");
    INFO("padded " << pad << ": " << (r ? "" : r.status().message));
    REQUIRE(r.ok());
    CHECK(r->format == Format::glb);
    CHECK(r->mesh.triangles.size() == 12);
  }
  // Cut inside the BIN chunk: an error, not a read past the end.
  std::string cut = trimesh_glb(c, false);
  cut.resize(cut.size() - 20);
  CHECK_FALSE(load_mesh({reinterpret_cast<const std::byte*>(cut.data()), cut.size()}, "cut.glb").ok());
}
