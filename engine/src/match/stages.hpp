// SPDX-License-Identifier: MIT
// The match cascade, one function per stage, in the order match_mesh runs
// them. A pose is estimated only for what the cheaper stages let through,
// so a clean file costs about one descriptor pass.
#pragma once

#include "match/context.hpp"

namespace meshsentry {

// Shapes: the whole file and each body that could be a part of its own,
// with hashes, descriptors and descriptor samples.
void describe_shapes(MatchContext& ctx);
// Stage 1, every shape: signatures with its geometry hash (exact copies),
// and the descriptor distance to every signature within shortlist_reach
// (Shape::near; to all of them when not indexed).
void shortlist(MatchContext& ctx);
double shortlist_reach(const MatchParams& p);
// Whether the shape's signatures are found by the index (else all are measured).
bool indexed(const MatchContext& ctx, const Shape& s);
// Shape::near again from Shape::distance.
void sort_near(Shape& s);
// Stage 2: each shape aligned with its closest signature (three for a
// perturbed surface) when that is within the descriptor gate.
void verify_whole(MatchContext& ctx);
// Stage 2 for shapes coarser than their signature: aligned with the
// closest coarse views of any signature.
void verify_coarse(MatchContext& ctx);
// Stage 3, for signatures not found whole: point-pair voting at scale 1 for
// a part fused with other material, or a cut piece of one.
void find_fused_and_pieces(MatchContext& ctx);
// One Match per signature from its best placement; the file's verdict.
void score(MatchContext& ctx, ScanResult& result);

}  // namespace meshsentry
