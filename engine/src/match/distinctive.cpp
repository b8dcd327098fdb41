// SPDX-License-Identifier: MIT
#include "match/distinctive.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <limits>

namespace meshsentry {
namespace {

struct Box {
  Mat3 axes = Mat3::Identity();  // rows: the box's axes
  Vec3 lo = Vec3::Constant(std::numeric_limits<double>::max());
  Vec3 hi = Vec3::Constant(std::numeric_limits<double>::lowest());
  double volume() const { return (hi - lo).prod(); }
};

Box box_along(const Mat3& axes, const std::vector<Vec3>& points) {
  Box b;
  b.axes = axes;
  for (const Vec3& p : points) {
    const Vec3 q = axes * p;
    b.lo = b.lo.cwiseMin(q);
    b.hi = b.hi.cwiseMax(q);
  }
  return b;
}

// Distance from p (inside the box or on it) to the nearest of its six faces.
double to_faces(const Box& b, const Vec3& p) {
  const Vec3 q = b.axes * p;
  return std::max(0.0, std::min((q - b.lo).minCoeff(), (b.hi - q).minCoeff()));
}

}  // namespace

std::vector<double> distance_to_bounding_box(const std::vector<Vec3>& points) {
  std::vector<double> out;
  if (points.empty()) return out;
  Vec3 mean = Vec3::Zero();
  for (const Vec3& p : points) mean += p;
  mean /= double(points.size());
  Mat3 cov = Mat3::Zero();
  for (const Vec3& p : points) cov += (p - mean) * (p - mean).transpose();
  const Eigen::SelfAdjointEigenSolver<Mat3> eig(cov);
  const Box own = box_along(Mat3::Identity(), points);
  const Box principal = box_along(eig.eigenvectors().transpose(), points);
  const Box& b = principal.volume() < own.volume() ? principal : own;
  out.reserve(points.size());
  for (const Vec3& p : points) out.push_back(to_faces(b, p));
  return out;
}

}  // namespace meshsentry
