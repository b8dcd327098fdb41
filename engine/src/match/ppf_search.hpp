// SPDX-License-Identifier: MIT
// Pose hypotheses for a signature inside a scanned shape that holds only a
// piece of it, or the whole of it fused with other material: point-pair
// features voting for poses (Drost, Ulrich, Navab & Ilic, "Model globally,
// match locally", CVPR 2010). Principal axes cannot give these poses, since
// the piece's or the fused shape's axes are not the part's.
//
// Scale is fixed at 1 (signature units): a piece to be glued back, or a part
// to be cut out of dummy material, only works when printed at its true size.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "common/geometry.hpp"
#include "match/params.hpp"
#include "meshsentry/describe.hpp"
#include "meshsentry/signatures.hpp"

namespace meshsentry {

struct PpfModel {
  PpfParams params;                   // the quantisation the table was built with
  std::vector<Vec3> points, normals;  // the signature's sample
  Vec3 centroid = Vec3::Zero();
  double diameter = 0;  // largest pair distance
  double distance_step = 0;
  double spacing = 0;  // typical gap between neighbouring model points
  // Largest share of the points on one flat face (made with the pair
  // table): the support a pose earns by merely laying that face on any
  // plane, which a raft or a box offers to every flat part.
  double plane_share = 0;
  // Quantized feature -> (reference point, alpha) of every model pair, flat:
  // the entries of key k are entries[first[k] .. first[k + 1]). One lookup
  // is two loads, where a hash map's was a division and a pointer chase
  // (and the flat table is smaller).
  struct Entry {
    std::uint16_t reference;
    std::uint8_t alpha;  // bin of the rotation about the reference normal
  };
  std::vector<std::uint32_t> first;
  std::vector<Entry> entries;
};
PpfModel build_ppf_model(const SignatureEntry& sig, const PpfParams& params);
// The same in two steps: the points, centroid, diameter and spacing (cheap,
// O(n^2) distances), then the pair table (the costly part; ppf_search needs it).
PpfModel ppf_model_points(const SignatureEntry& sig, const PpfParams& params);
void build_ppf_table(PpfModel& model);

struct PoseHypothesis {
  Similarity pose;  // signature -> scanned coordinates (a rotation and a shift)
  double votes = 0;
  double support = 0;  // share of model points near the scene in this pose
  // The support beyond the model's flat-face share, as a share of the rest:
  // what ranks poses of different models in the same scene.
  double excess(const PpfModel& m) const {
    return m.plane_share < 1 ? (support - m.plane_share) / (1 - m.plane_share) : 0;
  }
};

// A scanned shape's oriented sample with its search tree, built once and
// searched for every signature.
struct PpfScene {
  // With `salient_references`, votes start from points off flat regions
  // first: in a shape much larger than the part (a raft, a box it sits in)
  // most points lie on the extra material's flat faces, which cannot place
  // the part, and evenly strided references would seldom land on it.
  explicit PpfScene(SurfaceSample sample, bool salient_references = false);
  ~PpfScene();
  PpfScene(const PpfScene&) = delete;
  PpfScene& operator=(const PpfScene&) = delete;
  SurfaceSample sample;
  std::vector<std::uint32_t> references;  // where votes start, in order of preference (empty: evenly strided)
  std::size_t salient = 0;                // how many of them are off flat regions
  struct Index;
  std::unique_ptr<Index> index;
};

// The best-voted poses of `model` in `scene` (at about the model's sample
// density), voting from at most `max_references` scene points, clustered;
// at most `count`, most votes first, each with its support. With
// `max_key_pairs`, features that more model pairs share cast no votes.
std::vector<PoseHypothesis> ppf_search(const PpfModel& model, const PpfScene& scene, std::size_t count,
                                       std::size_t max_references = 60, std::uint32_t max_key_pairs = 0);

}  // namespace meshsentry
