// SPDX-License-Identifier: MIT
#include "match/ppf_search.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "common/point_tree.hpp"
#include "match/icp.hpp"
#include "signatures/sample_extent.hpp"

namespace meshsentry {
namespace {

// Angles are binned by their cosine (unit vectors in): no trigonometry in
// the inner loop, bins finest near right angles.
int cos_bin(double c, int bins) { return std::clamp(static_cast<int>((c + 1) * 0.5 * bins), 0, bins - 1); }

// Quantized point-pair feature, or UINT32_MAX when the pair is too far or
// too close to say anything.
std::uint32_t feature_key(const Vec3& p1, const Vec3& n1, const Vec3& p2, const Vec3& n2, double step, int max_d,
                          int bins) {
  const Vec3 d = p2 - p1;
  const double len = d.norm();
  const int db = static_cast<int>(len / step);
  if (len <= 0 || db >= max_d) return UINT32_MAX;
  const Vec3 u = d / len;
  const auto b = static_cast<std::uint32_t>(bins);
  return ((static_cast<std::uint32_t>(db) * b + cos_bin(n1.dot(u), bins)) * b + cos_bin(n2.dot(u), bins)) * b +
         cos_bin(n1.dot(n2), bins);
}

// Rotation taking n to +x, and the angle that turns (R (q - p)) about x
// into the half-plane y >= 0, z = 0.
Mat3 to_x(const Vec3& n) { return Eigen::Quaterniond::FromTwoVectors(n, Vec3::UnitX()).toRotationMatrix(); }
double alpha_of(const Mat3& r, const Vec3& p, const Vec3& q) {
  const Vec3 v = r * (q - p);
  return -std::atan2(v.z(), v.y());
}
int alpha_bin(double a, int bins) {  // a in [-pi, pi]
  const int b = static_cast<int>(std::floor((a + std::numbers::pi) / (2 * std::numbers::pi) * bins));
  return ((b % bins) + bins) % bins;
}

Vec3 v3(const Vec3f& p) { return Vec3(p[0], p[1], p[2]); }

}  // namespace

PpfModel ppf_model_points(const SignatureEntry& sig, const PpfParams& params) {
  PpfModel m;
  m.params = params;
  const std::size_t stride = std::max<std::size_t>(1, sig.sample.points.size() / params.model_points);
  for (std::size_t i = 0; i < sig.sample.points.size(); i += stride) {
    m.points.push_back(v3(sig.sample.points[i]));
    m.normals.push_back(v3(sig.sample.normals[i]).normalized());
  }
  const std::size_t n = m.points.size();
  for (const Vec3& p : m.points) m.centroid += p / double(std::max<std::size_t>(1, n));
  // The O(n^2) part, stored in format-4 sets (SampleExtent).
  const SampleExtent x = sample_extent(sig.sample, sig.extent, static_cast<std::uint32_t>(params.model_points));
  m.diameter = x.diameter;
  m.spacing = x.spacing;
  m.distance_step = params.distance_step * m.diameter;
  return m;
}

void build_ppf_table(PpfModel& m) {
  const std::size_t n = m.points.size();
  if (!(m.distance_step > 0)) return;
  // The flat-face share: points facing a seed's way (within about 10
  // degrees) and in its plane (2% of the diameter), for every seed.
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t on = 0;
    for (std::size_t j = 0; j < n; ++j)
      on += m.normals[j].dot(m.normals[i]) >= 0.985 &&
            std::abs((m.points[j] - m.points[i]).dot(m.normals[i])) <= 0.02 * m.diameter;
    m.plane_share = std::max(m.plane_share, double(on) / double(n));
  }
  const PpfParams& p = m.params;
  const int max_d = static_cast<int>(1 / p.distance_step) + 1;
  // Counting sort by key: pairs keep their (i, j) order within a key.
  std::vector<std::pair<std::uint32_t, PpfModel::Entry>> pairs;
  pairs.reserve(n * n);
  for (std::size_t i = 0; i < n; ++i) {
    const Mat3 r = to_x(m.normals[i]);
    for (std::size_t j = 0; j < n; ++j) {
      if (i == j) continue;
      const std::uint32_t key =
          feature_key(m.points[i], m.normals[i], m.points[j], m.normals[j], m.distance_step, max_d, p.angle_bins);
      if (key == UINT32_MAX) continue;
      pairs.push_back({key,
                       {static_cast<std::uint16_t>(i),
                        static_cast<std::uint8_t>(alpha_bin(alpha_of(r, m.points[i], m.points[j]), p.alpha_bins))}});
    }
  }
  const auto bins = static_cast<std::size_t>(p.angle_bins);
  m.first.assign(static_cast<std::size_t>(max_d) * bins * bins * bins + 1, 0);
  for (const auto& [key, e] : pairs) ++m.first[key + 1];
  for (std::size_t k = 1; k < m.first.size(); ++k) m.first[k] += m.first[k - 1];
  m.entries.resize(pairs.size());
  std::vector<std::uint32_t> next(m.first.begin(), m.first.end() - 1);
  for (const auto& [key, e] : pairs) m.entries[next[key]++] = e;
}

