// SPDX-License-Identifier: MIT
// What the matcher keeps per signature set, built once when an Engine is
// made: the parameters, every signature's point-pair model (the pair tables
// on first use) and every signature's coarse views as entries of their own.
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
// id and all, the view's shape).
struct IndexedView {
  SignatureEntry entry;
  std::size_t owner = 0;  // the signature it belongs to
  double spacing = 0;     // gap between neighbouring points of the view's sample
};

struct MatchIndex {
  MatchParams params;
  std::vector<IndexedView> views;
  // Stage 1's nearest-neighbour searches, over the signatures' descriptors
  // and over the views' (null for an empty set or a set without views).
  std::unique_ptr<DescriptorIndex> signature_search, view_search;

  // Signatures whose reference has this geometry hash, in set order.
  std::span<const std::size_t> with_hash(const GeometryHash& h) const;

  static std::shared_ptr<const MatchIndex> build(const SignatureSet& set, const MatchParams& params = {});
  // The same, moving the coarse views' point samples out of `set` (left
  // empty there) rather than copying them: what an Engine does, since only
  // the index reads them.
  static std::shared_ptr<const MatchIndex> build_taking_view_samples(SignatureSet& set, const MatchParams& params = {});

  // Signature i's point-pair model; its pair table, most of the cost, is
  // made the first time a scan votes for it (thread-safe, and the same table
  // whenever it is made), so opening a large set stays fast and clean files
  // never pay for tables they do not need.
  const PpfModel& model(std::size_t i) const { return models_[i]; }
  const PpfModel& voting(std::size_t i) const {
    std::call_once(built_[i], [&] { build_ppf_table(models_[i]); });
    return models_[i];
  }

 private:
  static std::shared_ptr<const MatchIndex> make(const SignatureSet& set, const MatchParams& params, SignatureSet* take);
  mutable std::vector<PpfModel> models_;
  std::vector<std::pair<GeometryHash, std::size_t>> by_hash_;  // sorted by hash, then signature
  std::vector<std::size_t> hash_order_;                        // by_hash_'s signatures
  std::unique_ptr<std::once_flag[]> built_;
};

}  // namespace meshsentry
