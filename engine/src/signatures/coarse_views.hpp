// SPDX-License-Identifier: MIT
#pragma once

#include <vector>

#include "match/params.hpp"
#include "meshsentry/signatures.hpp"

namespace meshsentry {

// Coarse views of a prepared reference (see CoarseView), coarsest first:
// grid cells from half the box's longest side down by steps of 2^(1/16),
// to a tenth of `rms_radius` (the reference's), one per triangle count, and
// the 12 cells in that range whose grid planes pass through the most
// vertices, on and just past each; kept while they leave at most 75% of its
// triangles and at least 12 triangles and 3% of them (ViewBuildParams).
// `points`: each view's sample size.
std::vector<CoarseView> coarse_views(const PreparedMesh& reference, double rms_radius,
                                     const DescriptorParams& params, std::uint32_t points,
                                     const ViewBuildParams& p = {});

}  // namespace meshsentry