PpfModel build_ppf_model(const SignatureEntry& sig, const PpfParams& params) {
  PpfModel m = ppf_model_points(sig, params);
  build_ppf_table(m);
  return m;
}

struct PpfScene::Index : PointIndex {
  using PointIndex::PointIndex;
};

PpfScene::PpfScene(SurfaceSample s, bool salient_references)
    : sample(std::move(s)), index(std::make_unique<Index>(sample.points)) {
  if (!salient_references) return;
  // A point is flat when its nearest neighbours face its way and lie in its
  // tangent plane; salient points come first, then the flat ones, each in
  // sample order (deterministic).
  constexpr int kK = 8;
  std::vector<std::uint32_t> flat;
  const double gap = sample_gap(*index);
  for (std::uint32_t i = 0; i < sample.points.size(); ++i) {
    unsigned idx[kK];
    float d2[kK];
    const std::size_t found = index->tree.knnSearch(sample.points[i].data(), kK, idx, d2);
    const Vec3 p = v3(sample.points[i]), n = v3(sample.normals[i]).normalized();
    // Neighbours facing the other way lie across a thin wall (a raft as
    // thin as the sample's gap) and say nothing; one at an angle is an edge.
    bool is_flat = true;
    std::size_t same = 0;
    for (std::size_t k = 0; k < found && is_flat; ++k) {
      const double c = v3(sample.normals[idx[k]]).normalized().dot(n);
      if (c < -0.5) continue;
      ++same;
      is_flat = c >= 0.98 && std::abs((v3(sample.points[idx[k]]) - p).dot(n)) <= 0.1 * gap;
    }
    is_flat = is_flat && same >= kK / 2;
    (is_flat ? flat : references).push_back(i);
  }
  salient = references.size();
  references.insert(references.end(), flat.begin(), flat.end());
}
PpfScene::~PpfScene() = default;

