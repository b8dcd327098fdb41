// SPDX-License-Identifier: MIT
// Stage 3, for signatures not found whole. A part fused with other material
// (one body: a raft, supports, the floor of a box) has principal axes and
// descriptors that are not the part's, so point-pair voting at scale 1
// proposes its poses in every shape with about the signature's area or
// more: near its size within the descriptor gate, much larger (FusedParams::
// large_area) without one, voting from the shape's salient points. The same
// voting looks for cut pieces: closed shapes holding a good share of a
// signature's volume, no wider than the part. A pilot vote from a few scene
// points ranks the signatures by support beyond their flat-face share, the
// full vote runs for the best few, and the best of each kind are verified
// on the part's own surface (found, or buried in the material).
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <numbers>

#include "match/ppf_search.hpp"
#include "match/stages.hpp"
#include "match/verify_partial.hpp"

namespace meshsentry {
namespace {

// Volume of a signature's reference, from its compactness 36 pi V^2 / A^3.
double reference_volume(const ShapeDescriptor& d) {
  return std::sqrt(double(d.compactness) * d.area * d.area * d.area / (36 * std::numbers::pi));
}

struct Candidate {
  std::size_t signature, shape;
  PoseHypothesis pose;
  double rank;  // the pose's support beyond the model's flat-face share
};
using Ranked = std::vector<std::pair<double, std::size_t>>;  // (pilot support, signature)

// Most supported first (ties keep the vote order): in a large shape the
// most votes may go to its own edges, so the few best-voted poses are
// ranked again by how much of the model lands on the scene.
void by_support(std::vector<PoseHypothesis>& hs) {
  std::stable_sort(hs.begin(), hs.end(),
                   [](const PoseHypothesis& a, const PoseHypothesis& b) { return a.support > b.support; });
}

// One shape's votes. Scenes are sampled at the models' densities, rounded
// to half powers of two so that signatures of similar size share one.
class ShapeVote {
 public:
  ShapeVote(MatchContext& ctx, std::size_t si) : ctx_(ctx), si_(si), s_(ctx.shapes[si]) {}

  // Signatures the shape could be a piece of (volume share, area, width);
  // of those, the closest few by descriptor, so the stage's cost does not
  // grow with the size of the set.
  // The size tests come first: they are free, and only the signatures that
  // pass have their distance measured (if stage 1 did not).
  std::vector<std::size_t> piece_signatures(const std::vector<bool>& open, double side) const {
    const PieceParams& p = ctx_.params.piece;
    Ranked near;
    for (std::size_t i = 0; i < open.size(); ++i) {
      const SignatureEntry& e = ctx_.set.entries[i];  // its descriptor and extent: nothing to decode
      const double volume = s_.mass->abs_volume / reference_volume(e.descriptor);
      if (open[i] && volume >= p.min_volume && volume <= 1.0 && s_.mass->area / e.descriptor.area <= p.max_area &&
          side <= p.width_margin * ctx_.index.diameter(i))
        near.push_back({ctx_.distance(si_, i), i});
    }
    std::stable_sort(near.begin(), near.end());
    if (near.size() > p.max_signatures) near.resize(p.max_signatures);
    std::vector<std::size_t> out;
    for (const auto& [d, i] : near) out.push_back(i);
    return out;
  }

  // The pilot vote of every open signature the shape could hold fused or be
  // a piece of; a shape that can only be a piece votes without the crowded
  // (coplanar) keys.
  void pilot(const std::vector<bool>& open, const std::vector<std::size_t>& piece_of, const BoundingBox& box,
             Ranked& fused, Ranked& pieces) {
    const FusedParams& f = ctx_.params.fused;
    const PieceParams& pc = ctx_.params.piece;
    // Only signatures within the fused gate (stage 1 measured all of them)
    // or a piece candidate can vote, in set order as always.
    std::vector<std::size_t> voters = piece_of;
    for (std::size_t i : s_.near)
      if (s_.distance[i] <= f.gate) voters.push_back(i);
    // A shape much larger than a part (a raft, a box around it) has
    // descriptors that are not the part's, so no gate applies: the closest
    // local_signatures that fit inside it vote (all of a small set).
    Ranked local;
    for (std::size_t i = 0; i < open.size(); ++i)
      if (open[i] && large(i) && box.diagonal() >= f.diameter_margin * ctx_.index.diameter(i))
        local.push_back({ctx_.distance(si_, i), i});
    std::stable_sort(local.begin(), local.end());
    if (local.size() > f.local_signatures) local.resize(f.local_signatures);
    for (const auto& [d, i] : local) voters.push_back(i);
    std::sort(voters.begin(), voters.end());
    voters.erase(std::unique(voters.begin(), voters.end()), voters.end());
    for (std::size_t i : voters) {
      if (!open[i]) continue;
      const SignatureEntry& e = ctx_.set.entries[i];
      const double ratio = s_.mass->area / e.descriptor.area;
      // A shape that holds the part is at least as wide as the part (the
      // sample's widest pair is a lower bound of the part's width).
      const bool is_fused = (s_.distance[i] <= f.gate || large(i)) && ratio >= f.min_area &&
                            box.diagonal() >= f.diameter_margin * ctx_.index.diameter(i);
      const bool may_be_piece = std::find(piece_of.begin(), piece_of.end(), i) != piece_of.end();
      if (!is_fused && !may_be_piece) continue;
      auto h =
          ppf_search(ctx_.index.voting(i), scene(i), f.pilot_poses, f.pilot_references, is_fused ? 0 : pc.key_pairs);
      by_support(h);
      if (h.empty()) continue;
      const double volume = s_.mass->abs_volume / reference_volume(e.descriptor);
      if (is_fused && h[0].support >= f.pilot_support) fused.push_back({h[0].excess(ctx_.index.voting(i)), i});
      if (may_be_piece && h[0].support >= pc.pilot_support * volume) pieces.push_back({h[0].support / volume, i});
    }
  }

