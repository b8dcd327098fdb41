// SPDX-License-Identifier: MIT
// Every calibrated number of the matcher, grouped by stage. The stages take
// one MatchParams by const reference, so a bench tool can vary a value
// without recompiling (bench/descriptor_distances does). How each value was
// chosen, with the distributions behind it: docs/calibration.md, under the
// group's name. Fractions of a "radius" are of a shape's RMS radius.
#pragma once

#include <cstddef>
#include <cstdint>

namespace meshsentry {

// Which parts of a file are described and matched on their own.
struct ShapeParams {
  std::size_t max_bodies = 1000;  // the largest bodies examined besides the whole file (a bound for hostile files)
  double min_body_area_fraction = 1e-5;  // of the file's area: dust below it cannot hold a part
  std::size_t min_body_triangles = 4;
  // A body's descriptor samples: this many times its share of the file's
  // area, at least min_sample_fraction of a whole file's.
  double sample_share_factor = 4.0;
  double min_sample_fraction = 0.25;
};

// Descriptor distance (match/descriptor_distance.cpp): component weights
// bring each to a similar spread over unrelated shapes.
struct DistanceParams {
  double d2 = 4.0, d1 = 2.0, a3 = 1.0, moments = 1.0, compactness = 1.0;
  double score_scale = 0.25;  // total distance at which descriptor_score is 1/e
};

// Stage 1's nearest-neighbour index (match/descriptor_index.cpp): a k-d tree
// over a short vector that bounds the descriptor distance from below (the
// weighted cumulative histograms summed over blocks of bins, and the
// scalars), so a shape is compared exactly with the signatures and views
// that could be within the largest gate (GateParams, FusedParams::gate)
// only. None of these values changes what is found, only what it costs.
struct IndexParams {
  std::size_t d2_blocks = 8, d1_blocks = 4, a3_blocks = 4;  // 8 + 4 + 4 + 3 dimensions
  std::size_t leaf_size = 16;
  // Near misses: the nearest candidates + this many + the signatures placed
  // are measured per shape, which certifies the listed candidates without
  // measuring every signature on almost every file (else all are measured).
  std::size_t extra_neighbours = 4;
  double margin = 1e-9;  // relative: bound and distance round differently
  // Every shape compared with every signature and view, as before the
  // index: the reference the index is checked against (bench/shortlist_recall).
  bool exhaustive = false;
};

// Stage 1 -> 2: which (shape, signature) pairs are worth an alignment.
struct GateParams {
  double verify = 0.22;              // descriptor distance under which a shape is aligned
  double coarse_verify = 0.25;       // the same for a shape coarser than the signature
  std::size_t noisy_tries = 3;       // closest signatures aligned for a perturbed surface
  double min_flat_edge_share = 0.1;  // under it, a surface counts as perturbed (noisy)
  double unverified_ceiling = 0.5;   // a descriptor-only score stays below it: never a match
  // An aligned score is scaled by detail / full_detail while under it: the
  // share of the signature's points off its bounding box that were found
  // (a plain box of the part's size supplies none).
  double full_detail = 0.8;
  double deformed_full_detail = 0.9;  // the same for a deformed fit: more freedom, more evidence
  // And by shape_detail / full_shape_detail while under it: the scanned
  // shape's share of surface off its own bounding box over the signature's.
  double full_shape_detail = 0.5;
  // And capped at coverage_cap_base + coverage_cap_slope * coverage (the
  // share within the tight tolerance): under 0.9 until half the signature
  // lies that close, so a high score always means most of the part is there.
  double coverage_cap_base = 0.7, coverage_cap_slope = 0.4;
  // A print (G-code) with fewer layers than this across the matched shape's
  // height is too coarse to tell the part from its near variants: a match
  // there is suspect with the reason "few_layers", its score scaled by
  // layers / min_print_layers. Measured with bench/gcode_stripped.py --coarse:
  // benign prints and hard negatives thinned to 2-3 layers were flagged (7 of 26),
  // to 4-11 layers 1-3 of them, none at 11 or more.
  double min_print_layers = 10;
  // A signature whose manifest says `scale true` is the part only at its
  // own size or a unit conversion of it (1, 25.4, 10, 1000 and their
  // inverses), within this relative band of the measured scale: other sizes
  // score at most unverified_ceiling (a near miss, never flagged).
  double fixed_scale_band = 0.03;
};

// Stage 2: aligning a whole shape with a signature and measuring the fit.
struct VerifyParams {
  double coverage_tolerance = 0.01;  // of the radius: a signature point "found" (coverage)
  double loose_tolerance = 0.03;     // of the radius: coverage_loose, the score's measure
  // A shape coarser than the signature: the tolerance grows with the excess
  // vertex spacing, fully at the reference's size or a unit conversion of it
  // (within sized_scale_band), by half at any other scale.
  double spacing_slack = 0.5, max_loose = 0.08;
  double sized_spacing_slack = 1.0, sized_max_loose = 0.12;
  double sized_scale_band = 0.1;
  double layer_slack = 0.5;  // a print's skin: tolerance widened by this many layer heights
  // A perturbed surface: tolerance widened to noise_width times the median
  // residual, at most noisy_tolerance.
  double noise_width = 4, noisy_tolerance = 0.045;
  std::uint32_t dense_samples = 8192;  // points of a shape's verification sample
  // A point behind the scanned surface is buried (fused material) only under
  // a surface facing its own way less than this cosine (60 degrees) ...
  double buried_same_way = 0.5;
  double moved_depth = 0.6;  // ... unless deeper than this (file units, mm)
};

// Stage 2's pose search (match/pose_search.cpp): starts, ranking, finishing.
struct PoseSearchParams {
  double spin_variance_band = 0.15;  // two variances this close: spin about the third axis
  int spins = 48;                    // spin starts per sign choice (7.5 degrees apart)
  int random_starts = 256;           // per handedness, when all three variances are alike
  std::size_t refined_starts = 3;    // per handedness, at least start_separation_deg apart
  double start_separation_deg = 25;
  double hopeless_rms = 0.12;       // coarse RMS (beyond the sample gap) above which a pose stops
  double quick_coverage = 0.6;      // the tighter point-to-plane pass only from this quick coverage
  std::size_t finished_starts = 2;  // the runner-up is finished too unless the first is conclusive
  double conclusive_coverage = 0.98, hopeless_loose = 0.6;
  // A reflection is tried below mirror_skip_coverage, when it fit closer or
  // the proper pose reached mirror_try_loose; it wins by mirror_margin.
  double mirror_skip_coverage = 0.95, mirror_try_loose = 0.5, mirror_margin = 0.05;
};

// ICP (match/icp.cpp), in both stages.
struct IcpParams {
  int iterations = 10;
  double settle = 1e-3;         // point-to-point: stop when the RMS changes by less (relative)
  double reach = 0.10;          // of the radius: point-to-plane pairs farther are left out
  double partial_reach = 0.03;  // of the radius: verify_partial's second pass
  std::size_t min_pairs = 12;
  double pair_normal_cos = 0.7;  // with normals (fused parts): pairs facing more than 45 degrees apart are left out
  double converged_angle = 1e-5, converged_shift = 1e-4;  // radians; share of the reach
};

// Coarse views: a shape coarser than its signature, aligned with views.
struct CoarseParams {
  double triangle_band = 1.5;  // the shape's triangle count within this factor of the view's
  double min_explained = 0.8;  // the view must account for this share of the shape
  std::size_t view_tries = 3;  // closest views aligned (until one verifies)
};

// Coarse views, made by `sig build` (signatures/coarse_views.cpp) and
// stored in the .msig: vertex clustering of each reference on a sequence of
// cells and at the cells whose grid planes pass through most vertices.
struct ViewBuildParams {
  double cell_step = 1.0 / 16;  // log2 step between cells of the sequence
  int max_steps = 160;
  double min_cell = 0.1;                   // of the reference's radius: finer views verify as the reference itself
  double max_kept = 0.4, min_kept = 0.03;  // share of the reference's triangles a view keeps (docs/calibration.md)
  std::uint32_t min_triangles = 12;
  // Aligned cells: the seed_planes most populated coordinate planes of each
  // axis divided by 1 to max_divisions; weighed by the vertices on the
  // counted_planes most populated planes; the aligned_cells heaviest with at
  // least min_aligned vertices on their planes.
  std::size_t seed_planes = 32, counted_planes = 1024;
  int max_divisions = 64;
  std::size_t aligned_cells = 12;
  std::uint32_t min_aligned = 4;
};

// Stage 3, a part fused with other material (point-pair voting, scale 1).
struct FusedParams {
  double gate = 0.4;              // descriptor distance for shapes under large_area times the part's area (else none)
  double min_area = 0.8;          // shape area / signature area (no upper bound)
  double diameter_margin = 0.98;  // the shape's box diagonal at least this times the part's width
  // A shape with large_area times the part's area or more: no descriptor
  // gate, the closest local_signatures that fit vote, from salient points.
  double large_area = 1.5;
  std::size_t local_signatures = 32;
  double pilot_support = 0.25, pose_support = 0.3;
  std::size_t pilot_references = 32, references = 60;
  std::size_t pilot_poses = 3;  // best-voted poses of the pilot whose support is measured
  std::size_t ranked = 6;       // signatures given the full vote, by pilot support
  std::size_t poses = 3;        // poses kept per full vote
  std::size_t verified = 8;     // best-ranked candidates verified (Candidate::rank)
  // A fused placement: at least min_found of the signature found, found
  // or buried at least `coverage`, and `visible` of what is not buried found.
  // And min_detail of its distinctive points (off its bounding box) found:
  // material that buries the part's features hides what identifies it.
  double min_found = 0.5, coverage = 0.94, visible = 0.9, min_detail = 0.5;
  double suspect_score = 0.7;  // a fused placement under the match threshold is suspect from this score
};

// Stage 3, cut pieces (verdict suspect).
struct PieceParams {
  double min_volume = 0.30;   // share of the signature's volume
  double max_area = 1.2;      // shape area / signature area
  double width_margin = 1.1;  // box's longest side / the part's width
  std::size_t max_signatures = 8;
  double pilot_support = 0.3, pose_support = 0.1;  // per unit of volume share (pilot)
  std::uint32_t key_pairs = 256;                   // feature keys shared by more model pairs cast no votes
  std::size_t references = 30;
  // The piece test.
  double min_coverage = 0.2, min_explained = 0.5, max_outside = 0.03;
  double min_cut = 0.022, min_accounted = 0.70;
  // The rough gate before full verification.
  double quick_explained = 0.35, quick_outside = 0.12;
  // Cut planes: a plane is natural when min_flat_face_share of the
  // signature's normals lie within flat_face_angle of it.
  double flat_face_angle = 5.0, min_flat_face_share = 0.03;
  std::size_t cut_seeds = 128;
  int cut_planes = 2;
  std::size_t share_queries = 2048;  // scanned points the shares are measured on
  // A piece holds the signature whole on its side of its cut planes
  // (PoseEstimate::kept_found, points beyond kept_margin loose tolerances
  // from them): a plain block posing as a piece lacks the detail there.
  double kept_margin = 2.0, min_kept_found = 0.9;
};

// Point-pair features (match/ppf_search.cpp), Drost et al. 2010.
struct PpfParams {
  int angle_bins = 20;             // 9 degrees, binned by cosine
  int alpha_bins = 30;             // rotation about the normal, 12 degrees
  double distance_step = 0.05;     // of the model diameter
  std::size_t model_points = 256;  // of the signature's sample: votes grow with its square
  double scene_min_points = 48, scene_max_points = 4096;
  double cluster_angle_deg = 24, cluster_shift = 0.1;  // poses that agree (shift: of the diameter)
  double support_gap = 1.5, support_offset = 0.02, support_normal = 0.8;
};

// Deformed copies (match/deformation.cpp): a near miss is aligned again
// with a per-axis scale and a surface offset fitted.
struct DeformParams {
  double min_loose = 0.5;           // tried from this coverage_loose ...
  double below_score = 0.9;         // ... on poses scoring under this (the default threshold)
  double size_band = 0.1;           // ... at the reference's size (or in inches) within this
  double max_axis_scale = 0.15;     // each axis scale within 1 -/+ this
  double max_volume_change = 0.05;  // their product within 1 -/+ about this
  // Smaller deformations are none (the rigid fit stands): an axis scaled by
  // min_axis_change, or the surface offset by min_offset (file units).
  double min_axis_change = 0.02, min_offset = 0.1;
  double max_offset = 1.0;  // surface offset bound, in the scanned file's units (mm)
  int rounds = 4;           // alignment / least-squares alternations
  double min_gain = 0.02;   // kept only when the aligned score rises by this
  // Bent or twisted copies (match/bend.cpp): the signature in bend_segments
  // slabs across its longest axis, each aligned rigidly; neighbours within
  // bend_gap loose tolerances of each other where they join and turned by
  // at most half of max_bend_deg against each other, the ends by at most
  // max_bend_deg. A fit turning the ends by less than min_bend_deg is none.
  // The segments are aligned together, joints held with bend_stiffness
  // (the weight of a joint's rows against a surface pair's).
  int bend_segments = 4;
  double bend_gap = 2.0, max_bend_deg = 20.0, min_bend_deg = 2.0, bend_stiffness = 3.0;
  int bend_iterations = 40;
};

// Files drawn in inches (match/match_mesh.cpp): a clean file whose box
// diagonal, times 25.4, lies between min_width times the narrowest
// signature's width and max_width times the widest is matched again at
// 25.4 times its size (the point-pair stages vote at the signatures' size).
struct UnitParams {
  double max_width = 4.0, min_width = 0.3;
};

struct MatchParams {
  ShapeParams shapes;
  DistanceParams distance;
  IndexParams index;
  GateParams gates;
  VerifyParams verify;
  PoseSearchParams pose;
  IcpParams icp;
  CoarseParams coarse;
  ViewBuildParams views;
  FusedParams fused;
  PieceParams piece;
  PpfParams ppf;
  UnitParams units;
  DeformParams deform;
};

}  // namespace meshsentry
