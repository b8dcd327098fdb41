// SPDX-License-Identifier: MIT
#include "describe/shape_histograms.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "common/rng.hpp"

namespace meshsentry {
namespace {

constexpr std::size_t kMaxD2Points = 2048;  // 2.1 million pairs

// The share of a weight `one` that goes to the upper of two bins, at
// fraction f between their centres: as is for real weights, rounded for
// fixed-point ones (D2's).
inline double upper_share(double f, double) { return f; }
inline std::uint64_t upper_share(double f, std::uint64_t one) {
  return static_cast<std::uint64_t>(f * double(one) + 0.5);
}

// Adds weight `one` at position x (in bin units) split between neighbouring bins.
template <class T>
inline void soft_add(T* h, std::uint32_t bins, double x, T one = T(1)) {
  x -= 0.5;  // bin centres at i + 0.5
  if (x <= 0) {
    h[0] += one;
    return;
  }
  const double top = bins - 1;
  if (x >= top) {
    h[bins - 1] += one;
    return;
  }
  const auto i = static_cast<std::uint32_t>(x);
  const T upper = upper_share(x - i, one);
  h[i] += one - upper;
  h[i + 1] += upper;
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
  const double k = bins / (range * scale);
  // Every pair of at most kMaxD2Points points, taken with a stride so they
  // still cover the whole surface (the sample is ordered along it).
  const std::size_t stride = std::max<std::size_t>(1, (p.size() + kMaxD2Points - 1) / kMaxD2Points);
  std::vector<float> xs, ys, zs;
  for (std::size_t i = 0; i < p.size(); i += stride) xs.push_back(p[i][0]), ys.push_back(p[i][1]), zs.push_back(p[i][2]);
  // The costliest step of describing a shape (2 million pairs), so: the
  // distances of a row in a loop the compiler vectorises (this file is built
  // with -fno-math-errno for the square roots), then each pair's weight
  // split between two bins in fixed point, 2^32 a pair, on four histograms
  // in turn. Integer sums are exact, so the four add up to the same counts
  // in any order, and consecutive pairs (often in the same bin) do not wait
  // for each other's store.
  constexpr std::uint64_t kOne = std::uint64_t{1} << 32;
  const std::size_t m = xs.size();
  std::vector<std::uint64_t> lanes(4 * std::size_t(bins), 0);
  std::vector<double> row(m);
  for (std::size_t i = 0; i < m; ++i) {
    const float xi = xs[i], yi = ys[i], zi = zs[i];
    const std::size_t count = m - i - 1;
    const float *px = xs.data() + i + 1, *py = ys.data() + i + 1, *pz = zs.data() + i + 1;
    double* out = row.data();
    for (std::size_t j = 0; j < count; ++j) {
      const float dx = px[j] - xi, dy = py[j] - yi, dz = pz[j] - zi;
      out[j] = std::sqrt(double(dx * dx + dy * dy + dz * dz)) * k;
    }
    for (std::size_t j = 0; j < count; ++j) soft_add(lanes.data() + (j & 3) * bins, bins, out[j], kOne);
  }
  std::vector<double> h(bins, 0.0);
  for (std::uint32_t b = 0; b < bins; ++b)
    h[b] = double(lanes[b] + lanes[bins + b] + lanes[2 * bins + b] + lanes[3 * bins + b]) / double(kOne);
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
