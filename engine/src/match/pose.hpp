// SPDX-License-Identifier: MIT
// What an alignment of a signature with a scanned shape yields, and the
// scanned shape's dense sample every alignment is measured against.
#pragma once

#include <algorithm>
#include <utility>

#include "common/geometry.hpp"
#include "common/point_tree.hpp"
#include "meshsentry/describe.hpp"

namespace meshsentry {

struct PoseEstimate {
  Similarity placement;  // signature -> scanned coordinates, scale included
  double scale = 1;
  bool mirrored = false;
  double coverage = 0;        // share of signature points within the coverage tolerance of the surface
  double coverage_loose = 0;  // the same within `tolerance`
  // Share of signature points not within `tolerance` that lie inside the
  // scanned solid: surface buried in material fused to the part.
  double buried = 0;
  double fit_unburied = 1;  // `fit` of the points not buried
  double fit = 1;           // RMS distance of signature points to the surface (each capped at 2 tolerances) / radius
  double tolerance = 0.03;  // of the radius: the tolerance of coverage_loose, as widened
  // Share of the signature's distinctive points (off its bounding box by
  // more than `tolerance`) found within it: what a plain box cannot supply.
  // 1 when the signature has none; distinct_share says how many it has.
  double detail = 1, distinct_share = 0;
  // The scanned shape's share of surface off its own bounding box over the
  // signature's (at most 1): near 0 for a plain box standing for a part.
  double shape_detail = 1;
  // A fitted deformation (match/deformation.hpp): scales along three
  // perpendicular directions (largest first; product about 1) and a surface
  // offset in the scanned file's units; none when axis_scale is all 1 and
  // offset 0.
  Vec3 axis_scale = Vec3::Ones();
  Mat3 stretch_axes = Mat3::Identity();  // the directions of axis_scale (columns), in the reference's coordinates
  double offset = 0;
  double bend_deg = 0;  // a bent or twisted copy (match/bend.hpp): the turn between its ends, degrees
  double explained = 0;  // verify_partial: share of the scanned surface the placed signature accounts for
  double outside = 1;    // verify_partial: share of the scanned surface outside the signature's solid
  // verify_partial: share of the scanned surface on (at most two) planes inside the signature's solid, at an
  // angle none of its flat faces has (a cut) or parallel to one of them.
  double oblique_cut = 0, natural_cut = 0;
  // verify_partial: share of the signature points on the piece's side of every cut plane (farther than
  // PieceParams::kept_margin from it) found on the scanned surface: 1 for a true piece, low for a plain
  // block standing for a piece of a part with detail there (studs, teeth) that it lacks.
  double kept_found = 0;
};

// A shape's dense verification sample (with faces) and its k-d tree, made
// once per shape for every alignment against it.
struct DenseSample {
  explicit DenseSample(SurfaceSample s) : sample(std::move(s)), index(sample.points) {}
  SurfaceSample sample;
  PointIndex index;
};

// A fused part's estimate as seen on its surface that is not buried in the
// material it is fused to: coverage and fit of those points only. Detail
// stays that of all distinctive points: material that buries the part's
// features hides what identifies it.
inline PoseEstimate unburied_view(const PoseEstimate& e) {
  PoseEstimate v = e;
  const double seen = 1 - e.buried;
  v.coverage = seen > 0 ? std::min(1.0, e.coverage / seen) : 0;
  v.coverage_loose = seen > 0 ? std::min(1.0, e.coverage_loose / seen) : 0;
  v.fit = e.fit_unburied;
  return v;
}

// Score of an aligned signature: coverage within the loose tolerance, times
// a fit factor that is 1 while the RMS residual stays within that tolerance
// and falls to 0.5 at the residuals' cap of twice it. A pose whose RMS
// exceeds the tolerance has at most about 75% of its points within it, so
// the factor never decides a match; it orders the near misses.
inline double aligned_score(const PoseEstimate& e) {
  const double excess = std::clamp(e.fit / e.tolerance - 1, 0.0, 1.0);
  return std::clamp(e.coverage_loose, 0.0, 1.0) * (1 - 0.5 * excess);
}

}  // namespace meshsentry
