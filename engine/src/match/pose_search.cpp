// SPDX-License-Identifier: MIT
#include "match/pose_search.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "common/rng.hpp"
#include "match/bend.hpp"
#include "match/deformation.hpp"
#include "match/fit_measures.hpp"
#include "match/icp.hpp"

namespace meshsentry {
namespace {

// The signature's sample relative to its centroid, and the strided subsets
// each pass uses: sparse (16) and coarse (64) rank the starts, medium (256)
// refines them point to point, fine (512) point to plane.
struct SignaturePoints {
  Vec3 centroid;
  std::vector<Vec3> all, coarse, sparse, fine, medium;
  std::vector<Vec3f> fine_normals;  // the sample's normals at the fine points
  explicit SignaturePoints(const SignatureEntry& sig) : centroid(to_vec3(sig.centroid)) {
    all.reserve(sig.sample.points.size());
    for (const Vec3f& p : sig.sample.points) all.push_back(Vec3(p[0], p[1], p[2]) - centroid);
    const std::size_t stride = std::max<std::size_t>(1, all.size() / 64);
    for (std::size_t i = 0; i < all.size(); i += stride) coarse.push_back(all[i]);
    for (std::size_t i = 0; i < coarse.size(); i += 4) sparse.push_back(coarse[i]);
    const std::size_t fstride = std::max<std::size_t>(1, all.size() / 512);
    for (std::size_t i = 0; i < all.size(); i += fstride) {
      fine.push_back(all[i]);
      if (i < sig.sample.normals.size()) fine_normals.push_back(sig.sample.normals[i]);
    }
    for (std::size_t i = 0; i < fine.size(); i += 2) medium.push_back(fine[i]);
  }
};

bool by_rms(const Pose& a, const Pose& b) { return a.rms < b.rms; }

// One alignment of a signature with a shape, as a few named steps.
class PoseSearch {
 public:
  PoseSearch(const SignatureEntry& sig, const SurfaceSample& file_points, const PrincipalFrame& frame, double file_r,
             double loose_fraction, const MatchParams& params, bool noisy)
      : sig_(sig), file_points_(file_points), frame_(frame), file_r_(file_r), loose_(loose_fraction),
        scale_(file_r / sig.descriptor.rms_radius), p_(params), noisy_(noisy), src_(sig), file_index_(file_points.points) {}

  // Every start, best first (by the coarse points' RMS).
  std::vector<Pose> starts() const {
    const auto& fv = frame_.variances;
    std::vector<int> spin_axes;
    auto close = [&](double x, double y) { return std::abs(x - y) <= p_.pose.spin_variance_band * std::max(x, y); };
    if (close(fv[0], fv[1])) spin_axes.push_back(2);
    if (close(fv[1], fv[2])) spin_axes.push_back(0);
    const bool many = !spin_axes.empty();
    const Mat3 as = to_mat3(sig_.axes), af = to_mat3(frame_.axes);
    std::vector<Pose> starts;
    auto add_start = [&](const Mat3& frame_rotation) {
      Pose p;
      p.linear = scale_ * af * frame_rotation * as.transpose();
      p.shift = to_vec3(frame_.centroid);
      p.rms = rms_distance(p, many ? src_.sparse : src_.coarse, src_.coarse.size(), file_index_.tree);
      starts.push_back(p);
    };
    if (spin_axes.size() == 2)
      random_rotations(add_start);
    else
      sign_choices(spin_axes, add_start);
    // Many starts (spins, random rotations) are ranked by 16 of the points
    // first; the best quarter is ranked again by all 64.
    if (many) {
      std::stable_sort(starts.begin(), starts.end(), by_rms);
      starts.resize(starts.size() / 4);
      for (Pose& p : starts) p.rms = rms_distance(p, src_.coarse, src_.coarse.size(), file_index_.tree);
    }
    std::stable_sort(starts.begin(), starts.end(), by_rms);
    return starts;
  }

