// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <map>
#include <random>

#include "mesh/mesh_ops.hpp"
#include "meshsentry/mesh.hpp"
#include "support/fixtures.hpp"

using namespace meshsentry;
using namespace fixtures;

namespace {

Mesh soup(const Mesh& m) {  // what an STL file gives: 3 fresh vertices per triangle
  Mesh s;
  for (const auto& t : m.triangles) {
    const auto base = static_cast<std::uint32_t>(s.vertices.size());
    for (auto c : t) s.vertices.push_back(m.vertices[c]);
    s.triangles.push_back({base, base + 1, base + 2});
  }
  return s;
}

}  // namespace

TEST_CASE("a cube soup welds to 8 vertices, one closed body, exact integrals", "[mesh]") {
  auto pm = prepare(soup(cube(10)));
  REQUIRE(pm.ok());
  CHECK(pm->mesh.vertices.size() == 8);
  CHECK(pm->mesh.triangles.size() == 12);
  REQUIRE(pm->bodies.size() == 1);
  const Body& b = pm->bodies[0];
  CHECK(b.boundary_edges == 0);
  CHECK(b.nonmanifold_edges == 0);
  CHECK(b.euler_characteristic == 2);
  CHECK(pm->mass.area == Approx(600));
  CHECK(pm->mass.signed_volume == Approx(1000));
  CHECK(pm->mass.abs_volume == Approx(1000));
  for (int k = 0; k < 3; ++k) {
    CHECK(pm->mass.volume_centroid[k] == Approx(5));
    CHECK(pm->mass.area_centroid[k] == Approx(5));
  }
  // Solid cube of side a, unit density: I = m a^2 / 6 on the diagonal.
  CHECK(pm->mass.inertia[0] == Approx(1000.0 * 100 / 6));
  CHECK(pm->mass.inertia[4] == Approx(1000.0 * 100 / 6));
  CHECK(pm->mass.inertia[1] == Approx(0).margin(1e-6));
  CHECK(pm->bounds.diagonal() == Approx(std::sqrt(300.0)));
}

TEST_CASE("coplanar neighbours are counted; noise on the vertices leaves few", "[mesh]") {
  // A cube: 18 edges, all between two triangles; the 6 face diagonals join
  // coplanar ones. Turned and re-encoded, it keeps them.
  auto pm = prepare(soup(transformed(cube(10), random_rotation(5), {1, 2, 3})));
  REQUIRE(pm.ok());
  REQUIRE(pm->bodies.size() == 1);
  CHECK(pm->bodies[0].interior_edges == 18);
  CHECK(pm->bodies[0].flat_edges == 6);
  // Noise of 2% of the diagonal tilts the face halves apart.
  auto noisy = prepare(soup(jittered(cube(10), 0.02, 9)));
  REQUIRE(noisy.ok());
  CHECK(noisy->bodies[0].interior_edges == 18);
  CHECK(noisy->bodies[0].flat_edges == 0);
}

TEST_CASE("flipped and mixed winding give the same volume", "[mesh]") {
  Mesh all_flipped = cube(2);
  for (auto& t : all_flipped.triangles) std::swap(t[1], t[2]);
  Mesh mixed = shuffled(cube(2), 7);
  for (std::size_t i = 0; i < mixed.triangles.size(); i += 2) std::swap(mixed.triangles[i][0], mixed.triangles[i][1]);
  for (const Mesh& m : {all_flipped, mixed}) {
    auto pm = prepare(m);
    REQUIRE(pm.ok());
    CHECK(pm->mass.signed_volume == Approx(8));
    CHECK(pm->bodies[0].mass.signed_volume == Approx(8));
  }
}

TEST_CASE("disjoint parts become bodies, largest first", "[mesh]") {
  Mesh m = cube(1);
  const Mesh big = transformed(cube(3), {1, 0, 0, 0, 1, 0, 0, 0, 1}, {10, 0, 0});
  append(m, big);
  auto pm = prepare(m);
  REQUIRE(pm.ok());
  REQUIRE(pm->bodies.size() == 2);
  CHECK(pm->bodies[0].mass.abs_volume == Approx(27));
  CHECK(pm->bodies[1].mass.abs_volume == Approx(1));
  CHECK(pm->mass.abs_volume == Approx(28));

  auto two = prepare(load_or_die((source_dir() / "models/test/two_bodies.stl").string()));
  REQUIRE(two.ok());
  CHECK(two->bodies.size() == 2);
}

