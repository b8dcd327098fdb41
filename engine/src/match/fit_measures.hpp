// SPDX-License-Identifier: MIT
// How well a placed signature fits a scanned shape: residuals against the
// shape's triangles (coverage, fit), and the shares of the scanned surface
// that the signature explains, that lie outside its solid, or on cut planes
// through its material.
#pragma once

#include <vector>

#include "match/icp.hpp"
#include "match/params.hpp"
#include "match/pose.hpp"
#include "meshsentry/signatures.hpp"

namespace meshsentry {

// Residual of each signature point: its distance to the scanned surface,
// taken exactly against the triangles under its 8 nearest dense samples, and
// capped at 2 tolerances so one far point cannot dominate the RMS. Sets
// coverage, coverage_loose, fit and tolerance of `out`. With `noisy` (a
// perturbed surface), the tolerance widens with the median residual (noise
// moves the whole surface a little; a look-alike differs in places and
// matches exactly elsewhere, so its median stays small). With `src_normals`
// (the signature's normals), `buried` is measured too (see PoseEstimate).
// With `found`, each signature point's flag: within the tolerance of coverage_loose.
void measure_fit(const Similarity& pose, const std::vector<Vec3>& src, const Mesh& mesh, const SurfaceSample& dst,
                 const PointTree& tree, double radius, double loose_fraction, const VerifyParams& p, PoseEstimate& out,
                 bool noisy = false, const std::vector<Vec3>* src_normals = nullptr,
                 std::vector<bool>* found = nullptr);

// The signature's points and normals laid onto the scan by a pose, with a
// k-d tree over the points (which must therefore stay where they are).
struct PlacedSignature {
  PlacedSignature(const Similarity& pose, const std::vector<Vec3>& src, const std::vector<Vec3f>& src_normals);
  PlacedSignature(const PlacedSignature&) = delete;
  PlacedSignature& operator=(const PlacedSignature&) = delete;
  // How far x lies out along point k's normal (negative: in).
  double along(unsigned k, const Vec3& x) const { return (x - point(k)).dot(normals[k]); }
  // Whether x lies within `tol` of point k's tangent plane, at most `lateral` from k along it.
  bool on_plane(unsigned k, const Vec3& x, double tol, double lateral) const {
    const Vec3 off = x - point(k);
    const double a = off.dot(normals[k]);
    return std::abs(a) <= tol && (off - a * normals[k]).norm() <= lateral;
  }
  Vec3 point(unsigned k) const { return Vec3(points[k][0], points[k][1], points[k][2]); }

  std::vector<Vec3f> points;
  std::vector<Vec3> normals;
  PointIndex index;
};

// Share of the scanned surface the placed signature explains: scanned points
// within `tol` of the tangent plane of a signature point at most `lateral`
// away along that plane. Also the share that lies outside the placed
// signature's solid (farther than `tol` out along the nearest point's
// normal): a cut piece or a part with holes drilled has none, since its new
// faces lie inside the reference's material; a look-alike of another design
// (a 2x2 brick laid in a 2x4) has walls where the reference is hollow. With
// `cuts`, the rest that lies inside is searched for cut planes.
struct CutPlane {
  Vec3 point, normal;  // the normal points out of the scanned piece
};
struct Shares {
  double explained = 0, outside = 1, oblique_cut = 0, natural_cut = 0;
  std::vector<CutPlane> planes;  // the cut planes found, largest first
};
Shares surface_shares(const PlacedSignature& sig, const SurfaceSample& dense, double tol, double lateral_max,
                      std::size_t queries, bool cuts, const PieceParams& p);

// Share of `dense` (a scanned shape's surface) that the signature, placed by
// `placement` (scale included), accounts for: points within `tol` of the
// tangent plane of one of their four nearest signature points, at most
// `lateral` from it along that plane.
double explained_share(const SignatureEntry& sig, const Similarity& placement, const DenseSample& dense, double tol,
                       double lateral, const PieceParams& p);

}  // namespace meshsentry
