// SPDX-License-Identifier: MIT
// The one mesh type of the engine and what `prepare` derives from it.
// Units are whatever the file used (usually mm); nothing here rescales.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "meshsentry/big_buffer.hpp"
#include "meshsentry/status.hpp"

namespace meshsentry {

using Vec3f = std::array<float, 3>;
using Vec3d = std::array<double, 3>;
using Tri = std::array<std::uint32_t, 3>;

// An indexed triangle mesh: float positions, uint32 corners.
// `source_mesh[t]` says which mesh of the file triangle t came from (Assimp
// scenes merge several); empty when the file had only one.
// Arrays are BigVector: std::vector with an allocator tuned for large meshes
// (see big_buffer.hpp); they take initializer lists and assign() as usual.
struct Mesh {
  BigVector<Vec3f> vertices;
  BigVector<Tri> triangles;
  BigVector<std::uint32_t> source_mesh;

  std::size_t triangle_count() const noexcept { return triangles.size(); }
};

struct BoundingBox {
  Vec3f min{0, 0, 0};
  Vec3f max{0, 0, 0};
  double diagonal() const noexcept;
};

// Integrals of one closed (or nearly closed) surface. Volume integrals use the
// divergence theorem on the consistently oriented surface, so flipped or mixed
// winding in the file does not change them.
struct MassProperties {
  double area = 0;
  double signed_volume = 0;   // after orientation repair: >= 0 for closed bodies
  double abs_volume = 0;      // sum over bodies of |signed volume|
  Vec3d area_centroid{0, 0, 0};
  Vec3d volume_centroid{0, 0, 0};
  // Area-weighted second moments of the surface about area_centroid (row-major 3x3).
  std::array<double, 9> surface_covariance{};
  // Solid inertia tensor about volume_centroid for unit density (row-major 3x3).
  std::array<double, 9> inertia{};
};

// A connected component of the welded mesh.
struct Body {
  std::vector<std::uint32_t> triangles;  // indices into PreparedMesh::mesh.triangles
  BoundingBox bounds;
  MassProperties mass;
  std::uint32_t boundary_edges = 0;      // 0 for a closed surface
  std::uint32_t nonmanifold_edges = 0;
  std::uint32_t vertex_count = 0;
  int euler_characteristic = 0;          // V - E + F
  // Edges between two triangles, and those of them whose two triangles are
  // coplanar (within 1e-3 rad). A tessellated CAD part has many such pairs;
  // a surface with noise on its vertices has almost none.
  std::uint32_t interior_edges = 0;
  std::uint32_t flat_edges = 0;
};

struct PrepareOptions {
  // Vertices closer than weld_tolerance * bbox diagonal are merged.
  double weld_tolerance = 1e-6;
  // A surface rebuilt from a toolpath (G-code): its winding is right by
  // construction and its loose strips are one part, not thousands of bodies.
  bool from_toolpath = false;
  // A large mesh may use a second thread for part of the work (never inside
  // a parallel region, such as a folder scan's).
  bool concurrent = false;
};

// A welded, cleaned mesh split into bodies. Bodies are sorted by area, largest
// first, so body 0 is the dominant part.
struct PreparedMesh {
  Mesh mesh;                 // welded, degenerate triangles dropped, winding repaired
  BoundingBox bounds;
  MassProperties mass;       // of the whole file
  std::vector<Body> bodies;
  std::size_t dropped_degenerate = 0;
  // A skin rebuilt from a toolpath: its layer height (mm), the step its
  // curved surfaces are stair-stepped by. 0 for meshes.
  double layer_height = 0;
};

// Weld, drop degenerate triangles, repair orientation, split into bodies and
// integrate. Input may be any triangle soup; cost is O(n) plus a sort of the
// edges. Fails with ErrorCode::empty when no triangle with area is left.
Result<PreparedMesh> prepare(Mesh mesh, const PrepareOptions& options = {});

BoundingBox bounding_box(const BigVector<Vec3f>& vertices);

}  // namespace meshsentry
