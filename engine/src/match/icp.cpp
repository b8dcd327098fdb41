// SPDX-License-Identifier: MIT
#include "match/icp.hpp"

#include <cmath>

namespace meshsentry {

unsigned nearest(const PointTree& tree, const Vec3& x, float& d2) {
  const float q[3] = {float(x(0)), float(x(1)), float(x(2))};
  unsigned idx = 0;
  d2 = 0;
  tree.knnSearch(q, 1, &idx, &d2);
  return idx;
}

double rms_distance(const Similarity& pose, const std::vector<Vec3>& src, std::size_t count, const PointTree& tree) {
  double s = 0;
  const std::size_t n = std::min(count, src.size());
  for (std::size_t i = 0; i < n; ++i) {
    float d2;
    nearest(tree, pose.linear * src[i] + pose.shift, d2);
    s += d2;
  }
  return n ? std::sqrt(s / n) : std::numeric_limits<double>::infinity();
}

double sample_gap(const PointIndex& index) {
  double sum = 0;
  const std::vector<float> d2 = index.nearest_other_d2(64);
  for (float d : d2) sum += std::sqrt(double(d));
  return d2.empty() ? 0 : sum / double(d2.size());
}

void refine(Pose& pose, const std::vector<Vec3>& src, const std::vector<Vec3f>& dst, const PointTree& tree,
            const IcpParams& p, bool with_scale) {
  const std::size_t n = src.size();
  Eigen::Matrix3Xd a(3, n), b(3, n);
  double previous = std::numeric_limits<double>::infinity();
  for (int it = 0; it < p.iterations; ++it) {
    double s = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const Vec3 x = pose.linear * src[i] + pose.shift;
      float d2;
      const unsigned idx = nearest(tree, x, d2);
      s += d2;
      a.col(i) = x;
      b.col(i) = Vec3(dst[idx][0], dst[idx][1], dst[idx][2]);
    }
    pose.rms = std::sqrt(s / double(n));
    if (std::abs(previous - pose.rms) <= p.settle * pose.rms) break;
    previous = pose.rms;
    // Incremental proper rigid motion.
    const Eigen::Matrix4d inc = Eigen::umeyama(a, b, with_scale);
    pose.linear = inc.topLeftCorner<3, 3>() * pose.linear;
    pose.shift = inc.topLeftCorner<3, 3>() * pose.shift + inc.topRightCorner<3, 1>();
  }
  pose.rms = rms_distance(pose, src, src.size(), tree);
}

double apply_step(Similarity& pose, const Vec3& w, const Vec3& t, const Vec3& c) {
  const double angle = w.norm();
  const Mat3 r = angle > 0 ? Eigen::AngleAxisd(angle, w / angle).toRotationMatrix() : Mat3::Identity();
  pose.linear = r * pose.linear;
  pose.shift = r * (pose.shift - c) + c + t;
  return angle;
}

void refine_point_to_plane(Similarity& pose, const std::vector<Vec3>& src, const SurfaceSample& dst,
                           const PointTree& tree, double max_dist, const IcpParams& p,
                           const std::vector<Vec3>* src_normals) {
  using Mat6 = Eigen::Matrix<double, 6, 6>;
  using Vec6 = Eigen::Matrix<double, 6, 1>;
  for (int it = 0; it < p.iterations; ++it) {
    std::vector<Vec3> xs(src.size());
    Vec3 c = Vec3::Zero();
    for (std::size_t i = 0; i < src.size(); ++i) {
      xs[i] = pose.linear * src[i] + pose.shift;
      c += xs[i];
    }
    c /= double(std::max<std::size_t>(1, src.size()));
    Mat6 a = Mat6::Zero();
    Vec6 b = Vec6::Zero();
    std::size_t used = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) {
      const Vec3& x = xs[i];
      float d2;
      const unsigned idx = nearest(tree, x, d2);
      if (std::sqrt(double(d2)) > max_dist) continue;
      const Vec3 q(dst.points[idx][0], dst.points[idx][1], dst.points[idx][2]);
      const Vec3 n(dst.normals[idx][0], dst.normals[idx][1], dst.normals[idx][2]);
      if (src_normals && (pose.linear * (*src_normals)[i]).dot(n) < p.pair_normal_cos * pose.scale()) continue;
      Vec6 j;
      j << (x - c).cross(n), n;
      a += j * j.transpose();
      b += j * (x - q).dot(n);
      ++used;
    }
    if (used < p.min_pairs) return;
    const Vec6 step = a.ldlt().solve(-b);
    if (!step.allFinite()) return;
    const double angle = apply_step(pose, step.head<3>(), step.tail<3>(), c);
    if (angle < p.converged_angle && step.tail<3>().norm() < p.converged_shift * max_dist) return;
  }
}

}  // namespace meshsentry
