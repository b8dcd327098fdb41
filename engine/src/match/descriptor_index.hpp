// SPDX-License-Identifier: MIT
// Nearest-neighbour search over global descriptors, so stage 1 compares a
// shape with the few signatures (or coarse views) near it instead of all of
// them. The descriptor distance (descriptor_distance.cpp) is an L1 distance
// between weighted cumulative histograms plus weighted scalars; sums of the
// cumulative histograms over blocks of bins, and the scalars, form a short
// vector whose L1 distance never exceeds it (|sum(a - b)| <= sum|a - b|).
// A k-d tree over those vectors finds every descriptor that could be within
// a radius; the exact distance then decides, so nothing within the radius
// is ever missed (recall 1 by construction, bench/shortlist_recall checks it).
#pragma once

#include <cstddef>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

#include "match/params.hpp"
#include "meshsentry/describe.hpp"

namespace meshsentry {

class DescriptorIndex {
 public:
  // Over descriptors[i] (kept by pointer: they must outlive the index, unmoved).
  DescriptorIndex(std::vector<const ShapeDescriptor*> descriptors, const DescriptorParams& bins,
                  const DistanceParams& weights, const IndexParams& params);
  ~DescriptorIndex();
  DescriptorIndex(const DescriptorIndex&) = delete;
  DescriptorIndex& operator=(const DescriptorIndex&) = delete;

  std::size_t size() const { return items_.size(); }
  // Whether `q` has the bins the index was made for (else: compare exhaustively).
  bool accepts(const ShapeDescriptor& q) const;
  // (exact distance, item) of every item within `radius` of q, in no order.
  std::vector<std::pair<double, std::size_t>> within(const ShapeDescriptor& q, double radius) const;
  // The `k` nearest items within `reach`, exactly: (exact distance, item),
  // closest first (ties by item), every item as close as the k-th included.
  // The second member is a distance such that every item at or under it is
  // in the list (the k-th distance, or `reach` when fewer are that close).
  std::pair<std::vector<std::pair<double, std::size_t>>, double> nearest(
      const ShapeDescriptor& q, std::size_t k, double reach = std::numeric_limits<double>::infinity()) const;

 private:
  std::vector<double> embed(const ShapeDescriptor& d) const;
  double exact(const ShapeDescriptor& q, std::size_t item) const;

  struct Tree;
  std::vector<const ShapeDescriptor*> items_;
  DescriptorParams bins_;
  DistanceParams weights_;
  IndexParams params_;
  std::size_t dims_ = 0;
  std::vector<double> points_;  // items_.size() x dims_
  std::unique_ptr<Tree> tree_;
};

}  // namespace meshsentry
