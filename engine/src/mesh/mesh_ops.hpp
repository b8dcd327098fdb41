// SPDX-License-Identifier: MIT
// The steps of prepare(), one per file, exposed for tests and benchmarks.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "meshsentry/mesh.hpp"

namespace meshsentry {

// Merge vertices that fall in the same cell of a grid of `cell` (file units).
// Returns the welded positions and, per input vertex, its welded index.
struct WeldResult {
  BigVector<Vec3f> vertices;
  BigVector<std::uint32_t> remap;
};
WeldResult weld_vertices(const BigVector<Vec3f>& vertices, const BoundingBox& box, double cell);

// The same weld of a binary STL's `count` records of 50 bytes from `first`,
// straight into `out` (positions, and triangles with degenerate ones
// dropped, as prepare() drops them from a welded soup): no soup and no remap
// are made. Returns how many were dropped. `consumed(bytes)` is told, now
// and then, that the first `bytes` of the records will not be read again.
std::size_t weld_stl_records(const std::byte* first, std::uint32_t count, const BoundingBox& box, double cell,
                             Mesh& out, const std::function<void(std::size_t)>& consumed);

// prepare() of a binary STL's records, `bounds` being the box of all their
// corners: the same PreparedMesh as prepare() of read_stl's soup, welded
// from the file's bytes (weld_stl_records), so the soup, its remap and the
// weld tables never live together.
Result<PreparedMesh> prepare_stl_records(const std::byte* first, std::uint32_t count, const BoundingBox& bounds,
                                         const PrepareOptions& options,
                                         const std::function<void(std::size_t)>& consumed = {});

// Vertex-clustering decimation: every vertex in one cell of a grid of `cell`
// whose corner is `origin` moves to the mean of that cell's vertices; triangles left
// with two corners in one cell are dropped, and of triangles on the same
// three cells only the first is kept. Unused vertices stay (prepare() drops
// them). What a coarse remesher of that kind does to a part.
Mesh cluster_vertices(const Mesh& mesh, const std::array<double, 3>& origin, double cell);

// Edge structure of a triangle list: for each triangle corner k (edge from
// corner k to k+1), the triangle across that edge, or kNoNeighbor when the
// edge is a boundary or non-manifold. `same_direction` says whether the
// neighbour runs the shared edge the same way (its winding disagrees).
inline constexpr std::uint32_t kNoNeighbor = 0xffffffffu;
struct EdgeAdjacency {
  BigVector<std::uint32_t> neighbor;      // 3 per triangle
  BigVector<std::uint8_t> same_direction; // 3 per triangle
  BigVector<std::uint8_t> boundary;       // 3 per triangle: 1 boundary, 2 non-manifold
  BigVector<std::uint8_t> first_of_edge;  // 3 per triangle: 1 on one half-edge of each distinct edge
};
EdgeAdjacency edge_adjacency(const BigVector<Tri>& triangles, std::uint32_t vertex_count);

// Connected components over shared vertices; labels are 0..count-1 in order
// of first appearance.
BigVector<std::uint32_t> connected_components(const BigVector<Tri>& triangles,
                                                std::uint32_t vertex_count,
                                                std::uint32_t& count);

// Make the winding consistent across each edge-connected patch and outward
// (positive volume) per patch. Flips triangles in place; returns the count flipped.
std::size_t orient_triangles(BigVector<Tri>& triangles, const BigVector<Vec3f>& vertices,
                             const EdgeAdjacency& adjacency);

// Integrals over the triangles `subset` (all when empty).
MassProperties mass_properties(const Mesh& mesh, const std::vector<std::uint32_t>& subset);

}  // namespace meshsentry
