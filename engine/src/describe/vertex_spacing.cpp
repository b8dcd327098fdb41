// SPDX-License-Identifier: MIT
#include "describe/vertex_spacing.hpp"

#include <algorithm>
#include <cmath>

#include "common/point_tree.hpp"

namespace meshsentry {
namespace {


}  // namespace

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
  const PointIndex index(pts);
  const PointTree& tree = index.tree;
  const std::size_t stride = std::max<std::size_t>(1, used.size() / 16384);
  std::vector<float> nearest;
  for (std::size_t i = 0; i < pts.size(); i += stride) {
    unsigned idx[2];
    float d2[2];
    if (tree.knnSearch(pts[i].data(), 2, idx, d2) == 2) nearest.push_back(d2[1]);
  }
  if (nearest.empty()) return 0;
  auto mid = nearest.begin() + nearest.size() / 2;
  std::nth_element(nearest.begin(), mid, nearest.end());
  return std::sqrt(double(*mid));
}

}  // namespace meshsentry
