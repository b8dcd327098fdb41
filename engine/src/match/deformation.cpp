// SPDX-License-Identifier: MIT
#include "match/deformation.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

namespace meshsentry {
namespace {

using Vec7 = Eigen::Matrix<double, 7, 1>;
using Mat7 = Eigen::Matrix<double, 7, 7>;

// The symmetric stretch's six entries in a least-squares vector: the
// diagonal, then (0,1), (0,2), (1,2).
Mat3 stretch_of(const Vec7& x) {
  Mat3 s;
  s << x(0), x(3), x(4), x(3), x(1), x(5), x(4), x(5), x(2);
  return s;
}

// Eigenvalues (largest first) and eigenvectors with fixed signs, so that a
// report of the same stretch is the same on every run.
void decompose(const Mat3& s, Vec3& values, Mat3& vectors) {
  const Eigen::SelfAdjointEigenSolver<Mat3> es(s);
  for (int k = 0; k < 3; ++k) {
    values(k) = es.eigenvalues()(2 - k);
    Vec3 v = es.eigenvectors().col(2 - k);
    Eigen::Index big = 0;
    v.cwiseAbs().maxCoeff(&big);
    vectors.col(k) = v(big) < 0 ? Vec3(-v) : v;
  }
}

// One least-squares step: the stretch S and offset o that bring the placed
// points onto the tangent planes of their nearest scanned points, with the
// pose's linear part L and shift t held: m . (L (S p + o n) + t - q) = 0 is
// linear in (S, o).
bool solve_step(const Similarity& pose, const std::vector<Vec3>& points, const std::vector<Vec3f>& normals,
                const Deformation& d, const SurfaceSample& dst, const PointTree& tree, double reach,
                std::size_t min_pairs, Vec7& x) {
  Mat7 ata = Mat7::Zero();
  Vec7 atb = Vec7::Zero();
  std::size_t pairs = 0;
  for (std::size_t i = 0; i < points.size() && i < normals.size(); ++i) {
    const Vec3& p = points[i];
    const Vec3 n(normals[i][0], normals[i][1], normals[i][2]);
    const Vec3 placed = pose(d.stretch * p + d.offset * n);
    float d2;
    const unsigned j = nearest(tree, placed, d2);
    if (std::sqrt(double(d2)) > reach) continue;
    const Vec3 q(dst.points[j][0], dst.points[j][1], dst.points[j][2]);
    const Vec3 m(dst.normals[j][0], dst.normals[j][1], dst.normals[j][2]);
    const Vec3 w = pose.linear.transpose() * m;  // m . L S p = w . S p
    Vec7 row;
    row << w(0) * p(0), w(1) * p(1), w(2) * p(2), w(0) * p(1) + w(1) * p(0), w(0) * p(2) + w(2) * p(0),
        w(1) * p(2) + w(2) * p(1), w.dot(n);
    ata += row * row.transpose();
    atb += row * m.dot(q - pose.shift);
    ++pairs;
  }
  if (pairs < min_pairs) return false;
  const Vec7 solved = ata.ldlt().solve(atb);
  if (!solved.allFinite()) return false;
  x = solved;
  return true;
}

}  // namespace

Vec3 Deformation::scales() const {
  Vec3 values;
  Mat3 vectors;
  decompose(stretch, values, vectors);
  return values;
}

Mat3 Deformation::axes() const {
  Vec3 values;
  Mat3 vectors;
  decompose(stretch, values, vectors);
  return vectors;
}

std::vector<Vec3> deformed(const std::vector<Vec3>& points, const std::vector<Vec3f>& normals, const Deformation& d) {
  std::vector<Vec3> out;
  out.reserve(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) {
    const Vec3 n = i < normals.size() ? Vec3(normals[i][0], normals[i][1], normals[i][2]) : Vec3::Zero();
    out.push_back(d.stretch * points[i] + d.offset * n);
  }
  return out;
}

Deformation fit_deformation(Similarity& pose, const std::vector<Vec3>& points, const std::vector<Vec3f>& normals,
                            const SurfaceSample& dst, const PointTree& tree, double reach, double offset_bound,
                            const DeformParams& p, const IcpParams& icp) {
  Deformation d;
  for (int round = 0; round < p.rounds; ++round) {
    refine_point_to_plane(pose, deformed(points, normals, d), dst, tree, reach, icp);
    Vec7 x;
    x << d.stretch(0, 0), d.stretch(1, 1), d.stretch(2, 2), d.stretch(0, 1), d.stretch(0, 2), d.stretch(1, 2), d.offset;
    if (!solve_step(pose, points, normals, d, dst, tree, reach, icp.min_pairs, x)) break;
    Vec3 scale;
    Mat3 axes;
    decompose(stretch_of(x), scale, axes);
    if ((scale.array() <= 0).any()) break;
    // The pose keeps the reference's size: a slicer's corrections apply to
    // the part at its size, and letting a uniform scale join an offset
    // would turn one bearing into another of other proportions.
    for (int a = 0; a < 3; ++a) scale(a) = std::clamp(scale(a), 1 - p.max_axis_scale, 1 + p.max_axis_scale);
    // Nor may the stretch change the volume much: the next size of a family
    // (a 609 bearing beside a 608) is the same part stretched in two
    // directions at once.
    const double volume = scale.prod();
    const double kept = std::clamp(volume, 1 / (1 + p.max_volume_change), 1 + p.max_volume_change);
    scale *= std::cbrt(kept / volume);
    // All scales 1 (an offset-only fit) is exactly no stretch, not a product with rounding in it.
    d.stretch = (scale.array() == 1.0).all() ? Mat3::Identity() : Mat3(axes * scale.asDiagonal() * axes.transpose());
    d.offset = std::clamp(x(6), -offset_bound, offset_bound);
  }
  refine_point_to_plane(pose, deformed(points, normals, d), dst, tree, reach, icp);
  return d;
}

}  // namespace meshsentry
