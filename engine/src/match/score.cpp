// SPDX-License-Identifier: MIT
// One Match per signature: an exact copy, else a fused placement that
// covers enough of the signature and explains enough of the shape, else its
// best whole placement (verified or coarse), else its closest shape's
// descriptor score kept under the unverified ceiling, so that it ranks as a
// near miss and never matches. A cut piece makes a signature that did not
// match suspect. Matches and suspects say how much of the file they account
// for.
#include <algorithm>
#include <cmath>

#include "match/descriptor_distance.hpp"
#include "match/fit_measures.hpp"
#include "match/ranking.hpp"
#include "match/stages.hpp"

namespace meshsentry {
namespace {

// A verified pose of a signature on a shape that could be a cut piece of it:
// enough of the signature found, most of the shape on the signature's
// surface, the rest (the cut faces) inside its material, and a cut at an
// angle none of the signature's flat faces has.
bool is_piece(const PoseEstimate& e, const PieceParams& p) {
  return e.coverage_loose >= p.min_coverage && e.explained >= p.min_explained && e.outside <= p.max_outside &&
         e.oblique_cut >= p.min_cut && e.explained + e.oblique_cut + e.natural_cut >= p.min_accounted &&
         e.kept_found >= p.min_kept_found;
}

// Signature i's best placement by `method` (rank: higher is better; the
// first found wins ties), or null.
template <class Rank>
const Placement* best_of(const MatchContext& ctx, std::size_t i, Method method, Rank&& rank) {
  const Placement* best = nullptr;
  for (const Placement& pl : ctx.placements)
    if (pl.signature == i && pl.method == method && (!best || rank(pl.pose) > rank(best->pose))) best = &pl;
  return best;
}

// Its best whole placement: most coverage, ties to the lower shape, then the
// signature itself before a coarse view, then the first found.
const Placement* best_whole(const MatchContext& ctx, std::size_t i) {
  const Placement* best = nullptr;
  auto before = [](const Placement& a, const Placement& b) {
    if (a.pose.coverage_loose != b.pose.coverage_loose) return a.pose.coverage_loose > b.pose.coverage_loose;
    if (a.shape != b.shape) return a.shape < b.shape;
    return a.method == Method::verified && b.method == Method::coarse;
  };
  for (const Placement& pl : ctx.placements)
    if (pl.signature == i && (pl.method == Method::verified || pl.method == Method::coarse) &&
        (!best || before(pl, *best)))
      best = &pl;
  return best;
}

// The score a placement earns, and what it would be without the coverage
// cap (a coarse or noisy copy whose detail is all there is suspect, not a
// match: see GateParams).
struct Earned {
  double score = 0, uncapped = 0;
};
Earned earned(const PoseEstimate& e, const GateParams& g) {
  const bool deformed = e.offset != 0 || e.axis_scale != Vec3::Ones() || e.bend_deg != 0;
  const double uncapped = aligned_score(e) *
                          std::min(1.0, e.detail / (deformed ? g.deformed_full_detail : g.full_detail)) *
                          std::min(1.0, e.shape_detail / g.full_shape_detail);
  return {std::min(uncapped, g.coverage_cap_base + g.coverage_cap_slope * e.coverage), uncapped};
}

// A piece keeps its plain aligned score: it lacks some of the part's detail
// by definition, and its verdict rests on is_piece.
// A fused part is scored on its surface that is not buried in the material
// it is fused to (unburied_view); its coverage stays the share of the whole.
double take_pose(Match& m, const Placement& pl, const GateParams& g) {
  const Earned got = pl.method == Method::piece   ? Earned{aligned_score(pl.pose), aligned_score(pl.pose)}
                     : pl.method == Method::fused ? earned(unburied_view(pl.pose), g)
                                                  : earned(pl.pose, g);
  m.score = got.score;
  m.method = pl.method;
  m.coverage = pl.pose.coverage;
  m.fit = pl.pose.fit;
  m.detail = pl.pose.detail;
  m.axis_scale = {pl.pose.axis_scale(0), pl.pose.axis_scale(1), pl.pose.axis_scale(2)};
  for (int a = 0; a < 3; ++a)
    for (int k = 0; k < 3; ++k) m.stretch_axes[3 * a + k] = pl.pose.stretch_axes(k, a);
  m.offset = pl.pose.offset;
  m.bend_deg = pl.pose.bend_deg;
  m.mirrored = pl.pose.mirrored;
  m.scale = pl.pose.scale;
  m.transform = pl.pose.placement.to_rows();
  return got.uncapped;
}

// The placement behind signature i's score, filling in `m`; null for a
// descriptor-only score (`closest`: the distance to the closest shape).
const Placement* choose(MatchContext& ctx, std::size_t i, double closest, Match& m) {
  const FusedParams& f = ctx.params.fused;
  const double threshold = ctx.options.match_threshold;
  const GateParams& g = ctx.params.gates;
  double uncapped = 0;
  const Placement* placed = nullptr;
  // A fused placement counts when the signature's surface is found or
  // buried (inside the scanned solid) nearly everywhere, and what is not
  // buried is mostly found: a part on a raft, in a box or on supports.
  const auto fused_found = [&](const PoseEstimate& e) {
    return e.coverage_loose >= f.min_found && e.coverage_loose + e.buried >= f.coverage &&
           unburied_view(e).coverage_loose >= f.visible && e.detail >= f.min_detail;
  };
  const Placement* fused = best_of(
      ctx, i, Method::fused, [&](const PoseEstimate& e) { return (fused_found(e) ? 2.0 : 0.0) + e.coverage_loose; });
  if (const Placement* exact = best_of(ctx, i, Method::exact, [](const PoseEstimate&) { return 0.0; })) {
    placed = exact;
    m.score = 1;
    m.method = Method::exact;
    m.coverage = 1;
    m.transform = Similarity{}.to_rows();
  } else if (fused && fused_found(fused->pose)) {
    uncapped = take_pose(m, *(placed = fused), g);
  } else if (const Placement* whole = best_whole(ctx, i)) {
    uncapped = take_pose(m, *(placed = whole), g);
  } else {
    m.score = ctx.params.gates.unverified_ceiling * descriptor_score(closest, ctx.params.distance);
    m.method = Method::global;
  }
  const PieceParams& pc = ctx.params.piece;
  const Placement* piece = best_of(
      ctx, i, Method::piece, [&](const PoseEstimate& e) { return (is_piece(e, pc) ? 1.0 : 0.0) + e.coverage_loose; });
  if (m.score >= threshold) {
    m.verdict = Verdict::match;
  } else if (uncapped >= threshold && !m.deformed()) {  // a deformed fit must hold at the tight tolerance
    m.verdict = Verdict::suspect;
    m.reason = "coarse";
  } else if (placed && placed->method == Method::fused && m.score >= f.suspect_score) {  // short of a match
    m.verdict = Verdict::suspect;
    m.reason = "fused";
  } else if (piece && is_piece(piece->pose, pc)) {
    take_pose(m, *(placed = piece), g);
    m.verdict = Verdict::suspect;
    m.reason = "piece";
  }
  return placed;
}

// Whether a scale is 1 or a unit conversion (mm <-> inch, cm, m) within `band`.
bool unit_size(double scale, double band) {
  for (const double u : {1.0, 25.4, 10.0, 1000.0})
    if (std::abs(scale / u - 1) <= band || std::abs(scale * u - 1) <= band) return true;
  return false;
}

// A match, or a coarse suspect, on a print too coarse to identify the part
// (GateParams::min_print_layers) is a suspect for that reason, its score
// scaled down with the layers.
void few_layers(const MatchContext& ctx, const Shape& s, Match& m) {
  const double height = ctx.mesh.layer_height;
  if (height <= 0 || !(m.verdict == Verdict::match || (m.verdict == Verdict::suspect && m.reason == "coarse"))) return;
  const BoundingBox& box = s.body >= 0 ? ctx.mesh.bodies[s.body].bounds : ctx.mesh.bounds;
  const double layers = (box.max[2] - box.min[2]) / height, enough = ctx.params.gates.min_print_layers;
  if (layers >= enough) return;
  m.verdict = Verdict::suspect;
  m.reason = "few_layers";
  m.score = std::min(m.score, ctx.options.match_threshold * std::max(0.0, layers) / enough);
}

Match score_signature(MatchContext& ctx, std::size_t i) {
  const SignatureEntry& e = ctx.set.entries[i];  // names and descriptor; *placed->aligned has the samples
  Match m;
  m.signature = e.id;
  m.label = e.label;
  m.cls = e.cls;
  m.severity = e.severity;
  std::size_t si = 0;  // the closest shape by descriptor, unless a placement says otherwise
  for (std::size_t k = 1; k < ctx.shapes.size(); ++k)
    if (ctx.shapes[k].distance[i] < ctx.shapes[si].distance[i]) si = k;
  const Placement* placed = choose(ctx, i, ctx.shapes[si].distance[i], m);
  if (placed) si = placed->shape;
  const bool aligned =
      m.method == Method::verified || m.method == Method::coarse;  // scale and tolerance are the shape's
  const Shape& s = ctx.shapes[si];
  few_layers(ctx, s, m);
  m.body = s.body;
  m.scale = m.method == Method::exact || m.method == Method::fused || m.method == Method::piece ? 1.0
            : aligned                                                                           ? m.scale
            : e.descriptor.rms_radius > 0 ? s.descriptor.rms_radius / e.descriptor.rms_radius
                                          : 1.0;
  if (e.scale == ScalePolicy::fixed && !unit_size(m.scale, ctx.params.gates.fixed_scale_band)) {
    m.verdict = Verdict::clean;
    m.reason.clear();
    m.score = std::min(m.score, ctx.params.gates.unverified_ceiling);
  }
  // How much of the file the match accounts for, measured for matches only,
  // so a clean file never pays for it; within two point gaps along the
  // surface, so that a whole copy counts whole.
  if (m.verdict != Verdict::clean) {
    double explained = 1;
    const double r = aligned ? s.descriptor.rms_radius : e.descriptor.rms_radius;
    if (placed && placed->method != Method::exact)
      explained = explained_share(*placed->aligned, placed->pose.placement, ctx.dense(si), placed->pose.tolerance * r,
                                  2 * ctx.index.spacing(i) * m.scale, ctx.params.piece);
    const double file_area = ctx.mesh.mass.area;
    m.explained = file_area > 0 ? std::clamp(explained * s.mass->area / file_area, 0.0, 1.0) : 0;
  }
  return m;
}

// Every signature scored, each shape measured against all of them first.
std::vector<Match> score_every(MatchContext& ctx) {
  const std::size_t n = ctx.set.entries.size();
  for (std::size_t si = 0; si < ctx.shapes.size(); ++si)
    for (std::size_t i = 0; i < n; ++i) ctx.distance(si, i);
  std::vector<Match> scored;
  for (std::size_t i = 0; i < n; ++i) scored.push_back(score_signature(ctx, i));
  return scored;
}

// The signatures that can appear in the result: every placed one, and the
// near misses. A signature unmeasured on some shape is over that shape's
// `certain` distance, so one whose closest measured distance is within the
// smallest `certain` of all shapes has its true score; every other
// signature scores below ceiling * descriptor_score(that distance). When the
// listed candidates all score above that bound, the list is the one every
// signature would give; else (rare: few signatures near any shape) every
// signature is scored.
std::vector<Match> score_listed(MatchContext& ctx) {
  const std::size_t n = ctx.set.entries.size();
  const std::size_t listed = ctx.options.candidates;
  std::vector<std::size_t> placed;
  for (const Placement& pl : ctx.placements) placed.push_back(pl.signature);
  std::sort(placed.begin(), placed.end());
  placed.erase(std::unique(placed.begin(), placed.end()), placed.end());
  // The nearest few per shape: enough for the list even if all the placed
  // ones are among them. A later stage may have measured some already.
  std::vector<std::size_t> ids = placed;
  if (listed > 0)
    for (Shape& s : ctx.shapes) {
      if (s.certain == kUnmeasured || !indexed(ctx, s)) continue;
      auto [found, kth] =
          ctx.index.signature_search->nearest(s.descriptor, listed + ctx.params.index.extra_neighbours + placed.size());
      for (const auto& [d, i] : found) {
        if (s.distance[i] == kUnmeasured) s.distance[i] = d;
        ids.push_back(i);
      }
      s.certain = std::max(s.certain, kth);
    }
  double certain = kUnmeasured;
  for (const Shape& s : ctx.shapes) certain = std::min(certain, s.certain);
  for (const Shape& s : ctx.shapes) ids.insert(ids.end(), s.near.begin(), s.near.end());
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::vector<Match> scored;
  for (std::size_t i : ids) {
    const bool is_placed = std::binary_search(placed.begin(), placed.end(), i);
    double closest = kUnmeasured;
    for (std::size_t si = 0; si < ctx.shapes.size(); ++si)
      closest = std::min(closest, is_placed ? ctx.distance(si, i) : ctx.shapes[si].distance[i]);
    if (is_placed || closest <= certain) scored.push_back(score_signature(ctx, i));
  }
  if (scored.size() == n || listed == 0) return scored;
  std::stable_sort(scored.begin(), scored.end(), ranks_before);
  std::size_t clean = 0;
  const double bound = ctx.params.gates.unverified_ceiling * descriptor_score(certain, ctx.params.distance);
  for (const Match& m : scored)
    if (m.verdict == Verdict::clean && ++clean == listed) return m.score > bound ? scored : score_every(ctx);
  return score_every(ctx);
}

}  // namespace

void score(MatchContext& ctx, ScanResult& r) {
  std::vector<Match> scored = score_listed(ctx);
  std::stable_sort(scored.begin(), scored.end(), ranks_before);
  r.verdict = Verdict::clean;
  for (Match& m : scored) {
    r.verdict = combine(r.verdict, m.verdict);
    if (m.verdict != Verdict::clean) r.matches.push_back(std::move(m));
    else if (r.candidates.size() < ctx.options.candidates) r.candidates.push_back(std::move(m));
  }
}

}  // namespace meshsentry
