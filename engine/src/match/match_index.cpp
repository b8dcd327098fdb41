// SPDX-License-Identifier: MIT
#include "match/match_index.hpp"

#include <algorithm>
#include <tuple>

#include "common/parallel.hpp"
#include "signatures/msig_blob.hpp"
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
  index->entries_ = set.entries.data();
  index->take_ = take ? take->entries.data() : nullptr;
  index->lazy_ = set.lazy.state();
  index->models_.resize(set.entries.size());
  index->built_ = std::make_unique<std::once_flag[]>(set.entries.size());
  index->ready_ = std::make_unique<std::once_flag[]>(set.entries.size());
  index->errors_ = std::make_unique<Status[]>(set.entries.size());
  std::size_t view_count = 0;
  for (const SignatureEntry& e : set.entries) view_count += e.views.size();
  index->views.reserve(view_count);
  for (std::size_t i = 0; i < set.entries.size(); ++i) {
    index->first_view_.push_back(index->views.size());
    for (const CoarseView& v : set.entries[i].views) index->views.push_back({.view = &v, .owner = i, .spacing = 0, .made = nullptr});
  }
  index->bins_ = set.params;
  for (std::size_t i = 0; i < set.entries.size(); ++i) index->by_hash_.push_back({set.entries[i].hash, i});
  auto key = [](const std::pair<GeometryHash, std::size_t>& p) { return std::tie(p.first.hi, p.first.lo, p.second); };
  std::sort(index->by_hash_.begin(), index->by_hash_.end(),
            [&](const auto& a, const auto& b) { return key(a) < key(b); });
  for (const auto& [h, i] : index->by_hash_) index->hash_order_.push_back(i);
  return index;
}

void MatchIndex::prepare(std::size_t i) const {
  errors_[i] = decode_lazy(lazy_, entries_[i], i);
  const SignatureEntry& e = entries_[i];
  models_[i] = ppf_model_points(e, params.ppf);
  // The views' samples: moved when the caller gave the set up for it (an
  // Engine: ~70 views of 256 points an entry), else copied. Their spacing is
  // stored in format-4 sets, measured (O(n^2) each) for older ones.
  const auto model_points = static_cast<std::uint32_t>(params.ppf.model_points);
  for (std::size_t k = 0; k < e.views.size(); ++k) {
    IndexedView& view = const_cast<IndexedView&>(views[first_view_[i] + k]);
    const CoarseView& v = e.views[k];
    // A view has no geometry hash of its own (a clustered copy is never
    // exact) and no views.
    view.made = std::make_unique<SignatureEntry>(SignatureEntry{
        .id = e.id, .label = e.label, .cls = e.cls, .severity = e.severity, .hash = {}, .descriptor = v.descriptor,
        .triangles = v.triangles, .bodies = e.bodies, .centroid = v.centroid, .axes = v.axes,
        .vertex_spacing = v.vertex_spacing, .sample = take_ ? std::move(take_[i].views[k].sample) : v.sample,
        .views = {}, .extent = v.extent});
    view.spacing = sample_extent(view.made->sample, view.made->extent, model_points).spacing;
  }
}

void MatchIndex::build_view_search() const {
  if (views.empty()) return;
  std::vector<const ShapeDescriptor*> d;
  for (const IndexedView& v : views) d.push_back(&v.descriptor());
  view_search_ = std::make_unique<DescriptorIndex>(std::move(d), bins_, params.distance, params.index);
}

Status MatchIndex::sample_error(std::size_t i) const { return errors_[i]; }

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
