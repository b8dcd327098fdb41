// SPDX-License-Identifier: MIT
#include "signatures/coarse_views.hpp"

#include <algorithm>
#include <cmath>

#include "describe/principal_frame.hpp"
#include "describe/vertex_spacing.hpp"
#include "mesh/mesh_ops.hpp"

namespace meshsentry {
namespace {

// Cells 2^(1/16) apart: coarse copies of small parts change with the cell
// more than a tolerance allows, and on our sets views 2^(1/8) apart missed
// a tube clamp at a fifth of its triangles that 2^(1/16) found.
constexpr double kCellStep = 1.0 / 16;
constexpr int kMaxSteps = 160;
constexpr double kMaxKept = 0.75;
constexpr double kMinKept = 0.03;
constexpr std::uint32_t kMinTriangles = 12;
// Finer than a tenth of the RMS radius, a clustered copy strays from the
// reference by less than the widened tolerance of a coarse shape allows
// (up to 0.12 of the radius: see loose_tolerance in scanner.cpp), and the
// reference itself verifies it.
constexpr double kMinCell = 0.1;

}  // namespace

std::vector<CoarseView> coarse_views(const PreparedMesh& reference, double rms_radius,
                                     const DescriptorParams& params, std::uint32_t points) {
  std::vector<CoarseView> views;
  const Mesh& mesh = reference.mesh;
  const double triangles = double(mesh.triangles.size());
  const BoundingBox& box = reference.bounds;
  double side = 0;
  for (int k = 0; k < 3; ++k) side = std::max(side, double(box.max[k]) - double(box.min[k]));
  const std::array<double, 3> origin{box.min[0], box.min[1], box.min[2]};
  if (!(side > 0) || !(rms_radius > 0)) return views;
  std::size_t last = 0;
  for (int step = 0; step < kMaxSteps && views.size() < kMaxCoarseViews; ++step) {
    const double cell = 0.5 * side * std::exp2(-kCellStep * step);
    if (cell < kMinCell * rms_radius) break;
    auto prepared = prepare(cluster_vertices(mesh, origin, cell));
    if (!prepared) continue;
    const PreparedMesh& pm = *prepared;
    const std::size_t kept = pm.mesh.triangles.size();
    if (kept > kMaxKept * triangles) break;  // finer cells keep more still
    if (kept < kMinTriangles || kept < kMinKept * triangles || kept == last) continue;
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
  return views;
}

}  // namespace meshsentry