  // The full vote for the best-ranked few signatures.
  void full_vote(Ranked& ranked, std::vector<Candidate>& out, double min_support, std::size_t references,
                 std::uint32_t key_pairs) {
    const FusedParams& f = ctx_.params.fused;
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    if (ranked.size() > f.ranked) ranked.resize(f.ranked);
    for (const auto& [support, i] : ranked) {
      // The best-supported few of more best-voted poses, as in the pilot.
      auto hs = ppf_search(ctx_.index.voting(i), scene(i), f.pilot_poses * f.poses, references, key_pairs);
      by_support(hs);
      if (hs.size() > f.poses) hs.resize(f.poses);
      for (const PoseHypothesis& h : hs)
        if (h.support >= min_support) out.push_back({i, si_, h, h.excess(ctx_.index.voting(i))});
    }
  }

 private:
  // Whether the shape is much larger than signature i: salient references, no descriptor gate.
  bool large(std::size_t i) const {
    return s_.mass->area > ctx_.params.fused.large_area * ctx_.set.entries[i].descriptor.area;
  }

  const PpfScene& scene(std::size_t i) {
    const PpfParams& p = ctx_.params.ppf;
    const PpfModel& model = ctx_.index.model(i);
    const double density = double(model.points.size()) / ctx_.set.entries[i].descriptor.area;
    const int level = static_cast<int>(std::lround(2 * std::log2(density * s_.mass->area)));
    auto& slot = scenes_[level];
    if (!slot) {
      const double count = std::clamp(std::exp2(level / 2.0), p.scene_min_points, p.scene_max_points);
      slot =
          std::make_unique<PpfScene>(sample_surface(ctx_.mesh.mesh, ctx_.triangles(si_),
                                                    static_cast<std::uint32_t>(count), ctx_.set.params.seed ^ 0x9bfu),
                                     large(i));
    }
    return *slot;
  }

  MatchContext& ctx_;
  const std::size_t si_;
  const Shape& s_;
  std::map<int, std::unique_ptr<PpfScene>> scenes_;
};

// Full verification for the best-ranked few candidates of one kind.
void verify_best(MatchContext& ctx, std::vector<Candidate>& list, Method method) {
  std::stable_sort(list.begin(), list.end(), [](const Candidate& a, const Candidate& b) { return a.rank > b.rank; });
  if (list.size() > ctx.params.fused.verified) list.resize(ctx.params.fused.verified);
  for (const Candidate& c : list) {
    const SignatureEntry& e = ctx.index.entry(c.signature);
    const PoseEstimate est = verify_partial(e, ctx.mesh.mesh, ctx.dense(c.shape), c.pose.pose,
                                            ctx.index.spacing(c.signature), ctx.params, method == Method::piece);
    ctx.placements.push_back(
        {.signature = c.signature, .shape = c.shape, .aligned = &e, .method = method, .pose = est});
  }
}

}  // namespace

void find_fused_and_pieces(MatchContext& ctx) {
  if (!ctx.options.partial) return;
  const std::size_t n = ctx.set.entries.size();
  // Signatures still open (not found whole), and shapes found whole as one
  // part: those are not a piece of another (a copy of the 2x4 brick holds a
  // 2x2 one), which ends most positives' piece search and its cost.
  std::vector<bool> open(n, true);
  for (const Placement& pl : ctx.placements)
    if (pl.method == Method::exact || pl.pose.coverage_loose >= ctx.options.match_threshold) {
      open[pl.signature] = false;
      ctx.shapes[pl.shape].found_whole = true;
    }
  std::vector<Candidate> fused, pieces;
  const FusedParams& f = ctx.params.fused;
  const PieceParams& pc = ctx.params.piece;
  for (std::size_t si = 0; si < ctx.shapes.size(); ++si) {
    const Shape& s = ctx.shapes[si];
    const BoundingBox& box = s.body >= 0 ? ctx.mesh.bodies[static_cast<std::size_t>(s.body)].bounds : ctx.mesh.bounds;
    double side = 0;  // the box's longest side
    for (int k = 0; k < 3; ++k) side = std::max(side, double(box.max[k]) - double(box.min[k]));
    ShapeVote vote(ctx, si);
    const std::vector<std::size_t> piece_of =
        ctx.options.pieces && !s.found_whole ? vote.piece_signatures(open, side) : std::vector<std::size_t>{};
    Ranked fused_pilot, piece_pilot;
    vote.pilot(open, piece_of, box, fused_pilot, piece_pilot);
    vote.full_vote(fused_pilot, fused, f.pose_support, f.references, 0);
    vote.full_vote(piece_pilot, pieces, pc.pose_support, pc.references, pc.key_pairs);
  }
  verify_best(ctx, fused, Method::fused);
  verify_best(ctx, pieces, Method::piece);
}

}  // namespace meshsentry
