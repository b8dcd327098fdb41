// SPDX-License-Identifier: MIT
#include "match/bend.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <numbers>

namespace meshsentry {
namespace {

double angle_deg(const Mat3& a, const Mat3& b) {
  const double c = std::clamp(((a.transpose() * b).trace() - 1) / 2, -1.0, 1.0);
  return std::acos(c) * 180 / std::numbers::pi;
}

// The rotation part of a similarity's linear map.
Mat3 rotation_of(const Similarity& s) { return s.linear / s.scale(); }

// The segments' poses refined together, point to plane, as one chain: each
// segment's points pull only its own pose, and where two segments join,
// rows of weight `stiffness` hold both poses to place the joint's centre
// alike. Aligned one by one, a segment of a prism or a cylinder slides
// freely along it.
void refine_chain(std::vector<Similarity>& poses, const std::vector<std::vector<Vec3>>& parts,
                  const std::vector<std::vector<Vec3>>& joints, const SurfaceSample& dst, const PointTree& tree,
                  double reach, double stiffness, int iterations, const IcpParams& p) {
  const auto k = static_cast<Eigen::Index>(poses.size());
  for (int it = 0; it < iterations; ++it) {
    Eigen::MatrixXd a = Eigen::MatrixXd::Zero(6 * k, 6 * k);
    Eigen::VectorXd b = Eigen::VectorXd::Zero(6 * k);
    std::vector<Vec3> centre(poses.size(), Vec3::Zero());
    std::size_t used = 0;
    for (Eigen::Index s = 0; s < k; ++s) {
      const Similarity& pose = poses[static_cast<std::size_t>(s)];
      const std::vector<Vec3>& part = parts[static_cast<std::size_t>(s)];
      Vec3& c = centre[static_cast<std::size_t>(s)];
      for (const Vec3& x : part) c += pose(x) / double(part.size());
      for (const Vec3& src : part) {
        const Vec3 x = pose(src);
        float d2;
        const unsigned idx = nearest(tree, x, d2);
        if (std::sqrt(double(d2)) > reach) continue;
        const Vec3 q(dst.points[idx][0], dst.points[idx][1], dst.points[idx][2]);
        const Vec3 n(dst.normals[idx][0], dst.normals[idx][1], dst.normals[idx][2]);
        Eigen::Matrix<double, 6, 1> j;
        j << (x - c).cross(n), n;
        a.block<6, 6>(6 * s, 6 * s) += j * j.transpose();
        b.segment<6>(6 * s) += j * (x - q).dot(n);
        ++used;
      }
    }
    if (used < p.min_pairs) return;
    // The joints: x placed by segment s and by s + 1 must agree.
    for (Eigen::Index s = 0; s + 1 < k; ++s)
      for (const Vec3& src : joints[static_cast<std::size_t>(s)]) {
        const Vec3 y0 = poses[static_cast<std::size_t>(s)](src), y1 = poses[static_cast<std::size_t>(s) + 1](src);
        const Vec3 v0 = y0 - centre[static_cast<std::size_t>(s)], v1 = y1 - centre[static_cast<std::size_t>(s) + 1];
        for (int e = 0; e < 3; ++e) {
          const Vec3 unit = Vec3::Unit(e);
          Eigen::VectorXd row = Eigen::VectorXd::Zero(6 * k);
          row.segment<3>(6 * s) = v0.cross(unit);
          row.segment<3>(6 * s + 3) = unit;
          row.segment<3>(6 * (s + 1)) = -v1.cross(unit);
          row.segment<3>(6 * (s + 1) + 3) = -unit;
          a += stiffness * stiffness * row * row.transpose();
          b += stiffness * stiffness * row * (y0 - y1)(e);
        }
      }
    // A whisker of damping: the chain as a whole may still slide along a
    // prism, as one rigid pose would.
    a.diagonal().array() += 1e-9 * (a.trace() / double(6 * k) + 1);
    const Eigen::VectorXd step = a.ldlt().solve(-b);
    if (!step.allFinite()) return;
    bool moved = false;
    for (Eigen::Index s = 0; s < k; ++s) {
      Similarity& pose = poses[static_cast<std::size_t>(s)];
      const Vec3 w = step.segment<3>(6 * s), t = step.segment<3>(6 * s + 3);
      const double angle = apply_step(pose, w, t, centre[static_cast<std::size_t>(s)]);
      moved = moved || angle >= p.converged_angle || t.norm() >= p.converged_shift * reach;
    }
    if (!moved) return;
  }
}

}  // namespace

BendFit fit_bend(const Similarity& base, const std::vector<Vec3>& all, const std::vector<Vec3>& fine, const Vec3& axis,
                 const SurfaceSample& dst, const PointTree& tree, double reach, double gap, const DeformParams& p,
                 const IcpParams& icp) {
  BendFit out;
  const int k = p.bend_segments;
  if (all.empty() || fine.empty() || k < 2) return out;
  double lo = all[0].dot(axis), hi = lo;
  for (const Vec3& x : all) lo = std::min(lo, x.dot(axis)), hi = std::max(hi, x.dot(axis));
  if (!(hi > lo)) return out;
  const double width = (hi - lo) / k;
  auto segment = [&](const Vec3& x) { return std::clamp(static_cast<int>((x.dot(axis) - lo) / width), 0, k - 1); };
  std::vector<std::vector<Vec3>> parts(static_cast<std::size_t>(k)), joints(static_cast<std::size_t>(k - 1));
  for (const Vec3& x : fine) {
    parts[static_cast<std::size_t>(segment(x))].push_back(x);
    // The points near a joint, laid onto its plane.
    for (int s = 0; s + 1 < k; ++s) {
      const double at = lo + width * (s + 1);
      if (std::abs(x.dot(axis) - at) <= 0.25 * width)
        joints[static_cast<std::size_t>(s)].push_back(x - (x.dot(axis) - at) * axis);
    }
  }
  for (const auto& part : parts)
    if (part.size() < icp.min_pairs) return out;
  // Each joint held at its cross-section's centre only: a bent part's
  // segments turn about their joints, so their faces there part at the rim.
  for (auto& j : joints) {
    if (j.empty()) return out;
    Vec3 c = Vec3::Zero();
    for (const Vec3& x : j) c += x / double(j.size());
    j.assign(1, c);
  }
  std::vector<Similarity> poses(static_cast<std::size_t>(k), base);
  refine_chain(poses, parts, joints, dst, tree, reach, p.bend_stiffness, p.bend_iterations, icp);
  // Neighbours must still meet where they join (a bent part is one piece)
  // and turn by little against each other; the ends by at most max_bend_deg.
  for (int s = 0; s + 1 < k; ++s) {
    const Similarity &a = poses[static_cast<std::size_t>(s)], &b = poses[static_cast<std::size_t>(s) + 1];
    if (angle_deg(rotation_of(a), rotation_of(b)) > p.max_bend_deg / 2) return out;
    for (const Vec3& j : joints[static_cast<std::size_t>(s)])
      if ((a(j) - b(j)).norm() > gap) return out;
  }
  out.angle_deg = angle_deg(rotation_of(poses.front()), rotation_of(poses.back()));
  if (out.angle_deg > p.max_bend_deg) return out;
  // Every point moved by its segment's pose, taken back through the base
  // pose, so that base(points[i]) is where it lands.
  const Mat3 back = base.linear.inverse();
  out.points.reserve(all.size());
  for (const Vec3& x : all) out.points.push_back(back * (poses[static_cast<std::size_t>(segment(x))](x) - base.shift));
  out.ok = true;
  return out;
}

}  // namespace meshsentry
