// SPDX-License-Identifier: MIT
// The coarse views' point samples in a .msig from format 5 on: points as 16-bit integers on
// a grid over the sample's box, normals as two 16-bit octahedral coordinates
// (10 bytes a point instead of 24). The grid step is a power of two at most
// 1/32768 of the box's longest side, so a point moves by less than 3e-5 of
// that side: ~1e-4 of the RMS radius, far under the verification tolerance
// (1% of it). Quantising what was dequantised gives the same integers, so a
// set written, read and written again is the same file. An entry's own
// sample stays floats: the piece and fused stages vote with point-pair
// features binned finely enough that a 1e-4 shift moves some pairs to
// another bin, and on the dev set that alone lost a split positive
// (case_0027, a piece at coverage 0.29); quantising it would save 7 KB an
// entry.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "meshsentry/describe.hpp"
#include "meshsentry/signatures.hpp"

namespace meshsentry {

struct QuantisedSample {
  std::array<float, 3> lo{};          // the box's minimum corner
  float step = 1;                     // grid step, a power of two
  std::vector<std::uint16_t> points;  // 3 per point
  std::vector<std::int16_t> normals;  // 2 per point, octahedral, over 32767
};

QuantisedSample quantise_sample(const SurfaceSample& sample);

// False when lo or step are not finite or the step is not positive.
bool dequantise_sample(const QuantisedSample& q, SurfaceSample& out);

// Replaces every coarse view's sample by what format 5
// stores of it, so the set in memory is what reading the file gives back;
// an extent measured on a sample that moved is dropped (measured again).
void snap_samples(SignatureSet& set);

}  // namespace meshsentry
