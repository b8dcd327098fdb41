// SPDX-License-Identifier: MIT
// Distance between two global descriptors (stage 1's measure).
#pragma once

#include "match/params.hpp"
#include "meshsentry/describe.hpp"

namespace meshsentry {

// Per component, and the weighted total.
struct DescriptorDistance {
  double d2 = 0, d1 = 0, a3 = 0, moments = 0, compactness = 0;
  double total = 0;
};
DescriptorDistance descriptor_distance(const ShapeDescriptor& a, const ShapeDescriptor& b,
                                       const DistanceParams& weights = {});

// A total distance as a score in [0, 1]: 1 is identical, monotone decreasing.
double descriptor_score(double total_distance, const DistanceParams& weights = {});

}  // namespace meshsentry
