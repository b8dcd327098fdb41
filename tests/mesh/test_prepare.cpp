// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <random>

#include "io/stl_records.hpp"
#include "mesh/mesh_ops.hpp"
#include "meshsentry/engine.hpp"
#include "meshsentry/io.hpp"
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

// --- The big-file path: a binary STL welded straight from its records ---

namespace {

// A torus of 2 * u * v triangles (closed, one body), the size a test needs.
Mesh torus(std::uint32_t u, std::uint32_t v) {
  Mesh m;
  for (std::uint32_t i = 0; i < u; ++i)
    for (std::uint32_t j = 0; j < v; ++j) {
      const double a = 2 * M_PI * i / u, c = 2 * M_PI * j / v;
      m.vertices.push_back({float((30 + 10 * std::cos(c)) * std::cos(a)), float((30 + 10 * std::cos(c)) * std::sin(a)),
                            float(10 * std::sin(c))});
    }
  auto id = [&](std::uint32_t i, std::uint32_t j) { return (i % u) * v + (j % v); };
  for (std::uint32_t i = 0; i < u; ++i)
    for (std::uint32_t j = 0; j < v; ++j) {
      m.triangles.push_back({id(i, j), id(i + 1, j), id(i + 1, j + 1)});
      m.triangles.push_back({id(i, j), id(i + 1, j + 1), id(i, j + 1)});
    }
  return m;
}

std::string stl_bytes(const Mesh& m) {
  TempDir d;
  write_binary_stl(m, d.path / "m.stl");
  return read_bytes(d.path / "m.stl");
}

std::span<const std::byte> span_of(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

}  // namespace

TEST_CASE("a binary STL welded from its records is prepared as its soup is", "[mesh][stl-records]") {
  Mesh m = jittered(torus(40, 20), 0.001, 3);
  append(m, transformed(cube(5), random_rotation(8), {60, 0, 0}));
  // Degenerate triangles, one collapsed exactly and one within the weld
  // tolerance, must be dropped alike; a repeated triangle kept alike.
  m.triangles.push_back({0, 0, 1});
  m.vertices.push_back({m.vertices[5][0] + 1e-7f, m.vertices[5][1], m.vertices[5][2]});
  m.triangles.push_back({5, static_cast<std::uint32_t>(m.vertices.size() - 1), 9});
  m.triangles.push_back(m.triangles[17]);
  const std::string bytes = stl_bytes(m);
  auto soup = read_stl(span_of(bytes));
  REQUIRE(soup.ok());
  auto want = prepare(std::move(soup->mesh));
  REQUIRE(want.ok());
  auto records = read_binary_stl_records(span_of(bytes), {});
  REQUIRE(records.ok());
  CHECK(records->count == m.triangles.size());
  std::vector<std::size_t> told;
  auto got = prepare_stl_records(records->first, records->count, records->bounds, {},
                                 [&](std::size_t n) { told.push_back(n); });
  REQUIRE(got.ok());
  CHECK(got->bounds.min == want->bounds.min);
  CHECK(got->bounds.max == want->bounds.max);
  CHECK(got->dropped_degenerate == 2);
  CHECK(got->dropped_degenerate == want->dropped_degenerate);
  CHECK(got->mesh.vertices == want->mesh.vertices);
  CHECK(got->mesh.triangles == want->mesh.triangles);
  REQUIRE(got->bodies.size() == want->bodies.size());
  for (std::size_t b = 0; b < got->bodies.size(); ++b) CHECK(got->bodies[b].triangles == want->bodies[b].triangles);
  CHECK(got->mass.signed_volume == want->mass.signed_volume);
  // The weld tells what it is done with, in order, ending with all of it.
  REQUIRE(!told.empty());
  CHECK(std::is_sorted(told.begin(), told.end()));
  CHECK(told.back() == 50ull * records->count);
}

TEST_CASE("a binary STL's records fail as read_stl fails", "[mesh][stl-records]") {
  std::string bytes = stl_bytes(cube(10));
  LoadLimits few;
  few.max_triangles = 11;
  CHECK(read_binary_stl_records(span_of(bytes), few).status().message ==
        read_stl(span_of(bytes), few).status().message);
  few = {};
  few.max_file_bytes = 100;
  CHECK(read_binary_stl_records(span_of(bytes), few).status().message ==
        read_stl(span_of(bytes), few).status().message);
  const float nan = std::nanf("");
  std::memcpy(bytes.data() + 84 + 50 * 7 + 12 + 4, &nan, 4);
  const auto bad = read_binary_stl_records(span_of(bytes), {});
  REQUIRE(!bad.ok());
  CHECK(bad.status().message == read_stl(span_of(bytes), {}).status().message);
  CHECK(is_exact_binary_stl(span_of(bytes), "x.stl"));
  CHECK(!is_exact_binary_stl(span_of(bytes).first(bytes.size() - 1), "x.stl"));
}

TEST_CASE("a scanned big STL whose memory is given back scans as its buffer does", "[mesh][stl-records]") {
  // Over 4 MiB: scan_file gives the file's memory back as it welds (and,
  // on two threads, hashes beside); scan_buffer keeps the caller's bytes.
  const Mesh m = jittered(torus(300, 150), 0.0005, 5);
  TempDir d;
  write_binary_stl(m, d.path / "big.stl");
  const std::string bytes = read_bytes(d.path / "big.stl");
  REQUIRE(bytes.size() > (std::size_t{4} << 20));
  for (int threads : {1, 2}) {
    ScanOptions opt;
    opt.threads = threads;
    opt.timing = false;
    const auto from_file = demo_engine().scan_file((d.path / "big.stl").string(), opt);
    const auto from_buffer = demo_engine().scan_buffer(span_of(bytes), (d.path / "big.stl").string(), opt);
    REQUIRE(from_file.size() == 1);
    REQUIRE(from_buffer.size() == 1);
    CHECK(from_file[0].verdict == from_buffer[0].verdict);
    CHECK(from_file[0].error.empty());
    CHECK(from_file[0].sha256 == from_buffer[0].sha256);
    CHECK(from_file[0].candidates.size() == from_buffer[0].candidates.size());
    for (std::size_t c = 0; c < std::min(from_file[0].candidates.size(), from_buffer[0].candidates.size()); ++c)
      CHECK(from_file[0].candidates[c].score == from_buffer[0].candidates[c].score);
  }
}