  // The best few proper and improper starts at least start_separation_deg
  // apart, refined point to point: neighbouring spins fall into one basin,
  // and the right pose of a nearly symmetric part can rank fourth.
  void refine_starts(const std::vector<Pose>& starts, std::vector<Pose>& proper, std::vector<Pose>& improper,
                     bool refine_scale) const {
    std::vector<Mat3> chosen;
    const double min_cos = std::cos(p_.pose.start_separation_deg * std::numbers::pi / 180.0);
    for (const Pose& start : starts) {
      std::vector<Pose>& refined = start.linear.determinant() < 0 ? improper : proper;
      if (refined.size() >= p_.pose.refined_starts) continue;
      const Mat3 r = start.linear / scale_;
      bool near = false;
      for (const Mat3& c : chosen)
        near = near || (c.determinant() * r.determinant() > 0 && ((r * c.transpose()).trace() - 1) / 2 > min_cos);
      if (near) continue;
      chosen.push_back(r);
      Pose p = start;
      refine(p, src_.medium, file_points_.points, file_index_.tree, p_.icp);
      if (refine_scale) refine(p, src_.medium, file_points_.points, file_index_.tree, p_.icp, true);
      refined.push_back(p);
    }
    std::stable_sort(proper.begin(), proper.end(), by_rms);
    std::stable_sort(improper.begin(), improper.end(), by_rms);
  }

  // A shape that no start brings near the signature is not it: measured on
  // the coarse pose against the descriptor sample (no dense sample is
  // made). The coarse RMS includes the gap between the file's own sample
  // points, which is taken out first.
  bool hopeless(const Pose& closest) const {
    const double gap = sample_gap(file_index_) / file_r_, rms = closest.rms / file_r_;
    return rms * rms - gap * gap > p_.pose.hopeless_rms * p_.pose.hopeless_rms;
  }

  PoseEstimate measure_coarse(const Pose& pose, const Mesh& mesh) const {
    PoseEstimate e;
    measure_fit(pose, src_.all, mesh, file_points_, file_index_.tree, file_r_, loose_, p_.verify, e, noisy_);
    return report(pose, e);
  }

  // Finish on the dense sample and judge by coverage, not by RMS: a part
  // that is symmetric but for a small feature (a keyway, one hole) has a
  // wrong pose whose RMS is nearly as low as the right one's. The runner-up
  // is finished too when the first is promising but not conclusive.
  void finish_best(std::vector<Pose>& candidates, const Mesh& mesh, const DenseSample& dense, Pose& pose,
                   PoseEstimate& est) const {
    for (std::size_t k = 0; k < std::min<std::size_t>(p_.pose.finished_starts, candidates.size()); ++k) {
      if (k == 1 && (est.coverage >= p_.pose.conclusive_coverage || est.coverage_loose < p_.pose.hopeless_loose))
        break;
      PoseEstimate e;
      finish(candidates[k], mesh, dense, e);
      if (k == 0 || better_fit(e, est)) {
        est = e;
        pose = candidates[k];
      }
    }
  }

