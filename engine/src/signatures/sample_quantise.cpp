// SPDX-License-Identifier: MIT
#include "signatures/sample_quantise.hpp"

#include <algorithm>
#include <cmath>

#include "common/parallel.hpp"

namespace meshsentry {
namespace {

constexpr double kGrid = 65535;  // largest coordinate on the grid
constexpr double kUnit = 32767;  // octahedral coordinate 1

std::array<double, 2> octahedral(const Vec3f& n) {
  const double x = n[0], y = n[1], z = n[2];
  const double l1 = std::abs(x) + std::abs(y) + std::abs(z);
  if (!(l1 > 0) || !std::isfinite(l1)) return {0, 0};  // no direction: decodes as +z
  double u = x / l1, v = y / l1;
  if (z < 0) {
    const double fu = (1 - std::abs(v)) * (u >= 0 ? 1 : -1), fv = (1 - std::abs(u)) * (v >= 0 ? 1 : -1);
    u = fu, v = fv;
  }
  return {u, v};
}

Vec3f from_octahedral(double u, double v) {
  double z = 1 - std::abs(u) - std::abs(v);
  if (z < 0) {
    const double fu = (1 - std::abs(v)) * (u >= 0 ? 1 : -1), fv = (1 - std::abs(u)) * (v >= 0 ? 1 : -1);
    u = fu, v = fv;
  }
  const double len = std::sqrt(u * u + v * v + z * z);
  return Vec3f{float(u / len), float(v / len), float(z / len)};
}

std::int16_t unit(double c) { return static_cast<std::int16_t>(std::lround(std::clamp(c, -1.0, 1.0) * kUnit)); }

}  // namespace

QuantisedSample quantise_sample(const SurfaceSample& sample) {
  QuantisedSample q;
  const std::size_t n = sample.points.size();
  if (n == 0) return q;
  std::array<float, 3> hi{};
  for (int k = 0; k < 3; ++k) {
    q.lo[k] = hi[k] = sample.points[0][k];
    for (const Vec3f& p : sample.points) q.lo[k] = std::min(q.lo[k], p[k]), hi[k] = std::max(hi[k], p[k]);
  }
  double range = 0;
  for (int k = 0; k < 3; ++k) range = std::max(range, double(hi[k]) - double(q.lo[k]));
  // The smallest power of two that puts the longest side within the grid.
  double step = range > 0 && std::isfinite(range) ? std::exp2(std::ceil(std::log2(range / kGrid))) : 1;
  while (range / step > kGrid) step *= 2;
  q.step = static_cast<float>(step);
  q.points.reserve(3 * n);
  q.normals.reserve(2 * n);
  for (const Vec3f& p : sample.points)
    for (int k = 0; k < 3; ++k)
      q.points.push_back(
          static_cast<std::uint16_t>(std::clamp<double>(std::round((double(p[k]) - q.lo[k]) / q.step), 0, kGrid)));
  for (std::size_t i = 0; i < n; ++i) {
    const auto [u, v] = i < sample.normals.size() ? octahedral(sample.normals[i]) : std::array<double, 2>{0, 0};
    q.normals.push_back(unit(u));
    q.normals.push_back(unit(v));
  }
  return q;
}

bool dequantise_sample(const QuantisedSample& q, SurfaceSample& out) {
  for (float c : q.lo)
    if (!std::isfinite(c)) return false;
  if (!(q.step > 0) || !std::isfinite(q.step)) return false;
  const std::size_t n = q.points.size() / 3;
  out.points.resize(n);
  out.normals.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    for (int k = 0; k < 3; ++k)
      out.points[i][k] = static_cast<float>(double(q.lo[k]) + double(q.points[3 * i + k]) * q.step);
    out.normals[i] = from_octahedral(q.normals[2 * i] / kUnit, q.normals[2 * i + 1] / kUnit);
  }
  return true;
}

void snap_samples(SignatureSet& set) {
  auto snap = [](SurfaceSample& s, SampleExtent& extent) {
    SurfaceSample back;
    dequantise_sample(quantise_sample(s), back);
    if (back.points != s.points) extent = {};
    s.points = std::move(back.points);
    s.normals = std::move(back.normals);
  };
  parallel_for(set.entries.size(), 0, [&](std::size_t i) {
    SignatureEntry& e = set.entries[i];
    for (CoarseView& v : e.views) snap(v.sample, v.extent);
  });
}

}  // namespace meshsentry
