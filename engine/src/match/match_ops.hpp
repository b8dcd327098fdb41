// SPDX-License-Identifier: MIT
// The match stage's parts, exposed for tests and benchmarks.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>

#include "common/point_tree.hpp"
#include "describe/principal_frame.hpp"
#include "meshsentry/describe.hpp"
#include "meshsentry/engine.hpp"
#include "meshsentry/signatures.hpp"

namespace meshsentry {

// Distance between two global descriptors, per component and weighted total.
struct DescriptorDistance {
  double d2 = 0, d1 = 0, a3 = 0, moments = 0, compactness = 0;
  double total = 0;
};
DescriptorDistance descriptor_distance(const ShapeDescriptor& a, const ShapeDescriptor& b);

// Map a total distance to a score in [0, 1]; 1 is identical, monotone decreasing.
double descriptor_score(double total_distance);

// Similarity transform that lays the signature's point sample onto a scanned
// shape: principal frames give the start (all 8 axis-sign choices, so
// reflections are found too), a few rounds of ICP refine it.
// Tolerance of `coverage_loose`, a fraction of the scanned shape's RMS radius.
inline constexpr double kLooseTolerance = 0.03;
struct PoseEstimate {
  std::array<double, 16> transform{};  // reference -> file, row-major
  double scale = 1;
  bool mirrored = false;
  double coverage = 0;        // share of signature points within 1% of the RMS radius of the surface
  double coverage_loose = 0;  // the same within 3%
  double fit = 1;       // RMS distance of signature points to the surface (each capped at 2 tolerances) / RMS radius
  double tolerance = kLooseTolerance;  // the tolerance of coverage_loose
  double explained = 0;  // verify_partial: share of the scanned surface the placed signature accounts for
  double outside = 1;    // verify_partial: share of the scanned surface outside the signature's solid
  // verify_partial: share of the scanned surface on (at most two) planes inside the signature's solid, at an
  // angle none of its flat faces has (a cut) or parallel to one of them.
  double oblique_cut = 0, natural_cut = 0;
};
// A shape's dense verification sample (with faces) and its k-d tree, made
// once per shape for every alignment against it.
struct DenseSample {
  explicit DenseSample(SurfaceSample s) : sample(std::move(s)), index(sample.points) {}
  SurfaceSample sample;
  PointIndex index;
};

// `file_points` (the descriptor sample) drives the alignment; `dense` gives
// a denser sample of the same surface of `mesh`, which refines it and finds
// the triangles the residuals are measured against. It is asked for only
// when the pose gets that far (a clean file often does not). `noisy`: the
// shape's surface is perturbed (see Body::flat_edges), so the tolerance may
// widen with the residuals' median, up to 4.5% of the radius.
PoseEstimate estimate_pose(const SignatureEntry& sig, const Mesh& mesh, const SurfaceSample& file_points,
                           const std::function<const DenseSample&()>& dense, const PrincipalFrame& file_frame,
                           double file_rms_radius, double loose_fraction = kLooseTolerance,
                           bool refine_scale = false, bool noisy = false);

// Refines a pose found by ppf_search (row-major 4x4, signature -> scan) at scale 1 and measures it: coverage
// and fit as above (tolerances relative to the signature's RMS radius), and
// the share of `dense` the signature explains. `sig_spacing` is the gap
// between neighbouring signature points.
PoseEstimate verify_partial(const SignatureEntry& sig, const Mesh& mesh, const DenseSample& dense,
                            const std::array<double, 16>& start, double sig_spacing, double loose_fraction = kLooseTolerance,
                            bool piece_gate = false);

// Share of `dense` (a scanned shape's surface) that the signature, placed by
// `transform` (row-major 4x4, signature -> scan, scale included), accounts
// for: points within `tol` of the tangent plane of one of their four nearest
// signature points, at most `lateral` from it along that plane.
double explained_share(const SignatureEntry& sig, const std::array<double, 16>& transform, const DenseSample& dense,
                       double tol, double lateral);

// Score of an aligned signature: coverage within the loose tolerance, times
// a fit factor that is 1 while the RMS residual stays within that tolerance
// and falls to 0.5 at the residuals' cap of twice it. A pose whose RMS
// exceeds the tolerance has at most about 75% of its points within it, so
// the factor never decides a match; it makes the score fall with a worse
// fit as well as with less coverage, and orders the near misses.
inline double aligned_score(const PoseEstimate& e) {
  const double excess = std::clamp(e.fit / e.tolerance - 1, 0.0, 1.0);
  return std::clamp(e.coverage_loose, 0.0, 1.0) * (1 - 0.5 * excess);
}

// Order of a file's matches: best score first, ties by signature id.
inline bool ranks_before(const Match& a, const Match& b) {
  if (a.score != b.score) return a.score > b.score;
  return a.signature < b.signature;
}

// Points of the dense verification sample.
inline constexpr std::uint32_t kDenseSamples = 8192;

}  // namespace meshsentry
