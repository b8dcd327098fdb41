// SPDX-License-Identifier: MIT
// Cost: two or three point-to-plane ICP runs of 512 points and one or two
// share measurements over about 2048 scanned points.
#include "match/verify_partial.hpp"

#include <algorithm>
#include <vector>

#include "match/fit_measures.hpp"
#include "match/icp.hpp"

namespace meshsentry {
namespace {

// Share of the placed signature's points on the inner side of every cut
// plane, farther than `margin` from each, that were found: the part of the
// signature the piece claims to hold (cut edges aside), which a true piece
// holds whole.
double kept_found(const Similarity& pose, const std::vector<Vec3>& src, const std::vector<bool>& found,
                  const std::vector<CutPlane>& planes, double margin) {
  if (planes.empty() || found.size() != src.size()) return 0;
  std::size_t kept = 0, hit = 0;
  for (std::size_t k = 0; k < src.size(); ++k) {
    const Vec3 x = pose.linear * src[k] + pose.shift;
    bool inner = true;
    for (const CutPlane& c : planes) inner = inner && (x - c.point).dot(c.normal) < -margin;
    kept += inner;
    hit += inner && found[k];
  }
  return kept ? double(hit) / double(kept) : 0;
}

}  // namespace

PoseEstimate verify_partial(const SignatureEntry& sig, const Mesh& mesh, const DenseSample& dense_sample,
                            const Similarity& start, double sig_spacing, const MatchParams& params, bool piece_gate) {
  PoseEstimate out;
  const double r = sig.descriptor.rms_radius;  // scale 1: the signature's own size sets the tolerances
  const double loose_fraction = params.verify.loose_tolerance;
  const SurfaceSample& dense = dense_sample.sample;
  const PointTree& dense_tree = dense_sample.index.tree;
  if (dense.points.size() < 8 || sig.sample.points.size() < 8 || !(r > 0)) return out;
  const Vec3 cs = to_vec3(sig.centroid);
  std::vector<Vec3> src, src_normals, fine, fine_normals;
  for (const Vec3f& p : sig.sample.points) src.push_back(Vec3(p[0], p[1], p[2]) - cs);
  for (const Vec3f& n : sig.sample.normals) src_normals.push_back(Vec3(n[0], n[1], n[2]).normalized());
  const std::size_t fstride = std::max<std::size_t>(1, src.size() / 512);
  for (std::size_t i = 0; i < src.size(); i += fstride) {
    fine.push_back(src[i]);
    fine_normals.push_back(src_normals[i]);
  }
  // The start for points taken relative to the signature's centroid.
  Similarity pose{start.linear, start.linear * cs + start.shift};
  const PieceParams& piece = params.piece;
  if (piece_gate) {
    // Most look-alike poses of a piece are plainly wrong after a rough
    // pass (a quarter of the points) and measured on a quarter of the
    // shape's: they leave much of the shape unexplained or outside the
    // signature. Those are not finished; the others are, from the start.
    Similarity rough = pose;
    std::vector<Vec3> few;
    for (std::size_t i = 0; i < fine.size(); i += 4) few.push_back(fine[i]);
    refine_point_to_plane(rough, few, dense, dense_tree, params.icp.reach * r, params.icp);
    const Shares quick = surface_shares(PlacedSignature(rough, src, sig.sample.normals), dense, loose_fraction * r,
                                        sig_spacing, piece.share_queries / 4, false, piece);
    if (quick.explained < piece.quick_explained || quick.outside > piece.quick_outside) {
      out.explained = quick.explained;
      out.outside = quick.outside;
      out.placement = rough.after_shift_by(cs);
      return out;
    }
  }
  // Only pairs near the surface pull: the rest of the part is missing (a
  // piece) or the surface belongs to other material (dummy).
  // A fused part pairs only with surface facing its own way (the material it
  // is fused to buries some of its faces under faces facing the other way).
  const std::vector<Vec3>* normals = piece_gate ? nullptr : &fine_normals;
  refine_point_to_plane(pose, fine, dense, dense_tree, params.icp.reach * r, params.icp, normals);
  refine_point_to_plane(pose, fine, dense, dense_tree, params.icp.partial_reach * r, params.icp, normals);
  std::vector<bool> found;
  measure_fit(pose, src, mesh, dense, dense_tree, r, loose_fraction, params.verify, out, false, &src_normals, &found);

  const Shares shares = surface_shares(PlacedSignature(pose, src, sig.sample.normals), dense, loose_fraction * r,
                                       sig_spacing, piece.share_queries, true, piece);
  out.explained = shares.explained;
  out.outside = shares.outside;
  out.oblique_cut = shares.oblique_cut;
  out.natural_cut = shares.natural_cut;
  out.kept_found = kept_found(pose, src, found, shares.planes, piece.kept_margin * loose_fraction * r);
  out.placement = pose.after_shift_by(cs);
  out.scale = 1;
  out.mirrored = pose.mirrored();
  return out;
}

}  // namespace meshsentry
