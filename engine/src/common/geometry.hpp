// SPDX-License-Identifier: MIT
// The matcher's linear algebra: Eigen's fixed-size types under short names,
// and the one transform type the engine uses for poses. Public headers keep
// plain std::array (a row-major 4x4); the conversions live here and are
// used only where a pose crosses that boundary.
#pragma once

#include <Eigen/Core>
#include <Eigen/Geometry>
#include <array>
#include <cmath>

#include "meshsentry/mesh.hpp"

namespace meshsentry {

using Vec3 = Eigen::Vector3d;
using Mat3 = Eigen::Matrix3d;

inline Vec3 to_vec3(const Vec3f& p) { return Vec3(p[0], p[1], p[2]); }
inline Vec3 to_vec3(const Vec3d& p) { return Vec3(p[0], p[1], p[2]); }

// Row-major 3x3 (as PrincipalFrame and SignatureEntry store axes) to a matrix.
inline Mat3 to_mat3(const std::array<double, 9>& a) {
  Mat3 m;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) m(i, j) = a[3 * i + j];
  return m;
}

// x -> linear * x + shift, where linear is a rotation, possibly improper (a
// mirror image), times a uniform scale.
struct Similarity {
  Mat3 linear = Mat3::Identity();
  Vec3 shift = Vec3::Zero();

  Vec3 operator()(const Vec3& x) const { return linear * x + shift; }
  double scale() const { return std::cbrt(std::abs(linear.determinant())); }
  bool mirrored() const { return linear.determinant() < 0; }
  // The same map applied to points taken relative to `origin`: x -> linear * (x - origin) + shift.
  Similarity after_shift_by(const Vec3& origin) const { return {linear, shift - linear * origin}; }

  // Row-major 4x4 (the public Match::transform) and back.
  std::array<double, 16> to_rows() const {
    std::array<double, 16> rows{};
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 3; ++j) rows[4 * i + j] = linear(i, j);
      rows[4 * i + 3] = shift(i);
    }
    rows[15] = 1;
    return rows;
  }
  static Similarity from_rows(const std::array<double, 16>& rows) {
    Similarity s;
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 3; ++j) s.linear(i, j) = rows[4 * i + j];
      s.shift(i) = rows[4 * i + 3];
    }
    return s;
  }
};

}  // namespace meshsentry
