// SPDX-License-Identifier: MIT
// Stage 1: an exact copy (same geometry hash) is placed at once; every other
// (shape, signature) pair gets a descriptor distance, which the later
// stages' gates read.
#include "match/descriptor_distance.hpp"
#include "match/stages.hpp"

namespace meshsentry {

void shortlist(MatchContext& ctx) {
  const std::size_t n = ctx.set.entries.size();
  std::vector<bool> exact(n, false);
  for (std::size_t si = 0; si < ctx.shapes.size(); ++si) {
    Shape& s = ctx.shapes[si];
    s.distance.assign(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
      const SignatureEntry& e = ctx.set.entries[i];
      if (s.hash == e.hash) {
        if (!exact[i]) ctx.placements.push_back({.signature = i, .shape = si, .aligned = &e, .method = Method::exact, .pose = {}});
        exact[i] = true;
      } else {
        s.distance[i] = descriptor_distance(s.descriptor, e.descriptor, ctx.params.distance).total;
      }
    }
  }
}

}  // namespace meshsentry
