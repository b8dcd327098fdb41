// SPDX-License-Identifier: MIT
// One nanoflann k-d tree over float points, for every nearest-neighbour
// query in the engine. The points are not copied: keep them alive and
// unmoved while the tree is used.
#pragma once

#include <algorithm>
#include <nanoflann.hpp>
#include <vector>

#include "meshsentry/mesh.hpp"

namespace meshsentry {

struct PointCloud {
  const std::vector<Vec3f>* pts;
  std::size_t kdtree_get_point_count() const { return pts->size(); }
  float kdtree_get_pt(std::size_t i, std::size_t d) const { return (*pts)[i][d]; }
  template <class B>
  bool kdtree_get_bbox(B&) const { return false; }
};
using PointTree = nanoflann::KDTreeSingleIndexAdaptor<nanoflann::L2_Simple_Adaptor<float, PointCloud>, PointCloud, 3>;

// The tree over `pts`, built at construction. Neither copied nor moved: the
// tree refers to its cloud.
struct PointIndex {
  explicit PointIndex(const std::vector<Vec3f>& pts)
      : cloud{&pts}, tree(3, cloud, nanoflann::KDTreeSingleIndexAdaptorParams(16)) {
    tree.buildIndex();
  }
  PointIndex(const PointIndex&) = delete;
  PointIndex& operator=(const PointIndex&) = delete;

  // Squared distance from every stride-th point (at most about
  // `max_queries` of them, spread over the list) to its nearest other point:
  // how densely the points cover what they sample.
  std::vector<float> nearest_other_d2(std::size_t max_queries) const {
    const std::vector<Vec3f>& pts = *cloud.pts;
    const std::size_t stride = std::max<std::size_t>(1, pts.size() / std::max<std::size_t>(1, max_queries));
    std::vector<float> out;
    for (std::size_t i = 0; i < pts.size(); i += stride) {
      unsigned idx[2];
      float d2[2];
      if (tree.knnSearch(pts[i].data(), 2, idx, d2) == 2) out.push_back(d2[1]);
    }
    return out;
  }

  PointCloud cloud;
  PointTree tree;
};

}  // namespace meshsentry
