// SPDX-License-Identifier: MIT
// Verification of a pose found by point-pair voting (stage 3): a part fused
// with other material, or a piece of one, at scale 1.
#pragma once

#include "match/params.hpp"
#include "match/pose.hpp"
#include "meshsentry/signatures.hpp"

namespace meshsentry {

// Refines `start` (signature -> scan, from ppf_search) point to plane and
// measures it: coverage and fit (tolerances relative to the signature's RMS
// radius, the scale being 1), the share of `dense` the signature explains,
// the share outside its solid and the cut planes. `sig_spacing` is the gap
// between neighbouring signature points. With `piece_gate`, a pose that is
// plainly wrong after a rough pass is returned unfinished.
PoseEstimate verify_partial(const SignatureEntry& sig, const Mesh& mesh, const DenseSample& dense,
                            const Similarity& start, double sig_spacing, const MatchParams& params,
                            bool piece_gate = false);

}  // namespace meshsentry
