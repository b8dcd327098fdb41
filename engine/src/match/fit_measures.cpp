// SPDX-License-Identifier: MIT
// Cost: one k-d tree query (and up to 8 point-triangle distances) per
// signature point for the fit; one query per strided scanned point for the
// shares, plus up to cut_seeds passes over the inside points per cut plane.
#include "match/fit_measures.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "match/distinctive.hpp"

namespace meshsentry {
namespace {

// Closest point on triangle abc to p (Ericson, Real-Time Collision
// Detection, 5.1.5).
Vec3 closest_on_triangle(const Vec3& p, const Vec3& a, const Vec3& b, const Vec3& c) {
  const Vec3 ab = b - a, ac = c - a, ap = p - a;
  const double d1 = ab.dot(ap), d2 = ac.dot(ap);
  if (d1 <= 0 && d2 <= 0) return a;
  const Vec3 bp = p - b;
  const double d3 = ab.dot(bp), d4 = ac.dot(bp);
  if (d3 >= 0 && d4 <= d3) return b;
  const double vc = d1 * d4 - d3 * d2;
  if (vc <= 0 && d1 >= 0 && d3 <= 0) return a + ab * (d1 / (d1 - d3));
  const Vec3 cp = p - c;
  const double d5 = ab.dot(cp), d6 = ac.dot(cp);
  if (d6 >= 0 && d5 <= d6) return c;
  const double vb = d5 * d2 - d1 * d6;
  if (vb <= 0 && d2 >= 0 && d6 <= 0) return a + ac * (d2 / (d2 - d6));
  const double va = d3 * d6 - d5 * d4;
  if (va <= 0 && (d4 - d3) >= 0 && (d5 - d6) >= 0) return b + (c - b) * ((d4 - d3) / ((d4 - d3) + (d5 - d6)));
  const double denom = 1 / (va + vb + vc);
  return a + ab * (vb * denom) + ac * (vc * denom);
}

// Each signature point's distance to the scanned triangles, capped at `cap`,
// and whether it is buried: behind the closest one (inside the scanned
// solid) under a surface that does not face its own way (`normals`, the
// signature's, placed by `pose`; none: never buried). Fused material meets
// the part from outside (a raft's top under its bottom face, a pillar's
// side across it); a surface facing the part's way within `moved_depth` is
// the part's own, moved (a look-alike with a narrower bore, an offset copy);
// deeper, it is the far side of the material (a raft's bottom).
struct Residual {
  double distance;
  bool buried;
};
std::vector<Residual> residuals(const Similarity& pose, const std::vector<Vec3>& src, const Mesh& mesh,
                                const SurfaceSample& dst, const PointTree& tree, double cap,
                                const std::vector<Vec3>* normals, double same_way_cos, double moved_depth) {
  constexpr int kK = 8;
  std::vector<Residual> out;
  out.reserve(src.size());
  for (const Vec3& s : src) {
    const Vec3 x = pose.linear * s + pose.shift;
    const float q[3] = {float(x(0)), float(x(1)), float(x(2))};
    unsigned idx[kK];
    float d2[kK];
    const std::size_t found = tree.knnSearch(q, kK, idx, d2);
    double d = found ? std::sqrt(double(d2[0])) : cap;
    Vec3 face_normal = Vec3::Zero(), closest = x;
    for (std::size_t k = 0; k < found; ++k) {
      const Tri& t = mesh.triangles[dst.faces[idx[k]]];
      auto v = [&](int c) { return Vec3(mesh.vertices[t[c]][0], mesh.vertices[t[c]][1], mesh.vertices[t[c]][2]); };
      const Vec3 c = closest_on_triangle(x, v(0), v(1), v(2));
      const double dk = (c - x).norm();
      if (dk < d || k == 0) {
        face_normal = (v(1) - v(0)).cross(v(2) - v(0));
        closest = c;
        d = std::min(d, dk);
      }
    }
    bool buried = false;
    if (normals && face_normal.squaredNorm() > 0) {
      const Vec3 own = pose.linear * (*normals)[out.size()];
      buried = (x - closest).dot(face_normal) < 0 &&
               (own.dot(face_normal) < same_way_cos * own.norm() * face_normal.norm() || d > moved_depth);
    }
    out.push_back({std::min(d, cap), buried});
  }
  return out;
}

// Whether the signature has a flat face facing along `n` (either way).
bool faces_along(const PlacedSignature& sig, const Vec3& n, const PieceParams& p) {
  const double c = std::cos(p.flat_face_angle * std::numbers::pi / 180);
  std::size_t count = 0;
  for (const Vec3& m : sig.normals) count += std::abs(m.dot(n)) >= c;
  return double(count) >= p.min_flat_face_share * double(sig.normals.size());
}

// The scanned surface inside the signature's material (a piece's cut faces)
// on at most two planes, split by whether the signature has a face of the
// same orientation. A cut of a printed part is a plane at any angle; a
// shorter member of the part's family (a 2x2 brick in a 2x4) ends on faces
// parallel to the part's own.
void cut_planes(const PlacedSignature& sig, const SurfaceSample& dense, std::vector<std::size_t> inside, double tol,
                std::size_t seen, const PieceParams& prm, Shares& out) {
  const double c = std::cos(prm.flat_face_angle * std::numbers::pi / 180);
  auto normal = [&](std::size_t i) { return Vec3(dense.normals[i][0], dense.normals[i][1], dense.normals[i][2]); };
  auto point = [&](std::size_t i) { return Vec3(dense.points[i][0], dense.points[i][1], dense.points[i][2]); };
  auto on = [&](std::size_t b, const Vec3& n, const Vec3& p) {
    return std::abs(normal(b).dot(n)) >= c && std::abs((point(b) - p).dot(n)) <= tol;
  };
  // Planes through cut_seeds of the points at most, evenly strided: a cut
  // face that matters holds many of them.
  for (int plane = 0; plane < prm.cut_planes && !inside.empty(); ++plane) {
    std::size_t best = 0, best_count = 0;
    const std::size_t step = std::max<std::size_t>(1, inside.size() / prm.cut_seeds);
    for (std::size_t a = 0; a < inside.size(); a += step) {
      const Vec3 n = normal(inside[a]), p = point(inside[a]);
      std::size_t count = 0;
      for (std::size_t b : inside) count += on(b, n, p);
      if (count > best_count) best = a, best_count = count;
    }
    const Vec3 n = normal(inside[best]), p = point(inside[best]);
    const std::size_t before = inside.size();
    std::erase_if(inside, [&](std::size_t b) { return on(b, n, p); });
    (faces_along(sig, n, prm) ? out.natural_cut : out.oblique_cut) += double(before - inside.size()) / double(seen);
    out.planes.push_back({p, n});
  }
}

std::vector<Vec3f> place(const Similarity& pose, const std::vector<Vec3>& src) {
  std::vector<Vec3f> out;
  out.reserve(src.size());
  for (const Vec3& p : src) {
    const Vec3 x = pose.linear * p + pose.shift;
    out.push_back({float(x(0)), float(x(1)), float(x(2))});
  }
  return out;
}

std::vector<Vec3> turn(const Similarity& pose, const std::vector<Vec3f>& src_normals) {
  std::vector<Vec3> out;
  out.reserve(src_normals.size());
  for (const Vec3f& n : src_normals) out.push_back((pose.linear * Vec3(n[0], n[1], n[2])).normalized());
  return out;
}

}  // namespace

void measure_fit(const Similarity& pose, const std::vector<Vec3>& src, const Mesh& mesh, const SurfaceSample& dst,
                 const PointTree& tree, double radius, double loose_fraction, const VerifyParams& p, PoseEstimate& out,
                 bool noisy, const std::vector<Vec3>* src_normals, std::vector<bool>* found) {
  const double tol = p.coverage_tolerance * radius;
  const double widest_fraction = noisy ? std::max(loose_fraction, p.noisy_tolerance) : loose_fraction;
  const std::vector<Residual> res = residuals(pose, src, mesh, dst, tree, 2 * (widest_fraction * radius), src_normals,
                                              p.buried_same_way, p.moved_depth);
  if (src.empty()) {
    out.coverage = out.coverage_loose = 0;
    out.fit = 1;
    out.tolerance = loose_fraction;
    return;
  }
  double fraction = loose_fraction;
  if (noisy) {
    std::vector<double> sorted;
    for (const Residual& r : res) sorted.push_back(r.distance);
    auto mid = sorted.begin() + sorted.size() / 2;
    std::nth_element(sorted.begin(), mid, sorted.end());
    fraction = std::clamp(p.noise_width * *mid / radius, loose_fraction, widest_fraction);
  }
  const double loose = fraction * radius;
  if (found) found->clear();
  // Distinctive points: farther than the loose tolerance from the
  // signature's bounding box, once placed (scale included).
  const std::vector<double> off_box = distance_to_bounding_box(src);
  const double scale = pose.scale();
  std::size_t covered = 0, covered_loose = 0, buried = 0, distinct = 0, distinct_found = 0;
  double sum2 = 0, sum2_unburied = 0;
  for (std::size_t k = 0; k < res.size(); ++k) {
    const double d = std::min(res[k].distance, 2 * loose);
    covered += d <= tol;
    covered_loose += d <= loose;
    if (found) found->push_back(d <= loose);
    buried += d > loose && res[k].buried;
    if (off_box[k] * scale > loose) {
      ++distinct;
      distinct_found += d <= loose;
    }
    sum2 += d * d;
    if (!(d > loose && res[k].buried)) sum2_unburied += d * d;
  }
  out.coverage = double(covered) / src.size();
  out.coverage_loose = double(covered_loose) / src.size();
  out.buried = double(buried) / src.size();
  out.detail = distinct ? double(distinct_found) / distinct : 1.0;
  out.distinct_share = double(distinct) / src.size();
  // The scanned shape's own share off its bounding box, against the
  // signature's, both at the unwidened tolerance: a plain box has none, so
  // however wide the tolerance grew, it does not stand for a part with studs.
  const double base = p.loose_tolerance * radius;
  const auto off_own_box = [&](const std::vector<double>& h, double unit) {
    return double(std::count_if(h.begin(), h.end(), [&](double x) { return x * unit > base; })) / double(h.size());
  };
  std::vector<Vec3> shape;
  shape.reserve(dst.points.size());
  for (const Vec3f& q : dst.points) shape.push_back(Vec3(q[0], q[1], q[2]));
  const double sig_share = off_own_box(off_box, scale);
  out.shape_detail = sig_share > 0 && !shape.empty()
                         ? std::min(1.0, off_own_box(distance_to_bounding_box(shape), 1.0) / sig_share)
                         : 1.0;
  out.fit = std::sqrt(sum2 / src.size()) / radius;
  out.fit_unburied = buried < src.size() ? std::sqrt(sum2_unburied / double(src.size() - buried)) / radius : 1.0;
  out.tolerance = fraction;
}

PlacedSignature::PlacedSignature(const Similarity& pose, const std::vector<Vec3>& src,
                                 const std::vector<Vec3f>& src_normals)
    : points(place(pose, src)), normals(turn(pose, src_normals)), index(points) {}

Shares surface_shares(const PlacedSignature& sig, const SurfaceSample& dense, double tol, double lateral_max,
                      std::size_t queries, bool cuts, const PieceParams& p) {
  const std::size_t stride = std::max<std::size_t>(1, dense.points.size() / queries);
  std::size_t seen = 0, explained = 0, outside = 0;
  std::vector<std::size_t> inside;
  for (std::size_t i = 0; i < dense.points.size(); i += stride) {
    const Vec3 x(dense.points[i][0], dense.points[i][1], dense.points[i][2]);
    float d2;
    const unsigned k = nearest(sig.index.tree, x, d2);
    ++seen;
    const bool on = sig.on_plane(k, x, tol, lateral_max);
    explained += on;
    if (on) continue;
    if (sig.along(k, x) <= tol) {
      inside.push_back(i);
      continue;
    }
    // Outside only when the next few signature points agree: one sparse
    // point across a tooth gap or a thin wall must not decide it.
    constexpr int kK = 4;
    unsigned idx[kK];
    float dd[kK];
    const float q[3] = {float(x(0)), float(x(1)), float(x(2))};
    const std::size_t found = sig.index.tree.knnSearch(q, kK, idx, dd);
    bool out = true;
    for (std::size_t j = 1; j < found && out; ++j) out = sig.along(idx[j], x) > tol;
    outside += out;
    if (!out) inside.push_back(i);
  }
  if (!seen) return {};
  Shares s;
  s.explained = double(explained) / seen;
  s.outside = double(outside) / seen;
  if (cuts) cut_planes(sig, dense, std::move(inside), tol, seen, p, s);
  return s;
}

double explained_share(const SignatureEntry& sig, const Similarity& placement, const DenseSample& dense, double tol,
                       double lateral, const PieceParams& p) {
  if (sig.sample.points.empty() || dense.sample.points.empty()) return 0;
  std::vector<Vec3> src;
  src.reserve(sig.sample.points.size());
  for (const Vec3f& q : sig.sample.points) src.push_back(Vec3(q[0], q[1], q[2]));
  const PlacedSignature placed(placement, src, sig.sample.normals);
  // Any of the nearest few signature points may vouch for a scanned point:
  // next to an edge the nearest one often lies on the other face.
  constexpr int kK = 4;
  const auto& pts = dense.sample.points;
  const std::size_t stride = std::max<std::size_t>(1, pts.size() / p.share_queries);
  std::size_t seen = 0, on = 0;
  for (std::size_t i = 0; i < pts.size(); i += stride, ++seen) {
    const Vec3 x(pts[i][0], pts[i][1], pts[i][2]);
    unsigned idx[kK];
    float d2[kK];
    const std::size_t found = placed.index.tree.knnSearch(pts[i].data(), kK, idx, d2);
    for (std::size_t k = 0; k < found; ++k)
      if (placed.on_plane(idx[k], x, tol, lateral)) {
        ++on;
        break;
      }
  }
  return seen ? double(on) / seen : 0;
}

}  // namespace meshsentry
