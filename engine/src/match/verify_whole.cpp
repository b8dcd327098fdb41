// SPDX-License-Identifier: MIT
// Stage 2: each shape is aligned with its closest signature when that is
// within the descriptor gate. The true signature is the closest on every
// calibration set, so one alignment per shape suffices, and a plate holding
// two different parts has both verified. Noise moves a shape's descriptors
// further than anything else does, and can put another signature first, so
// a perturbed surface is aligned with its three closest. The score of a
// placement is the share of the signature's surface found on the shape.
#include <algorithm>

#include "match/pose_search.hpp"
#include "match/stages.hpp"
#include "match/tolerance.hpp"

namespace meshsentry {
namespace {

// The signatures closest to shape si by descriptor (ties by index), at most
// `count`: stage 1 measured every one within the gates, in that order.
std::vector<std::size_t> closest_signatures(const Shape& s, std::size_t count) {
  return {s.near.begin(), s.near.begin() + std::min(count, s.near.size())};
}

}  // namespace

void verify_whole(MatchContext& ctx) {
  const std::size_t n = ctx.set.entries.size();
  if (!ctx.options.verify || n == 0) return;
  const MatchParams& p = ctx.params;
  const PreparedMesh& pm = ctx.mesh;
  for (std::size_t si = 0; si < ctx.shapes.size(); ++si) {
    const Shape& s = ctx.shapes[si];
    const double r = s.descriptor.rms_radius;
    for (std::size_t best : closest_signatures(s, std::min<std::size_t>(s.noisy ? p.gates.noisy_tries : 1, n))) {
      if (ctx.exact_shape(best) || s.distance[best] > p.gates.coarse_verify) break;
      const SignatureEntry& e = ctx.index.entry(best);
      // A print's skin is stair-stepped: its curved faces stray from the
      // part's by up to half a layer.
      const double loose = std::max(loose_tolerance(e, ctx.spacing(si), r / e.descriptor.rms_radius, p.verify),
                                    p.verify.loose_tolerance + p.verify.layer_slack * pm.layer_height / r);
      const bool coarse = loose > p.verify.loose_tolerance;
      if (s.distance[best] > p.gates.verify && !coarse) continue;
      PoseEstimate pose = estimate_pose(e, pm.mesh, s.sample, [&]() -> const DenseSample& { return ctx.dense(si); },
                                        principal_frame(*s.mass), r, loose, p, pm.layer_height > 0, s.noisy);
      ctx.placements.push_back(
          {.signature = best, .shape = si, .aligned = &e, .method = Method::verified, .pose = pose});
    }
  }
}

}  // namespace meshsentry
