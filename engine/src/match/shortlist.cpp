// SPDX-License-Identifier: MIT
// Stage 1: an exact copy (same geometry hash) is placed at once; every other
// signature that could be within the widest gate a later stage reads
// (GateParams, FusedParams::gate) is found by the descriptor index and its
// distance measured. With IndexParams::exhaustive, or a shape whose
// descriptor the index cannot take, every signature is measured, as before
// the index; the stages read the same distances either way.
#include <algorithm>

#include "match/descriptor_distance.hpp"
#include "match/stages.hpp"

namespace meshsentry {
namespace {

void measure_all(MatchContext& ctx, Shape& s) {
  for (std::size_t i = 0; i < ctx.set.entries.size(); ++i)
    if (!(s.hash == ctx.set.entries[i].hash))
      s.distance[i] = descriptor_distance(s.descriptor, ctx.set.entries[i].descriptor, ctx.params.distance).total;
  s.certain = kUnmeasured;
}

}  // namespace

double shortlist_reach(const MatchParams& p) { return std::max({p.gates.verify, p.gates.coarse_verify, p.fused.gate}); }

bool indexed(const MatchContext& ctx, const Shape& s) {
  const DescriptorIndex* search = ctx.index.signature_search.get();
  return !ctx.params.index.exhaustive && search && search->accepts(s.descriptor);
}

void sort_near(Shape& s) {
  s.near.clear();
  for (std::size_t i = 0; i < s.distance.size(); ++i)
    if (s.distance[i] != kUnmeasured) s.near.push_back(i);
  std::sort(s.near.begin(), s.near.end(), [&](std::size_t a, std::size_t b) {
    return s.distance[a] != s.distance[b] ? s.distance[a] < s.distance[b] : a < b;
  });
}

void shortlist(MatchContext& ctx) {
  const std::size_t n = ctx.set.entries.size();
  std::vector<bool> exact(n, false);
  for (std::size_t si = 0; si < ctx.shapes.size(); ++si) {
    Shape& s = ctx.shapes[si];
    s.distance.assign(n, kUnmeasured);
    // Exact copies in set order (the order the placements were always made in).
    for (std::size_t i : ctx.index.with_hash(s.hash)) {
      s.distance[i] = 0;
      if (!exact[i])
        ctx.placements.push_back(
            {.signature = i, .shape = si, .aligned = &ctx.index.entry(i), .method = Method::exact, .pose = {}});
      exact[i] = true;
    }
    if (!indexed(ctx, s)) {
      measure_all(ctx, s);
    } else {
      s.certain = shortlist_reach(ctx.params);
      for (const auto& [d, i] : ctx.index.signature_search->within(s.descriptor, s.certain))
        if (s.distance[i] == kUnmeasured) s.distance[i] = d;
    }
    sort_near(s);
  }
}

}  // namespace meshsentry
