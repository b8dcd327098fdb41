// SPDX-License-Identifier: MIT
// prepare(): weld -> drop degenerate -> edge adjacency and components ->
// orient -> bodies -> mass properties. Everything downstream sees this one
// cleaned mesh.
#include <algorithm>
#include <numeric>

#include "common/parallel.hpp"
#include "common/vec.hpp"
#include "mesh/mesh_ops.hpp"

namespace meshsentry {

namespace {

// The soup welded into out.mesh, degenerate triangles dropped; the soup is
// released before the caller's next allocations.
Status weld_soup(Mesh mesh, const PrepareOptions& options, PreparedMesh& out) {
  if (mesh.triangles.empty() || mesh.vertices.empty())
    return make_error(ErrorCode::empty, "no triangles");
  for (const Tri& t : mesh.triangles)
    for (std::uint32_t c : t)
      if (c >= mesh.vertices.size()) return make_error(ErrorCode::format, "triangle index out of range");

  out.bounds = bounding_box(mesh.vertices);
  const double diag = out.bounds.diagonal();
  WeldResult w = weld_vertices(mesh.vertices, out.bounds, options.weld_tolerance * diag);

  Mesh& m = out.mesh;
  m.vertices = std::move(w.vertices);
  m.triangles.reserve(mesh.triangles.size());
  const bool sources = !mesh.source_mesh.empty();
  for (std::size_t i = 0; i < mesh.triangles.size(); ++i) {
    Tri t{w.remap[mesh.triangles[i][0]], w.remap[mesh.triangles[i][1]], w.remap[mesh.triangles[i][2]]};
    if (t[0] == t[1] || t[1] == t[2] || t[0] == t[2]) {
      ++out.dropped_degenerate;
      continue;
    }
    m.triangles.push_back(t);
    if (sources) m.source_mesh.push_back(mesh.source_mesh[i]);
  }
  mesh = Mesh{};  // release the soup before the next allocations
  if (m.triangles.empty()) return make_error(ErrorCode::empty, "all triangles are degenerate");
  return {};
}

// The steps after the weld: adjacency, orientation, bodies, integrals.
Result<PreparedMesh> finish(PreparedMesh out, const PrepareOptions& options);

}  // namespace

Result<PreparedMesh> prepare(Mesh mesh, const PrepareOptions& options) {
  PreparedMesh out;
  if (Status s = weld_soup(std::move(mesh), options, out); !s.ok()) return s;
  return finish(std::move(out), options);
}

Result<PreparedMesh> prepare_stl_records(const std::byte* first, std::uint32_t count, const BoundingBox& bounds,
                                         const PrepareOptions& options,
                                         const std::function<void(std::size_t)>& consumed) {
  PreparedMesh out;
  if (count == 0) return make_error(ErrorCode::empty, "no triangles");
  out.bounds = bounds;
  out.dropped_degenerate =
      weld_stl_records(first, count, bounds, options.weld_tolerance * bounds.diagonal(), out.mesh, consumed);
  if (out.mesh.triangles.empty()) return make_error(ErrorCode::empty, "all triangles are degenerate");
  return finish(std::move(out), options);
}

namespace {

Result<PreparedMesh> finish(PreparedMesh out, const PrepareOptions& options) {
  Mesh& m = out.mesh;
  const auto nv = static_cast<std::uint32_t>(m.vertices.size());
  EdgeAdjacency adj;
  std::uint32_t count = 0;
  BigVector<std::uint32_t> label;
  // Components before orientation, beside the adjacency (both only read the
  // triangles): turning a triangle swaps its last two corners, which changes
  // neither the vertices it joins nor its first corner, which labels it.
  run_both(
      options.concurrent && m.triangles.size() >= kConcurrentTriangles,
      [&] { adj = edge_adjacency(m.triangles, nv); },
      [&] {
        if (options.from_toolpath) {
          label.assign(m.triangles.size(), 0);
          count = 1;
        } else {
          label = connected_components(m.triangles, nv, count);
        }
      });
  if (!options.from_toolpath) orient_triangles(m.triangles, m.vertices, adj);
  std::vector<Body> bodies(count);
  for (std::uint32_t t = 0; t < m.triangles.size(); ++t) {
    Body& b = bodies[label[t]];
    b.triangles.push_back(t);
    for (int k = 0; k < 3; ++k) {
      const std::uint8_t kind = adj.boundary[3 * t + k];
      b.boundary_edges += kind == 1;
      b.nonmanifold_edges += kind == 2;
    }
  }
  // Per-body vertex and edge counts for the Euler characteristic.
  BigVector<std::uint32_t> seen(nv, kNoNeighbor);
  auto normal = [&](std::uint32_t t) {
    const Tri& f = m.triangles[t];
    const Vec3d a = to_d(m.vertices[f[0]]);
    return cross(sub(to_d(m.vertices[f[1]]), a), sub(to_d(m.vertices[f[2]]), a));
  };
  // Coplanar within 1e-3 rad: the float rounding of an exported CAD face
  // tilts its triangles by about 1e-5; noise of 0.1% of a part's size on
  // triangles a tenth of its size, by about 1e-2.
  auto flat = [&](std::uint32_t a, std::uint32_t b) {
    const Vec3d na = normal(a), nb = normal(b);
    const Vec3d c = cross(na, nb);
    const double d = dot(na, nb);
    return d > 0 && dot(c, c) <= 1e-6 * d * d;
  };
  for (std::uint32_t bi = 0; bi < count; ++bi) {
    Body& b = bodies[bi];
    auto topology = [&] {
      std::uint32_t edges = 0;
      for (std::uint32_t t : b.triangles) {
        for (int k = 0; k < 3; ++k) {
          const std::uint32_t v = m.triangles[t][k];
          if (seen[v] != bi) {
            seen[v] = bi;
            ++b.vertex_count;
          }
          edges += adj.first_of_edge[3 * t + k];
          const std::uint32_t across = adj.neighbor[3 * t + k];
          if (adj.first_of_edge[3 * t + k] && across != kNoNeighbor) {
            ++b.interior_edges;
            b.flat_edges += flat(t, across);
          }
        }
      }
      b.euler_characteristic = static_cast<int>(b.vertex_count) - static_cast<int>(edges) +
                               static_cast<int>(b.triangles.size());
    };
    auto geometry = [&] {
      b.mass = mass_properties(m, b.triangles);
      BoundingBox box;
      box.min = box.max = m.vertices[m.triangles[b.triangles[0]][0]];
      for (std::uint32_t t : b.triangles)
        for (std::uint32_t v : m.triangles[t])
          for (int k = 0; k < 3; ++k) {
            box.min[k] = std::min(box.min[k], m.vertices[v][k]);
            box.max[k] = std::max(box.max[k], m.vertices[v][k]);
          }
      b.bounds = box;
    };
    // Both read the mesh only, and write their own fields of the body.
    run_both(options.concurrent && b.triangles.size() >= kConcurrentTriangles, topology, geometry);
  }
  // Largest first; ties broken by geometry, never by file order alone.
  std::stable_sort(bodies.begin(), bodies.end(), [](const Body& a, const Body& b) {
    if (a.mass.area != b.mass.area) return a.mass.area > b.mass.area;
    if (a.triangles.size() != b.triangles.size()) return a.triangles.size() > b.triangles.size();
    return a.bounds.min < b.bounds.min;
  });
  out.bodies = std::move(bodies);
  // One body (the common case) has the file's integrals already.
  out.mass = out.bodies.size() == 1 ? out.bodies[0].mass : mass_properties(m, {});
  out.mass.abs_volume = 0;
  for (const Body& b : out.bodies) out.mass.abs_volume += b.mass.abs_volume;
  return out;
}

}  // namespace

}  // namespace meshsentry
