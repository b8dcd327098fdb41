// SPDX-License-Identifier: MIT
#include "signatures/coarse_views.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "describe/principal_frame.hpp"
#include "describe/vertex_spacing.hpp"
#include "mesh/mesh_ops.hpp"

namespace meshsentry {
namespace {

// Cells at which grid planes from the origin pass through many vertices at
// once. Parts are drawn at round dimensions, so a round cell (10 mm on a part
// whose faces lie at multiples of 10 mm) lands on one; so does a decimator
// that searches the cell for a triangle count, since the count jumps there
// and a bisection stops just past the jump. The clustering changes most
// across such a cell, more than the 2^(1/16) steps resolve: a 9-tooth rack
// at a fifth of its triangles, clustered just past 10 mm, was missed.
// Candidates: the 32 most populated coordinate planes of each axis divided
// by 1 to 64; weight: the vertices on the 1024 most populated planes of each
// axis that a candidate's grid passes through (a plane holds two vertices or
// more: an organic mesh, whose coordinates rarely repeat, costs little).
// These counts are ViewBuildParams (docs/calibration.md).
std::vector<double> aligned_cells(const Mesh& mesh, const std::array<double, 3>& origin, double lo, double hi,
                                  const ViewBuildParams& p) {
  std::vector<std::pair<double, std::uint32_t>> offsets;  // (offset, vertices there), every axis
  std::vector<double> candidates;
  for (int k = 0; k < 3; ++k) {
    std::map<double, std::uint32_t> at;
    for (const auto& v : mesh.vertices) ++at[double(v[k]) - origin[k]];
    std::vector<std::pair<std::uint32_t, double>> planes;
    for (const auto& [o, n] : at)
      if (o > 0 && n >= 2) planes.push_back({n, o});
    std::stable_sort(planes.begin(), planes.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    if (planes.size() > p.counted_planes) planes.resize(p.counted_planes);
    for (std::size_t k2 = 0; k2 < planes.size(); ++k2) {
      const auto [n, o] = planes[k2];
      offsets.push_back({o, n});
      for (int d = 1; k2 < p.seed_planes && d <= p.max_divisions && o / d >= lo; ++d)
        if (o / d <= hi) candidates.push_back(o / d);
    }
  }
  std::sort(candidates.begin(), candidates.end());
  std::vector<std::pair<std::uint32_t, double>> weighted;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const double c = candidates[i];
    if (i > 0 && c <= candidates[i - 1] * (1 + 1e-9)) continue;
    std::uint32_t on = 0;
    for (const auto& [o, n] : offsets) {
      const double q = o / c, m = std::round(q);
      if (m >= 1 && std::abs(q - m) <= 1e-6 * q) on += n;
    }
    if (on >= p.min_aligned) weighted.push_back({on, c});
  }
  std::stable_sort(weighted.begin(), weighted.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<double> cells;
  for (std::size_t i = 0; i < weighted.size() && cells.size() < p.aligned_cells; ++i) cells.push_back(weighted[i].second);
  return cells;
}

}  // namespace

std::vector<CoarseView> coarse_views(const PreparedMesh& reference, double rms_radius,
                                     const DescriptorParams& params, std::uint32_t points, const ViewBuildParams& p) {
  std::vector<CoarseView> views;
  const Mesh& mesh = reference.mesh;
  const double triangles = double(mesh.triangles.size());
  const BoundingBox& box = reference.bounds;
  double side = 0;
  for (int k = 0; k < 3; ++k) side = std::max(side, double(box.max[k]) - double(box.min[k]));
  const std::array<double, 3> origin{box.min[0], box.min[1], box.min[2]};
  if (!(side > 0) || !(rms_radius > 0)) return views;
  // Every cell of the sequence, then the aligned cells, on them and just
  // past them (a vertex on a grid plane falls in the upper or the lower cell).
  std::vector<double> cells;
  for (int step = 0; step < p.max_steps; ++step) {
    const double cell = 0.5 * side * std::exp2(-p.cell_step * step);
    if (cell < p.min_cell * rms_radius) break;
    cells.push_back(cell);
  }
  const std::size_t sequence = cells.size();
  for (double c : aligned_cells(mesh, origin, p.min_cell * rms_radius, 0.5 * side, p)) {
    cells.push_back(c);
    cells.push_back(c * (1 + 1e-7));
  }
  std::size_t last = 0;
  for (std::size_t i = 0; i < cells.size() && views.size() < kMaxCoarseViews; ++i) {
    const double cell = cells[i];
    auto prepared = prepare(cluster_vertices(mesh, origin, cell));
    if (!prepared) continue;
    const PreparedMesh& pm = *prepared;
    const std::size_t kept = pm.mesh.triangles.size();
    if (kept > p.max_kept * triangles) {
      if (i < sequence) i = sequence - 1;  // finer cells of the sequence keep more still
      continue;
    }
    if (kept < p.min_triangles || kept < p.min_kept * triangles || (i < sequence && kept == last)) continue;
    last = kept;
    CoarseView v;
    v.triangles = static_cast<std::uint32_t>(kept);
    v.descriptor = describe_shape(pm.mesh, {}, pm.mass, params);
    v.cell = static_cast<float>(cell / rms_radius);
    const PrincipalFrame frame = principal_frame(pm.mass);
    v.centroid = frame.centroid;
    v.axes = frame.axes;
    v.sample = sample_surface(pm.mesh, {}, points, params.seed ^ 0x5157u);
    v.vertex_spacing = static_cast<float>(vertex_spacing(pm.mesh, {}) / v.descriptor.rms_radius);
    views.push_back(std::move(v));
  }
  std::stable_sort(views.begin(), views.end(), [](const CoarseView& a, const CoarseView& b) { return a.cell > b.cell; });
  return views;
}

}  // namespace meshsentry
