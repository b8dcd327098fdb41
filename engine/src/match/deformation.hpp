// SPDX-License-Identifier: MIT
// The deformations a slicer lets a user undo, fitted during alignment: a
// scale along each of three perpendicular directions, at any orientation (a
// part stretched 10% one way and squeezed 8% another, or sheared, which is
// a turn and such a stretch), and a uniform offset of its surface along its
// normals (XY compensation undoes a part grown or shrunk by half a
// millimetre). A similarity alone leaves such a copy far from the signature.
#pragma once

#include <vector>

#include "common/geometry.hpp"
#include "common/point_tree.hpp"
#include "match/icp.hpp"
#include "match/params.hpp"
#include "meshsentry/describe.hpp"

namespace meshsentry {

struct Deformation {
  Mat3 stretch = Mat3::Identity();  // symmetric, of the reference's size: scales along its eigenvectors
  double offset = 0;                // along the signature's outward normals, in signature units
  bool identity() const { return offset == 0 && stretch == Mat3::Identity(); }
  // The stretch's scales, largest first, and their directions (columns, in
  // the same order, signs fixed so the largest component of each is positive).
  Vec3 scales() const;
  Mat3 axes() const;
};

// `points` (relative to the signature's centroid) deformed: stretched and
// moved along `normals`.
std::vector<Vec3> deformed(const std::vector<Vec3>& points, const std::vector<Vec3f>& normals, const Deformation& d);

// Alternates point-to-plane alignment of the deformed points with a linear
// least-squares fit of the deformation to the scanned surface (pairs within
// `reach`), `rounds` times, within the bounds of `p`. `pose` is refined in
// place as a rigid motion (its scale is kept); `offset_bound` is in
// signature units.
Deformation fit_deformation(Similarity& pose, const std::vector<Vec3>& points, const std::vector<Vec3f>& normals,
                            const SurfaceSample& dst, const PointTree& tree, double reach, double offset_bound,
                            const DeformParams& p, const IcpParams& icp);

}  // namespace meshsentry
