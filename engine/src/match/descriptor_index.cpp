// SPDX-License-Identifier: MIT
#include "match/descriptor_index.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <nanoflann.hpp>

#include "match/descriptor_distance.hpp"

namespace meshsentry {

struct DescriptorCloud {
  const std::vector<double>* points;
  std::size_t dims;
  std::size_t kdtree_get_point_count() const { return points->size() / dims; }
  double kdtree_get_pt(std::size_t i, std::size_t d) const { return (*points)[i * dims + d]; }
  template <class B>
  bool kdtree_get_bbox(B&) const {
    return false;
  }
};

struct DescriptorIndex::Tree {
  using Kd = nanoflann::KDTreeSingleIndexAdaptor<nanoflann::L1_Adaptor<double, DescriptorCloud>, DescriptorCloud, -1>;
  DescriptorCloud cloud;
  Kd kd;
  Tree(const std::vector<double>& points, std::size_t dims, std::size_t leaf)
      : cloud{&points, dims}, kd(static_cast<int>(dims), cloud, nanoflann::KDTreeSingleIndexAdaptorParams(leaf)) {
    kd.buildIndex();
  }
};

namespace {

// Appends the block sums of h's cumulative histogram, each weighted by
// weight / bins as the distance weighs a bin's difference. The running sum
// is made as emd() makes it.
void block_sums(const std::vector<float>& h, std::size_t blocks, double weight, std::vector<double>& out) {
  const std::size_t n = h.size();
  double c = 0;
  std::size_t i = 0;
  for (std::size_t b = 0; b < blocks; ++b) {
    const std::size_t end = (b + 1) * n / blocks;
    double sum = 0;
    for (; i < end; ++i) sum += (c += h[i]);
    out.push_back(n ? weight * sum / double(n) : 0.0);
  }
}

}  // namespace

DescriptorIndex::DescriptorIndex(std::vector<const ShapeDescriptor*> descriptors, const DescriptorParams& bins,
                                 const DistanceParams& weights, const IndexParams& params)
    : items_(std::move(descriptors)), bins_(bins), weights_(weights), params_(params) {
  dims_ = params.d2_blocks + params.d1_blocks + params.a3_blocks + 3;
  points_.reserve(items_.size() * dims_);
  for (const ShapeDescriptor* d : items_) {
    const std::vector<double> e = embed(*d);
    points_.insert(points_.end(), e.begin(), e.end());
  }
  if (!items_.empty()) tree_ = std::make_unique<Tree>(points_, dims_, params.leaf_size);
}

DescriptorIndex::~DescriptorIndex() = default;

bool DescriptorIndex::accepts(const ShapeDescriptor& q) const {
  return q.d2.size() == bins_.d2_bins && q.d1.size() == bins_.d1_bins && q.a3.size() == bins_.a3_bins &&
         q.d2.size() >= params_.d2_blocks && q.d1.size() >= params_.d1_blocks && q.a3.size() >= params_.a3_blocks;
}

std::vector<double> DescriptorIndex::embed(const ShapeDescriptor& d) const {
  std::vector<double> e;
  e.reserve(dims_);
  block_sums(d.d2, params_.d2_blocks, weights_.d2, e);
  block_sums(d.d1, params_.d1_blocks, weights_.d1, e);
  block_sums(d.a3, params_.a3_blocks, weights_.a3, e);
  e.push_back(weights_.moments * d.moment_ratios[0]);
  e.push_back(weights_.moments * d.moment_ratios[1]);
  e.push_back(weights_.compactness * d.compactness);
  return e;
}

double DescriptorIndex::exact(const ShapeDescriptor& q, std::size_t item) const {
  return descriptor_distance(q, *items_[item], weights_).total;
}

std::vector<std::pair<double, std::size_t>> DescriptorIndex::within(const ShapeDescriptor& q, double radius) const {
  std::vector<std::pair<double, std::size_t>> out;
  if (!tree_) return out;
  const std::vector<double> e = embed(q);
  // The bound and the distance are summed in other orders: a margin keeps a
  // rounding of either from dropping an item at the radius.
  const double reach = radius * (1 + params_.margin) + params_.margin;
  std::vector<std::pair<std::uint32_t, double>> found;
  nanoflann::SearchParams sp(32, 0, false);
  tree_->kd.radiusSearch(e.data(), reach, found, sp);
  for (const auto& [item, bound] : found)
    if (const double d = exact(q, item); d <= radius) out.push_back({d, item});
  return out;
}

std::pair<std::vector<std::pair<double, std::size_t>>, double> DescriptorIndex::nearest(const ShapeDescriptor& q,
                                                                                        std::size_t k,
                                                                                        double reach) const {
  std::vector<std::pair<double, std::size_t>> out;
  k = std::min(k, items_.size());
  if (k == 0) return {out, 0.0};
  // The k nearest by bound, measured exactly, put an upper limit on the
  // k-th distance; everything whose bound is under that limit may be closer.
  const std::vector<double> e = embed(q);
  std::vector<std::uint32_t> idx(k);
  std::vector<double> dist(k);
  const std::size_t got = tree_->kd.knnSearch(e.data(), k, idx.data(), dist.data());
  double limit = 0;
  for (std::size_t j = 0; j < got; ++j) limit = std::max(limit, exact(q, idx[j]));
  limit = std::min(limit, reach);
  out = within(q, limit);
  std::sort(out.begin(), out.end());
  // Every item at or under the k-th distance is kept (ties included).
  const double kth = out.size() >= k ? out[k - 1].first : limit;
  while (out.size() > k && out.back().first > kth) out.pop_back();
  return {out, kth};
}

}  // namespace meshsentry
