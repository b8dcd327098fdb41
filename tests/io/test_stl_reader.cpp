// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>
#include <cctype>
#include <cmath>
#include <cstring>
#include <limits>

#include "meshsentry/describe.hpp"
#include "meshsentry/io.hpp"
#include "support/fixtures.hpp"

using namespace meshsentry;
using namespace fixtures;

namespace {

std::span<const std::byte> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

Result<LoadedMesh> read_string(const std::string& s) { return read_stl(as_bytes(s)); }

std::string binary_stl(const Mesh& m, const std::string& header) {
  TempDir d;
  write_binary_stl(m, d.path / "x.stl", header);
  return read_bytes(d.path / "x.stl");
}

std::string facet(const char* a, const char* b, const char* c, const char* eol = "\n") {
  return std::string("facet normal 0 0 1") + eol + "outer loop" + eol + "vertex " + a + eol + "vertex " + b + eol +
         "vertex " + c + eol + "endloop" + eol + "endfacet" + eol;
}

}  // namespace

TEST_CASE("binary STL reads every triangle with exact coordinates", "[io][stl]") {
  const Mesh c = cube(10);
  auto r = read_string(binary_stl(c, "fixture"));
  REQUIRE(r.ok());
  CHECK(r->format == Format::stl_binary);
  REQUIRE(r->mesh.triangles.size() == 12);
  REQUIRE(r->mesh.vertices.size() == 36);  // a soup: welding comes later
  for (std::size_t t = 0; t < 12; ++t)
    for (int k = 0; k < 3; ++k) CHECK(r->mesh.vertices[r->mesh.triangles[t][k]] == c.vertices[c.triangles[t][k]]);
  CHECK(geometry_hash(r->mesh) == geometry_hash(c));
}

TEST_CASE("a binary STL whose header starts with 'solid' is still binary", "[io][stl]") {
  const std::string b = binary_stl(cube(), "solid but actually binary");
  CHECK(sniff(as_bytes(b), "x.stl") == Format::stl_binary);
  auto r = read_string(b);
  REQUIRE(r.ok());
  CHECK(r->mesh.triangles.size() == 12);
}

TEST_CASE("binary STL with a triangle count that disagrees with the size is an error", "[io][stl]") {
  std::string b = binary_stl(cube(), "fixture");
  SECTION("truncated") { b.resize(b.size() - 7); }
  SECTION("count too large") {
    const std::uint32_t n = 4'000'000'000u;
    std::memcpy(b.data() + 80, &n, 4);
  }
  SECTION("trailing bytes") { b += std::string(13, 'x'); }
  auto r = read_stl(as_bytes(b));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code == ErrorCode::format);
  CHECK_THAT(r.status().message, Catch::Contains("triangles"));
}

TEST_CASE("binary STL with NaN or infinity is rejected", "[io][stl]") {
  Mesh c = cube();
  c.vertices[3][1] = std::numeric_limits<float>::quiet_NaN();
  auto r = read_string(binary_stl(c, "fixture"));
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.status().message, Catch::Contains("non-finite"));
  c = cube();
  c.vertices[0][2] = std::numeric_limits<float>::infinity();
  CHECK_FALSE(read_string(binary_stl(c, "fixture")).ok());
}

TEST_CASE("ASCII STL: several solids, CRLF, exponents, signs and -0", "[io][stl]") {
  std::string s = "solid one\r\n" + facet("0 0 0", "1e1 0 0", "0 +1.0E+01 0", "\r\n") + "endsolid one\r\n";
  s += "solid two\n" + facet("-0 -0 5", "1.5e-0 0 5", "0 2.5 5.0") + "endsolid two\n";
  auto r = read_string(s);
  REQUIRE(r.ok());
  CHECK(r->format == Format::stl_ascii);
  REQUIRE(r->mesh.triangles.size() == 2);
  CHECK(r->mesh.vertices[1][0] == 10.0f);
  CHECK(r->mesh.vertices[2][1] == 10.0f);
  CHECK(r->mesh.vertices[3][0] == 0.0f);
  CHECK(r->mesh.vertices[4][0] == 1.5f);
  CHECK(r->mesh.vertices[5][2] == 5.0f);
}

