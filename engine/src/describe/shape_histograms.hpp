// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <vector>

#include "meshsentry/mesh.hpp"

namespace meshsentry {

// Shape distributions of Osada, Funkhouser, Chazelle and Dobkin, "Shape
// Distributions" (ACM TOG 2002), on a surface sample, distances divided by
// `scale` so the result is scale invariant. Linear (soft) binning: each value
// is split between its two nearest bin centres, so small shifts change the
// histogram smoothly. Every histogram is normalised to sum 1.

// D2: distance of every pair among (at most 2048 of) the points, over [0, range).
// O(min(m, 2048)^2).
std::vector<float> d2_histogram(const std::vector<Vec3f>& points, double scale, double range,
                                std::uint32_t bins);
// D1: distance of each point to `centre`, over [0, range). O(m).
std::vector<float> d1_histogram(const std::vector<Vec3f>& points, const Vec3d& centre,
                                double scale, double range, std::uint32_t bins);
// A3: angle at the middle of `triples` random point triples, over [0, pi]. O(triples).
std::vector<float> a3_histogram(const std::vector<Vec3f>& points, std::uint32_t triples,
                                std::uint32_t bins, std::uint32_t seed);

}  // namespace meshsentry
