// SPDX-License-Identifier: MIT
#include "match/deformation.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

namespace meshsentry {

std::vector<Vec3> deformed(const std::vector<Vec3>& points, const std::vector<Vec3f>& normals, const Mat3& axes,
                           const Deformation& d) {
  std::vector<Vec3> out;
  out.reserve(points.size());
  const Mat3 stretch = axes * d.axis_scale.asDiagonal() * axes.transpose();
  for (std::size_t i = 0; i < points.size(); ++i) {
    const Vec3 n = i < normals.size() ? Vec3(normals[i][0], normals[i][1], normals[i][2]) : Vec3::Zero();
    out.push_back(stretch * points[i] + d.offset * n);
  }
  return out;
}

namespace {

// One least-squares step: the per-axis scales k and offset o that bring
// the placed points onto the tangent planes of their nearest scanned points,
// with the pose's linear part L and shift t held: m . (L (A diag(k) A^T p +
// o n) + t - q) = 0 is linear in (k, o).
bool solve_step(const Similarity& pose, const std::vector<Vec3>& points, const std::vector<Vec3f>& normals,
                const Mat3& axes, const SurfaceSample& dst, const PointTree& tree, double reach, std::size_t min_pairs,
                Eigen::Vector4d& x) {
  Eigen::Matrix4d ata = Eigen::Matrix4d::Zero();
  Eigen::Vector4d atb = Eigen::Vector4d::Zero();
  std::size_t pairs = 0;
  const Mat3 la = pose.linear * axes;
  for (std::size_t i = 0; i < points.size() && i < normals.size(); ++i) {
    const Vec3 u = axes.transpose() * points[i];
    const Vec3 n(normals[i][0], normals[i][1], normals[i][2]);
    const Vec3 placed = pose(axes * x.head<3>().cwiseProduct(u) + x(3) * n);
    float d2;
    const unsigned j = nearest(tree, placed, d2);
    if (std::sqrt(double(d2)) > reach) continue;
    const Vec3 q(dst.points[j][0], dst.points[j][1], dst.points[j][2]);
    const Vec3 m(dst.normals[j][0], dst.normals[j][1], dst.normals[j][2]);
    Eigen::Vector4d row;
    for (int a = 0; a < 3; ++a) row(a) = m.dot(la.col(a)) * u(a);
    row(3) = m.dot(pose.linear * n);
    ata += row * row.transpose();
    atb += row * m.dot(q - pose.shift);
    ++pairs;
  }
  if (pairs < min_pairs) return false;
  const Eigen::Vector4d solved = ata.ldlt().solve(atb);
  if (!solved.allFinite()) return false;
  x = solved;
  return true;
}

}  // namespace

Deformation fit_deformation(Similarity& pose, const std::vector<Vec3>& points, const std::vector<Vec3f>& normals,
                            const Mat3& axes, const SurfaceSample& dst, const PointTree& tree, double reach,
                            double offset_bound, const DeformParams& p, const IcpParams& icp) {
  Deformation d;
  for (int round = 0; round < p.rounds; ++round) {
    refine_point_to_plane(pose, deformed(points, normals, axes, d), dst, tree, reach, icp);
    Eigen::Vector4d x;
    x << d.axis_scale, d.offset;
    if (!solve_step(pose, points, normals, axes, dst, tree, reach, icp.min_pairs, x) ||
        (x.head<3>().array() <= 0).any())
      break;
    // The pose keeps the reference's size: a slicer's corrections apply to
    // the part at its size, and letting a uniform scale join an offset
    // would turn one bearing into another of other proportions.
    for (int a = 0; a < 3; ++a) d.axis_scale(a) = std::clamp(x(a), 1 - p.max_axis_scale, 1 + p.max_axis_scale);
    // Nor may the per-axis scales change the volume much: the next size of
    // a family (a 609 bearing beside a 608) is the same part stretched in
    // two directions at once.
    const double volume = d.axis_scale.prod();
    const double kept = std::clamp(volume, 1 / (1 + p.max_volume_change), 1 + p.max_volume_change);
    d.axis_scale *= std::cbrt(kept / volume);
    d.offset = std::clamp(x(3), -offset_bound, offset_bound);
  }
  refine_point_to_plane(pose, deformed(points, normals, axes, d), dst, tree, reach, icp);
  return d;
}

}  // namespace meshsentry
