// SPDX-License-Identifier: MIT
// A bent or twisted copy (the part's long axis bent into an arc, or the
// part twisted about it, by up to about 20 degrees): the signature cut
// across its longest principal axis into a few segments, each aligned
// rigidly on its own, kept only when neighbouring segments still meet.
#pragma once

#include <vector>

#include "common/geometry.hpp"
#include "common/point_tree.hpp"
#include "match/icp.hpp"
#include "match/params.hpp"
#include "meshsentry/describe.hpp"

namespace meshsentry {

struct BendFit {
  bool ok = false;
  // The signature's points (relative to its centroid) moved so that `base`
  // places each where its own segment's pose does.
  std::vector<Vec3> points;
  double angle_deg = 0;  // between the first and the last segment's rotations
};

// `fine` (with `fine_normals`) aligns the segments, `all` is what is moved
// and returned; `axis` is the signature's longest principal axis; `gap` the
// most two neighbouring segments' poses may disagree at their boundary, in
// the scan's units.
BendFit fit_bend(const Similarity& base, const std::vector<Vec3>& all, const std::vector<Vec3>& fine, const Vec3& axis,
                 const SurfaceSample& dst, const PointTree& tree, double reach, double gap, const DeformParams& p,
                 const IcpParams& icp);

}  // namespace meshsentry