  // A near miss that a slicer's per-axis scale or surface offset would
  // undo is aligned again with both fitted; kept when it fits clearly better.
  void deform(Pose& pose, const Mesh& mesh, const DenseSample& dense, PoseEstimate& est) const {
    const DeformParams& dp = p_.deform;
    // Not on a shape coarser than the signature (its tolerance was widened
    // for that): its deviations are the tessellation's, not a slicer's.
    if (est.coverage_loose < dp.min_loose || aligned_score(est) >= dp.below_score || fine_normals_missing() ||
        loose_ > p_.verify.loose_tolerance)
      return;
    // At the reference's size or a unit conversion of it only (see
    // fit_deformation): the pose is set to exactly that size first.
    const double size = pose.scale();
    double unit = 0;
    for (const double u : {1.0, 25.4, 1 / 25.4})
      if (std::abs(size / u - 1) <= dp.size_band) unit = u;
    if (unit == 0) return;
    // A per-axis scale, or an offset, not both: together they mimic a
    // uniform scale, and one bearing would fit another's proportions.
    Similarity sized = pose;
    sized.linear *= unit / size;
    for (const bool offset : {false, true}) {
      DeformParams one = dp;
      (offset ? one.max_axis_scale : one.max_offset) = 0;
      Similarity s = sized;
      const Deformation d = fit_deformation(s, src_.fine, src_.fine_normals, dense.sample, dense.index.tree,
                                            p_.icp.reach * file_r_, one.max_offset / unit, one, p_.icp);
      if ((d.scales().array() - 1).abs().maxCoeff() < dp.min_axis_change && std::abs(d.offset * unit) < dp.min_offset)
        continue;
      PoseEstimate e;
      measure_fit(s, deformed(src_.all, sig_.sample.normals, d), mesh, dense.sample,
                  dense.index.tree, file_r_, loose_, p_.verify, e, noisy_);
      if (aligned_score(e) < aligned_score(est) + dp.min_gain) continue;
      e.axis_scale = d.scales();
      e.stretch_axes = d.axes();
      e.offset = d.offset * s.scale();
      est = e;
      static_cast<Similarity&>(pose) = s;
    }
    if (aligned_score(est) >= dp.below_score) return;
    // Still short: perhaps bent or twisted. Segments along the longest axis.
    const BendFit b = fit_bend(sized, src_.all, src_.fine, to_mat3(sig_.axes).col(0), dense.sample, dense.index.tree,
                               p_.icp.reach * file_r_, dp.bend_gap * loose_ * file_r_, dp, p_.icp);
    if (!b.ok || b.angle_deg < dp.min_bend_deg) return;
    PoseEstimate e;
    measure_fit(sized, b.points, mesh, dense.sample, dense.index.tree, file_r_, loose_, p_.verify, e, noisy_);
    if (aligned_score(e) < aligned_score(est) + dp.min_gain) return;
    e.bend_deg = b.angle_deg;
    est = e;
    static_cast<Similarity&>(pose) = sized;
  }

  PoseEstimate report(const Pose& best, const PoseEstimate& est) const {
    PoseEstimate out = est;
    out.placement = best.after_shift_by(src_.centroid);
    out.scale = best.scale();
    out.mirrored = best.mirrored();
    return out;
  }

 private:
  // All three variances alike (a cube, a sphere, a dodecahedral part): the
  // axes say nothing about orientation, so fixed, uniformly drawn rotations
  // in each handedness.
  template <class Add>
  void random_rotations(Add&& add_start) const {
    Rng rng(0x706f7365u);
    for (int k = 0; k < p_.pose.random_starts; ++k) {
      const double u1 = rng.uniform(), u2 = 2 * std::numbers::pi * rng.uniform(), u3 = 2 * std::numbers::pi * rng.uniform();
      const Eigen::Quaterniond q(std::sqrt(1 - u1) * std::sin(u2), std::sqrt(1 - u1) * std::cos(u2),
                                 std::sqrt(u1) * std::sin(u3), std::sqrt(u1) * std::cos(u3));
      const Mat3 r = q.toRotationMatrix();
      add_start(r);
      add_start(r * Vec3(1, 1, -1).asDiagonal());
    }
  }

  template <class Add>
  void sign_choices(const std::vector<int>& spin_axes, Add&& add_start) const {
    for (int signs = 0; signs < 8; ++signs) {
      const Vec3 s((signs & 1) ? -1 : 1, (signs & 2) ? -1 : 1, (signs & 4) ? -1 : 1);
      // Flipping both companions of the spin axis is the spin by 180
      // degrees, so those sign choices would only repeat starts.
      if (spin_axes.size() == 1 && s((spin_axes[0] + 1) % 3) < 0) continue;
      add_start(s.asDiagonal());
      for (int axis : spin_axes)
        for (int k = 1; k < p_.pose.spins; ++k)
          add_start(Eigen::AngleAxisd(k * std::numbers::pi / (p_.pose.spins / 2), Vec3::Unit(axis)).toRotationMatrix() *
                    s.asDiagonal());
    }
  }

