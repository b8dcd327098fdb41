// SPDX-License-Identifier: MIT
#include "match/match_index.hpp"

#include "common/parallel.hpp"

namespace meshsentry {

std::shared_ptr<const MatchIndex> MatchIndex::build(const SignatureSet& set, const MatchParams& params) {
  auto index = std::make_shared<MatchIndex>();
  index->params = params;
  index->models_.resize(set.entries.size());
  index->built_ = std::make_unique<std::once_flag[]>(set.entries.size());
  parallel_for(set.entries.size(), 0,
               [&](std::size_t i) { index->models_[i] = ppf_model_points(set.entries[i], params.ppf); });
  for (std::size_t i = 0; i < set.entries.size(); ++i)
    for (const CoarseView& v : set.entries[i].views) {
      const SignatureEntry& e = set.entries[i];
      // A view has no geometry hash of its own (a clustered copy is never exact) and no views.
      SignatureEntry view{.id = e.id, .label = e.label, .cls = e.cls, .severity = e.severity, .hash = {},
                          .descriptor = v.descriptor, .triangles = v.triangles, .bodies = e.bodies,
                          .centroid = v.centroid, .axes = v.axes, .vertex_spacing = v.vertex_spacing,
                          .sample = v.sample, .views = {}};
      index->views.push_back({.entry = std::move(view), .owner = i});
    }
  parallel_for(index->views.size(), 0, [&](std::size_t k) {
    index->views[k].spacing = ppf_model_points(index->views[k].entry, params.ppf).spacing;
  });
  return index;
}

}  // namespace meshsentry
