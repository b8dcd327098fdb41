// SPDX-License-Identifier: MIT
// Coarse-to-fine pose: principal-axis frames give 8 starting poses (one per
// choice of axis signs; four of them are reflections, which is how a mirrored
// copy is told apart). Where two principal variances are nearly equal the
// frame can spin about the third axis, so starts at 12 angles about it are
// added. Each start is scored by the RMS nearest-neighbour distance of a
// subsample; the best two are refined by point-to-point ICP (Besl & McKay
// 1992) with Umeyama's closed form (1991) and the scale fixed by the ratio of
// RMS radii. Cost: O(starts * 128 log m + iterations * 512 log m).
#include <Eigen/Geometry>
#include <algorithm>
#include <cmath>
#include <nanoflann.hpp>
#include <numbers>
#include <vector>

#include "match/match_ops.hpp"

namespace meshsentry {
namespace {

struct Cloud {
  const std::vector<Vec3f>* pts;
  std::size_t kdtree_get_point_count() const { return pts->size(); }
  float kdtree_get_pt(std::size_t i, std::size_t d) const { return (*pts)[i][d]; }
  template <class B>
  bool kdtree_get_bbox(B&) const { return false; }
};
using Tree = nanoflann::KDTreeSingleIndexAdaptor<nanoflann::L2_Simple_Adaptor<float, Cloud>, Cloud, 3>;

using Mat3 = Eigen::Matrix3d;
using Vec3 = Eigen::Vector3d;

Mat3 to_mat(const std::array<double, 9>& a) {
  Mat3 m;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) m(i, j) = a[3 * i + j];
  return m;
}

struct Pose {
  Mat3 linear = Mat3::Identity();  // scale * rotation (possibly improper)
  Vec3 shift = Vec3::Zero();
  double rms = 1e300;
};

double rms_distance(const Pose& pose, const std::vector<Vec3>& src, std::size_t count, const Tree& tree) {
  double s = 0;
  const std::size_t n = std::min(count, src.size());
  for (std::size_t i = 0; i < n; ++i) {
    const Vec3 x = pose.linear * src[i] + pose.shift;
    const float q[3] = {float(x(0)), float(x(1)), float(x(2))};
    unsigned idx;
    float d2;
    tree.knnSearch(q, 1, &idx, &d2);
    s += d2;
  }
  return n ? std::sqrt(s / n) : 1e300;
}

void refine(Pose& pose, const std::vector<Vec3>& src, const std::vector<Vec3f>& dst, const Tree& tree,
            double scale, int iterations) {
  const std::size_t n = src.size();
  Eigen::Matrix3Xd a(3, n), b(3, n);
  for (int it = 0; it < iterations; ++it) {
    double s = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const Vec3 x = pose.linear * src[i] + pose.shift;
      const float q[3] = {float(x(0)), float(x(1)), float(x(2))};
      unsigned idx;
      float d2;
      tree.knnSearch(q, 1, &idx, &d2);
      s += d2;
      a.col(i) = x;
      b.col(i) = Vec3(dst[idx][0], dst[idx][1], dst[idx][2]);
    }
    pose.rms = std::sqrt(s / double(n));
    // Incremental proper rigid motion; the scale stays the one from the radii.
    const Eigen::Matrix4d inc = Eigen::umeyama(a, b, false);
    pose.linear = inc.topLeftCorner<3, 3>() * pose.linear;
    pose.shift = inc.topLeftCorner<3, 3>() * pose.shift + inc.topRightCorner<3, 1>();
  }
  pose.rms = rms_distance(pose, src, src.size(), tree);
  (void)scale;
}

}  // namespace

PoseEstimate estimate_pose(const SignatureEntry& sig, const SurfaceSample& file_points,
                           const PrincipalFrame& ff, double file_r) {
  PoseEstimate out;
  const double sig_r = sig.descriptor.rms_radius;
  if (file_points.points.size() < 4 || sig.sample.points.size() < 4 || !(sig_r > 0) || !(file_r > 0))
    return out;
  const double scale = file_r / sig_r;
  Cloud cloud{&file_points.points};
  Tree tree(3, cloud, nanoflann::KDTreeSingleIndexAdaptorParams(16));
  tree.buildIndex();

  // Signature points relative to their centroid, strided for the coarse pass.
  const Vec3 cs(sig.centroid[0], sig.centroid[1], sig.centroid[2]);
  std::vector<Vec3> src;
  src.reserve(sig.sample.points.size());
  for (const Vec3f& p : sig.sample.points) src.push_back(Vec3(p[0], p[1], p[2]) - cs);
  std::vector<Vec3> coarse;
  const std::size_t stride = std::max<std::size_t>(1, src.size() / 128);
  for (std::size_t i = 0; i < src.size(); i += stride) coarse.push_back(src[i]);

  const Mat3 as = to_mat(sig.axes), af = to_mat(ff.axes);
  const Vec3 cf(ff.centroid[0], ff.centroid[1], ff.centroid[2]);
  const auto& fv = ff.variances;
  // Spin about an axis whose two companions have nearly equal variance.
  std::vector<int> spin_axes;
  auto close = [](double x, double y) { return std::abs(x - y) <= 0.05 * std::max(x, y); };
  if (close(fv[0], fv[1])) spin_axes.push_back(2);
  if (close(fv[1], fv[2])) spin_axes.push_back(0);

  std::vector<Pose> starts;
  for (int signs = 0; signs < 8; ++signs) {
    const Vec3 s((signs & 1) ? -1 : 1, (signs & 2) ? -1 : 1, (signs & 4) ? -1 : 1);
    std::vector<Mat3> spins{Mat3::Identity()};
    for (int axis : spin_axes)
      for (int k = 1; k < 12; ++k)
        spins.push_back(Eigen::AngleAxisd(k * std::numbers::pi / 6, Vec3::Unit(axis)).toRotationMatrix());
    for (const Mat3& spin : spins) {
      Pose p;
      p.linear = scale * af * spin * s.asDiagonal() * as.transpose();
      p.shift = cf;
      p.rms = rms_distance(p, coarse, coarse.size(), tree);
      starts.push_back(p);
    }
  }
  std::stable_sort(starts.begin(), starts.end(), [](const Pose& a, const Pose& b) { return a.rms < b.rms; });
  std::vector<Vec3> fine;
  const std::size_t fstride = std::max<std::size_t>(1, src.size() / 512);
  for (std::size_t i = 0; i < src.size(); i += fstride) fine.push_back(src[i]);
  Pose best;
  for (std::size_t k = 0; k < std::min<std::size_t>(2, starts.size()); ++k) {
    Pose p = starts[k];
    refine(p, fine, file_points.points, tree, scale, 12);
    if (p.rms < best.rms) best = p;
  }
  // transform(x) = linear * (x - cs) + shift
  const Vec3 t = best.shift - best.linear * cs;
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) out.transform[4 * i + j] = best.linear(i, j);
    out.transform[4 * i + 3] = t(i);
  }
  out.transform[15] = 1;
  out.scale = scale;
  out.mirrored = best.linear.determinant() < 0;
  out.fit = best.rms / file_r;
  return out;
}

}  // namespace meshsentry