  // The second, tighter pass only for a pose that has a chance: a quick
  // coverage (sample points within the loose tolerance of the dense
  // sample, plus its gap) after the first pass.
  void finish(Pose& p, const Mesh& mesh, const DenseSample& dense_sample, PoseEstimate& e) const {
    const SurfaceSample& dense = dense_sample.sample;
    const PointTree& dense_tree = dense_sample.index.tree;
    const double quick_reach = loose_ * file_r_ + sample_gap(dense_sample.index);
    refine_point_to_plane(p, src_.fine, dense, dense_tree, p_.icp.reach * file_r_, p_.icp);
    std::size_t near = 0;
    for (const Vec3& x : src_.fine) {
      float d2;
      nearest(dense_tree, p.linear * x + p.shift, d2);
      near += std::sqrt(double(d2)) <= quick_reach;
    }
    if (double(near) >= p_.pose.quick_coverage * double(src_.fine.size()))
      refine_point_to_plane(p, src_.fine, dense, dense_tree, loose_ * file_r_, p_.icp);
    measure_fit(p, src_.all, mesh, dense, dense_tree, file_r_, loose_, p_.verify, e, noisy_);
  }

  bool fine_normals_missing() const { return src_.fine_normals.size() != src_.fine.size(); }

  static bool better_fit(const PoseEstimate& a, const PoseEstimate& b) {
    if (a.coverage_loose != b.coverage_loose) return a.coverage_loose > b.coverage_loose;
    return a.coverage > b.coverage;
  }

  const SignatureEntry& sig_;
  const SurfaceSample& file_points_;
  const PrincipalFrame& frame_;
  const double file_r_, loose_, scale_;
  const MatchParams& p_;
  const bool noisy_;
  const SignaturePoints src_;
  const PointIndex file_index_;
};

}  // namespace

PoseEstimate estimate_pose(const SignatureEntry& sig, const Mesh& mesh, const SurfaceSample& file_points,
                           const std::function<const DenseSample&()>& dense_for, const PrincipalFrame& frame,
                           double file_r, double loose_fraction, const MatchParams& params, bool refine_scale,
                           bool noisy) {
  const double sig_r = sig.descriptor.rms_radius;
  if (file_points.points.size() < 4 || sig.sample.points.size() < 4 || !(sig_r > 0) || !(file_r > 0)) return {};
  const PoseSearch search(sig, file_points, frame, file_r, loose_fraction, params, noisy);
  std::vector<Pose> proper, improper;
  search.refine_starts(search.starts(), proper, improper, refine_scale);
  if (proper.empty() && improper.empty()) return {};
  const Pose& closest = improper.empty() || (!proper.empty() && proper[0].rms <= improper[0].rms) ? proper[0] : improper[0];
  if (search.hopeless(closest)) return search.measure_coarse(closest, mesh);
  const DenseSample& dense = dense_for();
  Pose best_proper, best_improper;
  PoseEstimate proper_est, improper_est;
  const bool reflection_closer = !improper.empty() && (proper.empty() || improper[0].rms < proper[0].rms);
  search.finish_best(proper, mesh, dense, best_proper, proper_est);
  // A reflection cannot beat a proper fit that already covers this much; a
  // symmetric part fits its mirror image as well as itself, so a reflection
  // must cover clearly more to be reported. Nor is it tried when the proper
  // fit is far from a match and the reflection's coarse fit was no closer:
  // a mirrored copy of a part that is not symmetric fits the reflected frame
  // clearly closer.
  const PoseSearchParams& p = params.pose;
  if (proper_est.coverage < p.mirror_skip_coverage && (reflection_closer || proper_est.coverage_loose >= p.mirror_try_loose))
    search.finish_best(improper, mesh, dense, best_improper, improper_est);
  const bool use_mirror = improper_est.coverage > proper_est.coverage + p.mirror_margin;
  Pose& best = use_mirror ? best_improper : best_proper;
  PoseEstimate& est = use_mirror ? improper_est : proper_est;
  search.deform(best, mesh, dense, est);
  return search.report(best, est);
}

}  // namespace meshsentry
