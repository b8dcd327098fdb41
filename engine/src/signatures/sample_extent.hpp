// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>

#include "meshsentry/signatures.hpp"

namespace meshsentry {

// A sample's extent (see SampleExtent) measured on every stride-th point,
// stride = size / model_points: the one implementation, so an extent stored
// at `sig build` and one measured when a set is opened are the same doubles.
SampleExtent measure_sample_extent(const SurfaceSample& sample, std::uint32_t model_points);

// The stored extent when it was measured for model_points, else measured now.
inline SampleExtent sample_extent(const SurfaceSample& sample, const SampleExtent& stored, std::uint32_t model_points) {
  return stored.model_points == model_points ? stored : measure_sample_extent(sample, model_points);
}

// Fills every entry's and view's extent not stored for kModelPoints, in
// parallel (what writing a set in format 4 needs).
void fill_sample_extents(SignatureSet& set);

}  // namespace meshsentry
