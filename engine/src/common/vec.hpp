// SPDX-License-Identifier: MIT
// The few vector helpers the kernels need, on std::array so public types stay plain.
#pragma once

#include <cmath>

#include "meshsentry/mesh.hpp"

namespace meshsentry {

inline Vec3d to_d(const Vec3f& v) { return {v[0], v[1], v[2]}; }
inline Vec3d sub(const Vec3d& a, const Vec3d& b) { return {a[0] - b[0], a[1] - b[1], a[2] - b[2]}; }
inline Vec3d add(const Vec3d& a, const Vec3d& b) { return {a[0] + b[0], a[1] + b[1], a[2] + b[2]}; }
inline Vec3d mul(const Vec3d& a, double s) { return {a[0] * s, a[1] * s, a[2] * s}; }
inline double dot(const Vec3d& a, const Vec3d& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
inline Vec3d cross(const Vec3d& a, const Vec3d& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
inline double norm(const Vec3d& a) { return std::sqrt(dot(a, a)); }

}  // namespace meshsentry
