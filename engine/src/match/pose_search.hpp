// SPDX-License-Identifier: MIT
// Coarse-to-fine pose of a signature on a whole scanned shape (stage 2).
// Starts: principal-axis frames with all 8 axis-sign choices (four are
// reflections: that is how a mirrored copy is told apart); spins about an
// axis whose two companion variances are alike; fixed uniform rotations per
// handedness when all three are alike. Each start is scored by the RMS
// nearest-neighbour distance of 64 points (of 16 first, when there are
// many). Refinement: the best starts per handedness that are apart go
// through point-to-point ICP (scale fixed by the ratio of RMS radii), then
// the best one or two through point-to-plane ICP on a dense sample, and the
// pose that covers most of the signature wins. A shape far from the
// signature after the point-to-point stage stops there. Cost: about 2-10 ms
// per pair for parts of a few thousand triangles.
#pragma once

#include <functional>

#include "describe/principal_frame.hpp"
#include "match/params.hpp"
#include "match/pose.hpp"
#include "meshsentry/signatures.hpp"

namespace meshsentry {

// `file_points` (the descriptor sample) drives the alignment; `dense` gives
// a denser sample of the same surface of `mesh`, which refines it and finds
// the triangles the residuals are measured against. It is asked for only
// when the pose gets that far (a clean file often does not). `noisy`: the
// shape's surface is perturbed (see Body::flat_edges), so the tolerance may
// widen with the residuals' median.
PoseEstimate estimate_pose(const SignatureEntry& sig, const Mesh& mesh, const SurfaceSample& file_points,
                           const std::function<const DenseSample&()>& dense, const PrincipalFrame& file_frame,
                           double file_rms_radius, double loose_fraction, const MatchParams& params,
                           bool refine_scale = false, bool noisy = false);

}  // namespace meshsentry