std::vector<PoseHypothesis> ppf_search(const PpfModel& model, const PpfScene& ppf_scene, std::size_t count,
                                       std::size_t max_references, std::uint32_t max_key_pairs) {
  std::vector<PoseHypothesis> found;
  const SurfaceSample& scene = ppf_scene.sample;
  const auto& tree = ppf_scene.index->tree;
  const std::size_t n = scene.points.size();
  if (model.points.size() < 8 || n < 8 || !(model.distance_step > 0)) return found;
  const PpfParams& p = model.params;
  const int max_d = static_cast<int>(1 / p.distance_step) + 1;
  const int alpha_bins = p.alpha_bins;
  const float radius2 = static_cast<float>(model.diameter * model.diameter);
  if (model.first.empty()) return found;
  // References: evenly strided over the sample, or the first of the
  // scene's preferred ones (salient points), strided over those.
  std::vector<std::uint32_t> starts;
  if (ppf_scene.references.empty()) {
    const std::size_t stride = std::max<std::size_t>(1, n / std::max<std::size_t>(1, max_references));
    for (std::size_t r = 0; r < n; r += stride) starts.push_back(static_cast<std::uint32_t>(r));
  } else {
    const std::size_t pool = std::min(ppf_scene.references.size(), std::max(ppf_scene.salient, max_references));
    const std::size_t stride = std::max<std::size_t>(1, pool / std::max<std::size_t>(1, max_references));
    for (std::size_t k = 0; k < pool; k += stride) starts.push_back(ppf_scene.references[k]);
  }
  std::vector<std::uint32_t> acc(model.points.size() * alpha_bins);
  std::vector<std::uint32_t> touched;  // cells of acc voted for, to find the best and clear them
  std::vector<std::pair<std::uint32_t, float>> near;
  const double bin = 2 * std::numbers::pi / alpha_bins;

  for (const std::uint32_t r : starts) {
    const Vec3 sr = v3(scene.points[r]), nr = v3(scene.normals[r]).normalized();
    const Mat3 rs = to_x(nr);
    near.clear();
    touched.clear();
    std::uint32_t most = 0;
    tree.radiusSearch(scene.points[r].data(), radius2, near, nanoflann::SearchParams(32, 0, false));
    for (const auto& hit : near) {
      if (hit.first == r) continue;
      const Vec3 si = v3(scene.points[hit.first]), ni = v3(scene.normals[hit.first]).normalized();
      const std::uint32_t key = feature_key(sr, nr, si, ni, model.distance_step, max_d, p.angle_bins);
      if (key == UINT32_MAX || model.first[key] == model.first[key + 1]) continue;
      if (max_key_pairs && model.first[key + 1] - model.first[key] > max_key_pairs) continue;
      // alpha = alpha_model - alpha_scene, in bins (Drost et al. vote so too).
      const int as = alpha_bins - alpha_bin(alpha_of(rs, sr, si), alpha_bins);
      for (std::uint32_t q = model.first[key]; q < model.first[key + 1]; ++q) {
        const PpfModel::Entry& e = model.entries[q];
        int ab = e.alpha + as;
        if (ab >= alpha_bins) ab -= alpha_bins;
        const std::uint32_t cell = e.reference * alpha_bins + ab;
        if (acc[cell] == 0) touched.push_back(cell);
        most = std::max(most, ++acc[cell]);
      }
    }
    if (most == 0) continue;
    // The first cell with the most votes, as a scan of the whole array would find.
    std::size_t k = acc.size();
    for (std::uint32_t cell : touched) {
      if (acc[cell] == most) k = std::min<std::size_t>(k, cell);
      acc[cell] = 0;
    }
    const std::size_t mr = k / alpha_bins;
    const double a = static_cast<double>(k % alpha_bins) * bin;
    const Mat3 rm = to_x(model.normals[mr]);
    PoseHypothesis h;
    const Mat3 rot = rs.transpose() * Eigen::AngleAxisd(a, Vec3::UnitX()).toRotationMatrix() * rm;
    h.pose.linear = rot;
    h.pose.shift = sr - rot * model.points[mr];
    h.votes = most;
    found.push_back(h);
  }

  // Cluster poses that agree (Drost et al.): within cluster_angle_deg and
  // cluster_shift of the diameter; a cluster keeps its best pose and the
  // sum of the votes.
  std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.votes > b.votes; });
  std::vector<PoseHypothesis> clusters;
  const double min_cos = std::cos(p.cluster_angle_deg * std::numbers::pi / 180);
  for (const PoseHypothesis& h : found) {
    bool joined = false;
    for (PoseHypothesis& c : clusters) {
      const double cosang = ((c.pose.linear.transpose() * h.pose.linear).trace() - 1) / 2;
      if (cosang > min_cos &&
          (c.pose(model.centroid) - h.pose(model.centroid)).norm() < p.cluster_shift * model.diameter) {
        c.votes += h.votes;
        joined = true;
        break;
      }
    }
    if (!joined) clusters.push_back(h);
  }
  std::stable_sort(clusters.begin(), clusters.end(), [](const auto& a, const auto& b) { return a.votes > b.votes; });
  if (clusters.size() > count) clusters.resize(count);
  // Support: the share of model points that land on the scene, facing the
  // same way: near the plane of a scene point within support_gap sample
  // gaps, normals within 37 degrees (support_normal, a cosine). Cheap, and it says which poses deserve a full
  // verification; small models cannot score by merely touching a big scene.
  for (PoseHypothesis& c : clusters) {
    std::size_t hit = 0;
    for (std::size_t i = 0; i < model.points.size(); ++i) {
      const Vec3 x = c.pose(model.points[i]);
      const float q[3] = {float(x(0)), float(x(1)), float(x(2))};
      std::uint32_t idx;
      float d2;
      tree.knnSearch(q, 1, &idx, &d2);
      const Vec3 ns = v3(scene.normals[idx]).normalized();
      const Vec3 off = x - v3(scene.points[idx]);
      hit += d2 <= p.support_gap * p.support_gap * model.spacing * model.spacing &&
             std::abs(off.dot(ns)) <= p.support_offset * model.diameter &&
             (c.pose.linear * model.normals[i]).dot(ns) >= p.support_normal;
    }
    c.support = double(hit) / double(model.points.size());
  }
  return clusters;
}

}  // namespace meshsentry
