// SPDX-License-Identifier: MIT
// Descriptor metric. D1 and D2 are compared by the 1-D earth mover's distance
// (L1 between cumulative histograms, in units of the histogram range): a
// slightly shifted histogram (decimation shrinks a part a little) costs a
// little, not everything. A3 the same way. Scalars by absolute
// difference. Weights (DistanceParams) bring each component to a similar
// spread over unrelated shapes.
#include "match/descriptor_distance.hpp"

#include <cmath>

namespace meshsentry {
namespace {

double emd(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size() || a.empty()) return 1.0;
  double ca = 0, cb = 0, s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ca += a[i];
    cb += b[i];
    s += std::abs(ca - cb);
  }
  return s / a.size();
}

}  // namespace

DescriptorDistance descriptor_distance(const ShapeDescriptor& a, const ShapeDescriptor& b, const DistanceParams& w) {
  DescriptorDistance d;
  d.d2 = emd(a.d2, b.d2);
  d.d1 = emd(a.d1, b.d1);
  d.a3 = emd(a.a3, b.a3);
  d.moments = std::abs(a.moment_ratios[0] - b.moment_ratios[0]) +
              std::abs(a.moment_ratios[1] - b.moment_ratios[1]);
  d.compactness = std::abs(a.compactness - b.compactness);
  d.total = w.d2 * d.d2 + w.d1 * d.d1 + w.a3 * d.a3 + w.moments * d.moments + w.compactness * d.compactness;
  return d;
}

double descriptor_score(double total, const DistanceParams& w) { return std::exp(-total / w.score_scale); }

}  // namespace meshsentry