TEST_CASE("degenerate triangles are dropped, near-duplicate vertices welded", "[mesh]") {
  Mesh m = soup(cube(10));
  m.vertices[1][0] += 1e-6f;  // well under the weld tolerance
  m.triangles.push_back({0, 0, 1});
  auto pm = prepare(m);
  REQUIRE(pm.ok());
  CHECK(pm->dropped_degenerate == 1);
  CHECK(pm->mesh.vertices.size() == 8);
  CHECK(pm->bodies[0].boundary_edges == 0);
}

TEST_CASE("an open surface reports its boundary; empty input is an error", "[mesh]") {
  Mesh m = cube(1);
  m.triangles.pop_back();
  auto pm = prepare(m);
  REQUIRE(pm.ok());
  CHECK(pm->bodies[0].boundary_edges == 3);
  CHECK(prepare(Mesh{}).status().code == ErrorCode::empty);
  Mesh flat;
  flat.vertices = {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}};
  flat.triangles = {{0, 1, 2}};
  CHECK_FALSE(prepare(flat).ok());
}

TEST_CASE("edge adjacency agrees with a plain map of edges, whatever the triangle order", "[mesh]") {
  // A random triangle list on few vertices: closed-looking, boundary and
  // non-manifold edges (three or more triangles on one), either winding.
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 20; ++trial) {
    const std::uint32_t nv = 3 + static_cast<std::uint32_t>(rng() % 40);
    BigVector<Tri> tris;
    for (std::size_t t = 0, n = 1 + rng() % 120; t < n; ++t) {
      const std::uint32_t a = rng() % nv, b = (a + 1 + rng() % (nv - 1)) % nv;
      std::uint32_t c = rng() % nv;
      while (c == a || c == b) c = rng() % nv;
      tris.push_back({a, b, c});
    }
    const EdgeAdjacency adj = edge_adjacency(tris, nv);
    std::map<std::pair<std::uint32_t, std::uint32_t>, std::vector<std::uint32_t>> edges;
    for (std::uint32_t h = 0; h < 3 * tris.size(); ++h) {
      const std::uint32_t a = tris[h / 3][h % 3], b = tris[h / 3][(h % 3 + 1) % 3];
      edges[{std::min(a, b), std::max(a, b)}].push_back(h);
    }
    for (const auto& [edge, halves] : edges) {
      CHECK(adj.first_of_edge[halves[0]] == 1);
      for (std::size_t i = 1; i < halves.size(); ++i) CHECK(adj.first_of_edge[halves[i]] == 0);
      for (std::uint32_t h : halves) {
        if (halves.size() == 2) {
          const std::uint32_t other = halves[0] == h ? halves[1] : halves[0];
          CHECK(adj.neighbor[h] == other / 3);
          CHECK(adj.boundary[h] == 0);
          const bool same = tris[h / 3][h % 3] == tris[other / 3][other % 3];
          CHECK(adj.same_direction[h] == same);
        } else {
          CHECK(adj.neighbor[h] == kNoNeighbor);
          CHECK(adj.boundary[h] == (halves.size() == 1 ? 1 : 2));
        }
      }
    }
  }
}

TEST_CASE("vertex clustering merges a cell's vertices into their mean", "[mesh]") {
  const Mesh c = cube(10);  // corners at 0 and 10
  // Cells finer than the cube keep every triangle and vertex.
  const Mesh fine = cluster_vertices(c, {0, 0, 0}, 1.0);
  CHECK(fine.triangles.size() == c.triangles.size());
  CHECK(fine.vertices.size() == c.vertices.size());
  // One cell holds the whole cube: one vertex at the centre, no triangle.
  const Mesh one = cluster_vertices(c, {-1, -1, -1}, 100.0);
  REQUIRE(one.vertices.size() == 1);
  CHECK(one.vertices[0][0] == Approx(5));
  CHECK(one.vertices[0][2] == Approx(5));
  CHECK(one.triangles.empty());
  // Cells 20 wide from (-15, -100, -100) split the cube into two slabs at
  // x = 5; the corners of each slab meet at its face's centre, and no
  // triangle keeps three cells.
  const Mesh halves = cluster_vertices(c, {-15, -100, -100}, 20.0);
  REQUIRE(halves.vertices.size() == 2);
  CHECK(std::min(halves.vertices[0][0], halves.vertices[1][0]) == Approx(0));
  CHECK(halves.vertices[0][1] == Approx(5));
  CHECK(halves.triangles.empty());
  // Cells 6 wide from -1: corners 0 and 10 fall in cells 0 and 1 on every
  // axis, so nothing merges.
  CHECK(cluster_vertices(c, {-1, -1, -1}, 6.0).triangles.size() == c.triangles.size());
}
