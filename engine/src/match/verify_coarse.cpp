// SPDX-License-Identifier: MIT
// Stage 2 for shapes coarser than their signature: a copy decimated by
// vertex clustering lies within the tolerance of the signature's coarse view
// of about its cell, while it strays from the reference itself by up to half
// a cell. Only at the reference's size or a unit conversion of it
// (decimation keeps a part's size; the coarsest views are plain blocks,
// which a coarse object of another scale covers whole), with about the
// view's triangle count, and the view must account for most of the shape.
// Not for a print's skin, which is coarse in another way, nor for a
// signature found on the shape already.
#include <algorithm>

#include "match/descriptor_distance.hpp"
#include "match/fit_measures.hpp"
#include "match/pose_search.hpp"
#include "match/stages.hpp"
#include "match/tolerance.hpp"

namespace meshsentry {
namespace {

// Whether signature i is already placed on shape si with a matching score.
bool found_on(const MatchContext& ctx, std::size_t i, std::size_t si) {
  for (const Placement& pl : ctx.placements)
    if (pl.signature == i && pl.shape == si && pl.method != Method::exact &&
        pl.pose.coverage_loose >= ctx.options.match_threshold)
      return true;
  return false;
}

// Views within the gate, closest first (at most view_tries): neighbouring
// views have close descriptors, and the closest is not always the one the
// copy was made at.
std::vector<std::size_t> closest_views(const MatchContext& ctx, const Shape& s) {
  std::vector<std::pair<double, std::size_t>> closest;
  const auto& views = ctx.index.views;
  const double gate = ctx.params.gates.coarse_verify;
  const DescriptorIndex* search = ctx.index.view_search();
  if (!ctx.params.index.exhaustive && search && search->accepts(s.descriptor)) {
    // Only the closest few within the gate are tried: a shape near a part
    // is near many of its views, and near views of many parts in a large set.
    closest = search->nearest(s.descriptor, ctx.params.coarse.view_tries, gate).first;
  } else {
    for (std::size_t k = 0; k < views.size(); ++k)
      if (const double d = descriptor_distance(s.descriptor, views[k].descriptor(), ctx.params.distance).total;
          d <= gate)
        closest.push_back({d, k});
  }
  // (distance, view) pairs are all distinct, so the order found does not matter.
  const std::size_t tries = std::min(ctx.params.coarse.view_tries, closest.size());
  std::partial_sort(closest.begin(), closest.begin() + tries, closest.end());
  std::vector<std::size_t> out;
  for (std::size_t t = 0; t < tries; ++t) out.push_back(closest[t].second);
  return out;
}

}  // namespace

void verify_coarse(MatchContext& ctx) {
  const PreparedMesh& pm = ctx.mesh;
  const MatchParams& p = ctx.params;
  if (!ctx.options.verify || ctx.set.entries.empty() || pm.layer_height > 0 || ctx.index.views.empty()) return;
  for (std::size_t si = 0; si < ctx.shapes.size(); ++si) {
    const Shape& s = ctx.shapes[si];
    const double r = s.descriptor.rms_radius;
    for (std::size_t v : closest_views(ctx, s)) {
      const IndexedView& view = ctx.index.view(v);
      if (ctx.exact_shape(view.owner)) continue;
      const double scale = r / view.entry().descriptor.rms_radius;
      const double triangles = double(s.subset ? s.subset->size() : pm.mesh.triangles.size()) /
                               view.entry().triangles;
      if (found_on(ctx, view.owner, si) || !unit_scale(scale, p.verify) || triangles < 1 / p.coarse.triangle_band ||
          triangles > p.coarse.triangle_band)
        continue;
      // The spacing (a k-d tree query) last: the tests above are free.
      const double spacing = ctx.spacing(si);
      if (spacing <= ctx.set.entries[view.owner].vertex_spacing) continue;
      PoseEstimate pose = estimate_pose(view.entry(), pm.mesh, s.sample,
                                        [&]() -> const DenseSample& { return ctx.dense(si); }, principal_frame(*s.mass),
                                        r, loose_tolerance(view.entry(), spacing, scale, p.verify), p, false, s.noisy);
      if (pose.coverage_loose >= ctx.options.match_threshold &&
          explained_share(view.entry(), pose.placement, ctx.dense(si), pose.tolerance * r, 2 * view.spacing * pose.scale,
                          p.piece) < p.coarse.min_explained)
        continue;
      ctx.placements.push_back(
          {.signature = view.owner, .shape = si, .aligned = &view.entry(), .method = Method::coarse, .pose = pose});
    }
  }
}

}  // namespace meshsentry
