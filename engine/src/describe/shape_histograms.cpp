// SPDX-License-Identifier: MIT
#include "describe/shape_histograms.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "common/rng.hpp"

namespace meshsentry {
namespace {

constexpr std::size_t kMaxD2Points = 2048;  // 2.1 million pairs

// Adds weight 1 at position x (in bin units) split between neighbouring bins.
inline void soft_add(double* h, std::uint32_t bins, double x) {
  x -= 0.5;  // bin centres at i + 0.5
  if (x <= 0) {
    h[0] += 1;
    return;
  }
  const double top = bins - 1;
  if (x >= top) {
    h[bins - 1] += 1;
    return;
  }
  const auto i = static_cast<std::uint32_t>(x);
  const double f = x - i;
  h[i] += 1 - f;
  h[i + 1] += f;
}

std::vector<float> normalised(const std::vector<double>& h) {
  double s = 0;
  for (double v : h) s += v;
  std::vector<float> out(h.size());
  for (std::size_t i = 0; i < h.size(); ++i) out[i] = s > 0 ? float(h[i] / s) : 0.0f;
  return out;
}

}  // namespace

std::vector<float> d2_histogram(const std::vector<Vec3f>& p, double scale, double range,
                                std::uint32_t bins) {
  std::vector<double> h(bins, 0.0);
  const double k = bins / (range * scale);
  // Every pair of at most kMaxD2Points points, taken with a stride so they
  // still cover the whole surface (the sample is ordered along it).
  const std::size_t stride = (p.size() + kMaxD2Points - 1) / kMaxD2Points;
  std::vector<Vec3f> q;
  for (std::size_t i = 0; i < p.size(); i += std::max<std::size_t>(1, stride)) q.push_back(p[i]);
  const std::size_t m = q.size();
  for (std::size_t i = 0; i < m; ++i) {
    const float xi = q[i][0], yi = q[i][1], zi = q[i][2];
    for (std::size_t j = i + 1; j < m; ++j) {
      const float dx = q[j][0] - xi, dy = q[j][1] - yi, dz = q[j][2] - zi;
      soft_add(h.data(), bins, std::sqrt(double(dx * dx + dy * dy + dz * dz)) * k);
    }
  }
  return normalised(h);
}

std::vector<float> d1_histogram(const std::vector<Vec3f>& p, const Vec3d& c, double scale,
                                double range, std::uint32_t bins) {
  std::vector<double> h(bins, 0.0);
  const double k = bins / (range * scale);
  for (const Vec3f& q : p) {
    const double dx = q[0] - c[0], dy = q[1] - c[1], dz = q[2] - c[2];
    soft_add(h.data(), bins, std::sqrt(dx * dx + dy * dy + dz * dz) * k);
  }
  return normalised(h);
}

std::vector<float> a3_histogram(const std::vector<Vec3f>& p, std::uint32_t triples,
                                std::uint32_t bins, std::uint32_t seed) {
  std::vector<double> h(bins, 0.0);
  const auto m = static_cast<std::uint32_t>(p.size());
  if (m < 3) return normalised(h);
  Rng rng(seed ^ 0xa3a3a3a3u);
  const double k = bins / std::numbers::pi;
  for (std::uint32_t t = 0; t < triples; ++t) {
    const Vec3f& a = p[rng.below(m)];
    const Vec3f& b = p[rng.below(m)];
    const Vec3f& c = p[rng.below(m)];
    const double ux = a[0] - b[0], uy = a[1] - b[1], uz = a[2] - b[2];
    const double vx = c[0] - b[0], vy = c[1] - b[1], vz = c[2] - b[2];
    const double nu = std::sqrt(ux * ux + uy * uy + uz * uz), nv = std::sqrt(vx * vx + vy * vy + vz * vz);
    if (nu == 0 || nv == 0) continue;
    const double cosang = std::clamp((ux * vx + uy * vy + uz * vz) / (nu * nv), -1.0, 1.0);
    soft_add(h.data(), bins, std::acos(cosang) * k);
  }
  return normalised(h);
}

}  // namespace meshsentry
