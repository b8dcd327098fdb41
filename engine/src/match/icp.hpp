// SPDX-License-Identifier: MIT
// Iterative closest point: point-to-point (Besl & McKay 1992, with Umeyama's
// 1991 closed form) and point-to-plane (Chen & Medioni 1992), over a k-d
// tree of the target's points. Each iteration costs one nearest-neighbour
// query per source point.
#pragma once

#include <limits>
#include <vector>

#include "common/geometry.hpp"
#include "common/point_tree.hpp"
#include "match/params.hpp"
#include "meshsentry/describe.hpp"

namespace meshsentry {

// A candidate pose and its RMS distance to the target (infinite until measured).
struct Pose : Similarity {
  double rms = std::numeric_limits<double>::infinity();
};

// Nearest point of the tree to x: its index, and the squared distance.
unsigned nearest(const PointTree& tree, const Vec3& x, float& d2);

// RMS distance from the first `count` of `src`, placed by `pose`, to the tree's points.
double rms_distance(const Similarity& pose, const std::vector<Vec3>& src, std::size_t count, const PointTree& tree);

// Mean distance from a point of the sample to its nearest other point, over
// at most 64 points: the part of an RMS distance to the sample that only
// says how sparse it is.
double sample_gap(const PointIndex& index);

// Point-to-point ICP towards `dst` (the tree's points); the scale stays as
// it is unless `with_scale` (a surface rebuilt from a toolpath, whose RMS
// radius is only close to the part's). Sets pose.rms.
void refine(Pose& pose, const std::vector<Vec3>& src, const std::vector<Vec3f>& dst, const PointTree& tree,
            const IcpParams& p, bool with_scale = false);

// Point-to-plane ICP against an oriented sample, with the usual small-angle
// linearisation; pairs farther than `max_dist` are left out, so material
// that is not part of the signature does not pull the pose. With
// `src_normals`, pairs whose normals differ by more than
// IcpParams::pair_normal_cos are left out too: a raft's top face must not
// pull the part's bottom face, which it buries facing the other way.
// One linearised point-to-plane step applied to `pose`: a turn by the
// rotation vector w about c, then a shift by t. Returns the turn's angle.
double apply_step(Similarity& pose, const Vec3& w, const Vec3& t, const Vec3& c);

void refine_point_to_plane(Similarity& pose, const std::vector<Vec3>& src, const SurfaceSample& dst,
                           const PointTree& tree, double max_dist, const IcpParams& p,
                           const std::vector<Vec3>* src_normals = nullptr);

}  // namespace meshsentry
