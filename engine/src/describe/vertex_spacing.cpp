// SPDX-License-Identifier: MIT
#include "describe/vertex_spacing.hpp"

#include <algorithm>
#include <nanoflann.hpp>

namespace meshsentry {
namespace {

struct Cloud {
  std::vector<Vec3f> pts;
  std::size_t kdtree_get_point_count() const { return pts.size(); }
  float kdtree_get_pt(std::size_t i, std::size_t d) const { return pts[i][d]; }
  template <class B>
  bool kdtree_get_bbox(B&) const { return false; }
};
using Tree = nanoflann::KDTreeSingleIndexAdaptor<nanoflann::L2_Simple_Adaptor<float, Cloud>, Cloud, 3>;

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
  Cloud cloud;
  cloud.pts.reserve(used.size());
  for (std::uint32_t v : used) cloud.pts.push_back(mesh.vertices[v]);
  Tree tree(3, cloud, nanoflann::KDTreeSingleIndexAdaptorParams(16));
  tree.buildIndex();
  const std::size_t stride = std::max<std::size_t>(1, used.size() / 16384);
  std::vector<float> nearest;
  for (std::size_t i = 0; i < cloud.pts.size(); i += stride) {
    unsigned idx[2];
    float d2[2];
    if (tree.knnSearch(cloud.pts[i].data(), 2, idx, d2) == 2) nearest.push_back(d2[1]);
  }
  if (nearest.empty()) return 0;
  auto mid = nearest.begin() + nearest.size() / 2;
  std::nth_element(nearest.begin(), mid, nearest.end());
  return std::sqrt(double(*mid));
}

}  // namespace meshsentry
