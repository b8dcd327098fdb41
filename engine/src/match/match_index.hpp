// SPDX-License-Identifier: MIT
// What the matcher keeps per signature set, built once when an Engine is
// made: the parameters, every signature's point-pair model and every
// signature's coarse views as entries of their own. What needs a
// signature's point samples (its model, its views' samples, a format-6
// set's decoding) is made the first time a scan asks for that signature
// (entry(), view(), model()), so opening a large set reads only what the
// stage-1 searches need.
#pragma once

#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "match/descriptor_index.hpp"
#include "match/params.hpp"
#include "match/ppf_search.hpp"
#include "meshsentry/signatures.hpp"

namespace meshsentry {

// One coarse view of a signature, as an entry of its own (the signature's
// id and all, the view's shape). Until a scan first needs its signature
// (MatchIndex::view) it is only a pointer to the view in the set: a large
// set has ~70 views an entry, and most are never verified against.
struct IndexedView {
  const CoarseView* view = nullptr;  // in the set (its sample moved to `entry` on first use)
  std::size_t owner = 0;             // the signature it belongs to
  double spacing = 0;                // gap between neighbouring points of the view's sample (on first use)
  std::unique_ptr<SignatureEntry> made;

  const ShapeDescriptor& descriptor() const { return view->descriptor; }
  const SignatureEntry& entry() const { return *made; }  // after MatchIndex::view
};

struct MatchIndex {
  MatchParams params;
  std::vector<IndexedView> views;
  // Stage 1's nearest-neighbour search over the signatures' descriptors
  // (null for an empty set).
  std::unique_ptr<DescriptorIndex> signature_search;
  // The same over the views' descriptors (null for a set without views),
  // built the first time a scan asks: ~70 views an entry make it most of
  // what opening a large set would cost, and a scan that verifies no coarse
  // copy never needs it.
  const DescriptorIndex* view_search() const {
    std::call_once(view_search_built_, [&] { build_view_search(); });
    return view_search_.get();
  }

  // Signature i with its point samples decoded (a format-6 set's are decoded
  // on first use; one that fails its checksum is left without samples, so
  // it never verifies, and sample_error(i) says why).
  const SignatureEntry& entry(std::size_t i) const {
    ready(i);
    return entries_[i];
  }
  // View k, its sample there.
  const IndexedView& view(std::size_t k) const {
    ready(views[k].owner);
    return views[k];
  }
  // Why signature i's samples could not be decoded; ok when they were (or
  // when it was not asked for yet).
  Status sample_error(std::size_t i) const;

  // Signatures whose reference has this geometry hash, in set order.
  std::span<const std::size_t> with_hash(const GeometryHash& h) const;

  static std::shared_ptr<const MatchIndex> build(const SignatureSet& set, const MatchParams& params = {});
  // The same, moving the coarse views' point samples out of `set` (left
  // empty there) rather than copying them, on first use: what an Engine
  // does, since only the index reads them.
  static std::shared_ptr<const MatchIndex> build_taking_view_samples(SignatureSet& set, const MatchParams& params = {});

  // Signature i's point-pair model; its pair table, most of the cost, is
  // made the first time a scan votes for it (thread-safe, and the same table
  // whenever it is made), so opening a large set stays fast and clean files
  // never pay for tables they do not need.
  const PpfModel& model(std::size_t i) const {
    ready(i);
    return models_[i];
  }
  // Its diameter and point spacing: read from the set when it stores them
  // (format 4 on, the same doubles), so the stages that screen every
  // signature by size never decode one they do not vote with.
  double diameter(std::size_t i) const { return stored(i) ? entries_[i].extent.diameter : model(i).diameter; }
  double spacing(std::size_t i) const { return stored(i) ? entries_[i].extent.spacing : model(i).spacing; }
  const PpfModel& voting(std::size_t i) const {
    ready(i);
    std::call_once(built_[i], [&] { build_ppf_table(models_[i]); });
    return models_[i];
  }

 private:
  static std::shared_ptr<const MatchIndex> make(const SignatureSet& set, const MatchParams& params, SignatureSet* take);
  // Signature i's samples decoded, its model's points and its views' samples
  // made (once, thread-safe).
  void ready(std::size_t i) const {
    std::call_once(ready_[i], [&] { prepare(i); });
  }
  void prepare(std::size_t i) const;
  bool stored(std::size_t i) const { return entries_[i].extent.model_points == params.ppf.model_points; }
  void build_view_search() const;
  DescriptorParams bins_;
  mutable std::unique_ptr<DescriptorIndex> view_search_;
  mutable std::once_flag view_search_built_;
  // The set's entries and lazy state: both stay put when the set object moves.
  const SignatureEntry* entries_ = nullptr;
  SignatureEntry* take_ = nullptr;  // the same entries, when their views' samples are moved, not copied
  LazySamples::State* lazy_ = nullptr;
  std::vector<std::size_t> first_view_;  // per signature, its first view in `views`
  std::unique_ptr<std::once_flag[]> ready_;
  std::unique_ptr<Status[]> errors_;
  mutable std::vector<PpfModel> models_;
  std::vector<std::pair<GeometryHash, std::size_t>> by_hash_;  // sorted by hash, then signature
  std::vector<std::size_t> hash_order_;                        // by_hash_'s signatures
  std::unique_ptr<std::once_flag[]> built_;
};

}  // namespace meshsentry
