// SPDX-License-Identifier: MIT
#include "describe/vertex_spacing.hpp"

#include <algorithm>
#include <cmath>

#include "common/point_tree.hpp"

namespace meshsentry {

double vertex_spacing(const Mesh& mesh, const std::vector<std::uint32_t>& subset) {
  // Vertices in use by the subset, each once (prepare() has welded them).
  std::vector<std::uint32_t> used;
  auto take = [&](std::uint32_t t) {
    for (std::uint32_t v : mesh.triangles[t]) used.push_back(v);
  };
  if (subset.empty())
    for (std::uint32_t t = 0; t < mesh.triangles.size(); ++t) take(t);
  else
    for (std::uint32_t t : subset) take(t);
  std::sort(used.begin(), used.end());
  used.erase(std::unique(used.begin(), used.end()), used.end());
  if (used.size() < 2) return 0;
  std::vector<Vec3f> pts;
  pts.reserve(used.size());
  for (std::uint32_t v : used) pts.push_back(mesh.vertices[v]);
  std::vector<float> nearest = PointIndex(pts).nearest_other_d2(16384);
  if (nearest.empty()) return 0;
  auto mid = nearest.begin() + nearest.size() / 2;
  std::nth_element(nearest.begin(), mid, nearest.end());
  return std::sqrt(double(*mid));
}

}  // namespace meshsentry
