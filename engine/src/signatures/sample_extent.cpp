// SPDX-License-Identifier: MIT
#include "signatures/sample_extent.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "common/geometry.hpp"
#include "common/parallel.hpp"

namespace meshsentry {

SampleExtent measure_sample_extent(const SurfaceSample& sample, std::uint32_t model_points) {
  SampleExtent x;
  x.model_points = model_points;
  const std::size_t stride = std::max<std::size_t>(1, sample.points.size() / std::max<std::uint32_t>(1, model_points));
  std::vector<Vec3> points;
  for (std::size_t i = 0; i < sample.points.size(); i += stride) {
    const Vec3f& p = sample.points[i];
    points.emplace_back(p[0], p[1], p[2]);
  }
  const std::size_t n = points.size();
  // Squared distances, each pair once (the square root is monotone, so the
  // result is what comparing distances gives).
  std::vector<double> nearest2(n, std::numeric_limits<double>::infinity());
  double diameter2 = 0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) {
      const double d2 = (points[i] - points[j]).squaredNorm();
      diameter2 = std::max(diameter2, d2);
      nearest2[i] = std::min(nearest2[i], d2);
      nearest2[j] = std::min(nearest2[j], d2);
    }
  x.diameter = std::sqrt(diameter2);
  double nn_sum = 0;
  for (std::size_t i = 0; i < n && n > 1; ++i) nn_sum += std::sqrt(nearest2[i]);
  x.spacing = n ? 2 * nn_sum / n : 0;  // nearest-neighbour mean underestimates the gaps
  return x;
}

void fill_sample_extents(SignatureSet& set) {
  parallel_for(set.entries.size(), 0, [&](std::size_t i) {
    SignatureEntry& e = set.entries[i];
    e.extent = sample_extent(e.sample, e.extent, kModelPoints);
    for (CoarseView& v : e.views) v.extent = sample_extent(v.sample, v.extent, kModelPoints);
  });
}

}  // namespace meshsentry
