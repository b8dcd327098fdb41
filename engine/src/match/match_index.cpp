// SPDX-License-Identifier: MIT
#include "match/match_index.hpp"

#include <algorithm>
#include <tuple>

#include "common/parallel.hpp"
#include "signatures/sample_extent.hpp"

namespace meshsentry {

static_assert(PpfParams{}.model_points == kModelPoints, "sets store their sample extents for the default model size");

std::shared_ptr<const MatchIndex> MatchIndex::build(const SignatureSet& set, const MatchParams& params) {
  return make(set, params, nullptr);
}

std::shared_ptr<const MatchIndex> MatchIndex::build_taking_view_samples(SignatureSet& set, const MatchParams& params) {
  return make(set, params, &set);
}

std::shared_ptr<const MatchIndex> MatchIndex::make(const SignatureSet& set, const MatchParams& params,
                                                   SignatureSet* take) {
  auto index = std::make_shared<MatchIndex>();
  index->params = params;
  index->models_.resize(set.entries.size());
  index->built_ = std::make_unique<std::once_flag[]>(set.entries.size());
  parallel_for(set.entries.size(), 0,
               [&](std::size_t i) { index->models_[i] = ppf_model_points(set.entries[i], params.ppf); });
  std::size_t view_count = 0;
  for (const SignatureEntry& e : set.entries) view_count += e.views.size();
  index->views.reserve(view_count);
  for (std::size_t i = 0; i < set.entries.size(); ++i)
    for (std::size_t k = 0; k < set.entries[i].views.size(); ++k) {
      const SignatureEntry& e = set.entries[i];
      const CoarseView& v = e.views[k];
      // A view has no geometry hash of its own (a clustered copy is never
      // exact) and no views. Its sample is moved when the caller gives the
      // set up for it (an Engine: ~70 views of 256 points an entry).
      SurfaceSample sample = take ? std::move(take->entries[i].views[k].sample) : v.sample;
      SignatureEntry view{.id = e.id, .label = e.label, .cls = e.cls, .severity = e.severity, .hash = {},
                          .descriptor = v.descriptor, .triangles = v.triangles, .bodies = e.bodies,
                          .centroid = v.centroid, .axes = v.axes, .vertex_spacing = v.vertex_spacing,
                          .sample = std::move(sample), .views = {}, .extent = v.extent};
      index->views.push_back({.entry = std::move(view), .owner = i});
    }
  // Stored in format-4 sets; measured (O(n^2) each) for older ones.
  const auto model_points = static_cast<std::uint32_t>(params.ppf.model_points);
  parallel_for(index->views.size(), 0, [&](std::size_t k) {
    const SignatureEntry& v = index->views[k].entry;
    index->views[k].spacing = sample_extent(v.sample, v.extent, model_points).spacing;
  });
  if (!set.entries.empty()) {
    std::vector<const ShapeDescriptor*> d;
    for (const SignatureEntry& e : set.entries) d.push_back(&e.descriptor);
    index->signature_search =
        std::make_unique<DescriptorIndex>(std::move(d), set.params, params.distance, params.index);
  }
  if (!index->views.empty()) {
    std::vector<const ShapeDescriptor*> d;
    for (const IndexedView& v : index->views) d.push_back(&v.entry.descriptor);
    index->view_search = std::make_unique<DescriptorIndex>(std::move(d), set.params, params.distance, params.index);
  }
  for (std::size_t i = 0; i < set.entries.size(); ++i) index->by_hash_.push_back({set.entries[i].hash, i});
  auto key = [](const std::pair<GeometryHash, std::size_t>& p) { return std::tie(p.first.hi, p.first.lo, p.second); };
  std::sort(index->by_hash_.begin(), index->by_hash_.end(),
            [&](const auto& a, const auto& b) { return key(a) < key(b); });
  for (const auto& [h, i] : index->by_hash_) index->hash_order_.push_back(i);
  return index;
}

std::span<const std::size_t> MatchIndex::with_hash(const GeometryHash& h) const {
  auto less = [](const std::pair<GeometryHash, std::size_t>& p, const GeometryHash& q) {
    return std::tie(p.first.hi, p.first.lo) < std::tie(q.hi, q.lo);
  };
  const auto lo = std::lower_bound(by_hash_.begin(), by_hash_.end(), h, less);
  auto hi = lo;
  while (hi != by_hash_.end() && hi->first == h) ++hi;
  const std::size_t a = static_cast<std::size_t>(lo - by_hash_.begin()),
                    b = static_cast<std::size_t>(hi - by_hash_.begin());
  return std::span<const std::size_t>(hash_order_).subspan(a, b - a);
}

}  // namespace meshsentry