TEST_CASE("ASCII STL in upper case, as admesh writes it, and quad facets read like any other", "[io][stl]") {
  TempDir d;
  const Mesh c = transformed(cube(3.3f), random_rotation(9), {1.25, -7.5, 3});
  write_ascii_stl(c, d.path / "a.stl");
  std::string upper = read_bytes(d.path / "a.stl");
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  auto r = read_string(upper);
  REQUIRE(r.ok());
  CHECK(geometry_hash(r->mesh) == geometry_hash(c));
  // A quad is two triangles, a fan from its first vertex.
  const std::string quad = "SOLID q\nFACET NORMAL 0 0 1\nOUTER LOOP\nVERTEX 0 0 0\nVERTEX 2 0 0\nVERTEX 2 2 0\n"
                           "VERTEX 0 2 0\nENDLOOP\nENDFACET\nENDSOLID q\n";
  auto q = read_string(quad);
  REQUIRE(q.ok());
  REQUIRE(q->mesh.triangles.size() == 2);
  CHECK(q->mesh.vertices[3] == Vec3f{0, 0, 0});
  CHECK(q->mesh.vertices[4] == Vec3f{2, 2, 0});
  CHECK(q->mesh.vertices[5] == Vec3f{0, 2, 0});
  // Case does not make a keyword of a word that is not one.
  CHECK_FALSE(read_string("SOLID x\nFACETS\nENDSOLID\n").ok());
}

TEST_CASE("ASCII STL written with 9 digits round-trips to the same geometry hash", "[io][stl]") {
  TempDir d;
  const Mesh c = transformed(cube(3.3f), random_rotation(5), {1.25, -7.5, 3});
  write_ascii_stl(c, d.path / "a.stl");
  auto r = load_mesh_file((d.path / "a.stl").string());
  REQUIRE(r.ok());
  CHECK(geometry_hash(r->mesh) == geometry_hash(c));
}

TEST_CASE("malformed ASCII STL gives a clear error", "[io][stl]") {
  std::string s;
  std::string expect;
  SECTION("truncated inside a facet") {
    s = "solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0";
    expect = "truncated";
  }
  SECTION("two vertices in a facet") {
    s = "solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nendloop\nendfacet\nendsolid\n";
    expect = "2 vertices";
  }
  SECTION("a facet of endless vertices") {
    s = "solid x\nfacet normal 0 0 1\nouter loop\n";
    for (int i = 0; i < 100; ++i) s += "vertex 0 0 0\n";
    expect = "more than 64 vertices";
  }
  SECTION("not a number") {
    s = "solid x\n" + facet("0 0 0", "1 zero 0", "0 1 0") + "endsolid\n";
    expect = "bad number";
  }
  SECTION("nan") {
    s = "solid x\n" + facet("0 0 0", "1 nan 0", "0 1 0") + "endsolid\n";
    expect = "non-finite";
  }
  SECTION("overflow to infinity") {
    s = "solid x\n" + facet("0 0 0", "1 1e99 0", "0 1 0") + "endsolid\n";
    expect = "non-finite";
  }
  SECTION("no facets") {
    s = "solid empty\nendsolid empty\n";
    expect = "no triangles";
  }
  auto r = read_string(s);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.status().message, Catch::Contains(expect));
}

TEST_CASE("an ASCII STL of one endless line is parsed linearly", "[io][stl]") {
  std::string s = "solid x ";
  for (int i = 0; i < 20000; ++i) s += "facet normal 0 0 1 outer loop vertex 0 0 0 vertex 1 0 0 vertex 0 1 0 endloop endfacet ";
  s += "endsolid x";
  auto r = read_string(s);
  REQUIRE(r.ok());
  CHECK(r->mesh.triangles.size() == 20000);
}

TEST_CASE("empty and tiny files are errors, not crashes", "[io][stl]") {
  CHECK(read_string("").status().code == ErrorCode::empty);
  CHECK_FALSE(read_string("solid").ok());
  CHECK_FALSE(read_string(std::string(84, '\0')).ok());  // header + count 0
  CHECK_FALSE(read_string(std::string(50, 'x')).ok());
}

TEST_CASE("random bytes never crash the STL reader", "[io][stl]") {
  std::uint64_t x = 12345;
  for (int round = 0; round < 200; ++round) {
    std::string s(static_cast<std::size_t>(round * 37 % 3000), '\0');
    for (auto& c : s) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      c = static_cast<char>(x >> 56);
    }
    if (round % 3 == 0) s = "solid " + s;
    auto r = read_string(s);
    if (!r.ok()) CHECK_FALSE(r.status().message.empty());
  }
}
