// SPDX-License-Identifier: MIT
// The alignment kernels alone: ICP recovers a known motion of a part's
// sample, and point-pair voting finds a part fused to a box at its pose.
#include <catch2/catch.hpp>

#include <cmath>

#include "match/icp.hpp"
#include "match/ppf_search.hpp"
#include "match/verify_partial.hpp"
#include "meshsentry/describe.hpp"
#include "meshsentry/io.hpp"
#include "support/fixtures.hpp"

using namespace meshsentry;
using namespace fixtures;

namespace {

// Angle (degrees) of the rotation between two rotation matrices.
double angle_between(const Mat3& a, const Mat3& b) {
  const double c = std::clamp(((a.transpose() * b).trace() - 1) / 2, -1.0, 1.0);
  return std::acos(c) * 180 / std::numbers::pi;
}

Mesh bracket() { return load_or_die((source_dir() / "models/refs/tslot_corner_bracket.stl").string()); }

// The mesh moved by x -> r x + t.
Mesh moved(const Mesh& m, const Mat3& r, const Vec3& t) {
  std::array<double, 9> lin{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) lin[3 * i + j] = r(i, j);
  return transformed(m, lin, {t(0), t(1), t(2)});
}

const Mat3 kTurn = (Eigen::AngleAxisd(0.14, Vec3(1, 2, 3).normalized())).toRotationMatrix();  // 8 degrees
const Vec3 kShift(1.5, -2.0, 0.75);

}  // namespace

TEST_CASE("point-to-point ICP recovers a small known motion", "[match][icp]") {
  const Mesh part = bracket();
  const SurfaceSample s = sample_surface(part, {}, 2048, 7);
  const SurfaceSample target = sample_surface(moved(part, kTurn, kShift), {}, 4096, 8);
  std::vector<Vec3> src;
  for (std::size_t i = 0; i < s.points.size(); i += 4) src.push_back(to_vec3(s.points[i]));
  const PointIndex index(target.points);
  Pose pose;  // the identity: the motion is within ICP's basin
  IcpParams p;
  p.iterations = 60;
  refine(pose, src, target.points, index.tree, p);
  CHECK(angle_between(pose.linear, kTurn) < 1.0);
  CHECK((pose.shift - kShift).norm() < 0.3);
  // The start was far off by the same measure: the test can fail.
  const Pose unmoved;
  CHECK(rms_distance(unmoved, src, src.size(), index.tree) > 2 * pose.rms);
}

TEST_CASE("point-to-plane ICP recovers it more tightly", "[match][icp]") {
  const Mesh part = bracket();
  const SurfaceSample s = sample_surface(part, {}, 1024, 7);
  const SurfaceSample target = sample_surface(moved(part, kTurn, kShift), {}, 8192, 8);
  std::vector<Vec3> src;
  for (const Vec3f& q : s.points) src.push_back(to_vec3(q));
  const PointIndex index(target.points);
  Similarity pose;
  IcpParams p;
  p.iterations = 30;
  refine_point_to_plane(pose, src, target, index.tree, 10.0, p);
  CHECK(angle_between(pose.linear, kTurn) < 0.5);
  CHECK((pose.shift - kShift).norm() < 0.15);
}

TEST_CASE("point-pair voting finds a part fused to a box at its pose", "[match][ppf]") {
  const Mesh part = bracket();
  SignatureEntry sig;
  sig.sample = sample_surface(part, {}, 512, 3);
  const BoundingBox box = bounding_box(part.vertices);
  Vec3 centroid = Vec3::Zero();
  for (const Vec3f& q : sig.sample.points) centroid += to_vec3(q) / double(sig.sample.points.size());
  sig.centroid = {centroid(0), centroid(1), centroid(2)};
  // The part turned and shifted, sunk 0.3 mm into the top of a box twice its size.
  const Mat3 turn = Eigen::AngleAxisd(2.0, Vec3(0.3, -1, 0.5).normalized()).toRotationMatrix();
  const Vec3 shift(40, -15, 22);
  Mesh scene = moved(part, turn, shift);
  const BoundingBox placed = bounding_box(scene.vertices);
  const float side = 2 * std::max({box.max[0] - box.min[0], box.max[1] - box.min[1], box.max[2] - box.min[2]});
  const Mesh slab = transformed(cube(1.0f), {side, 0, 0, 0, side, 0, 0, 0, side / 4},
                                {placed.min[0] - side / 4, placed.min[1] - side / 4, placed.min[2] - side / 4 + 0.3});
  append(scene, slab);
  const PpfParams params;
  PpfModel model = build_ppf_model(sig, params);
  const PpfScene ppf_scene(sample_surface(scene, {}, 1024, 11));
  const auto poses = ppf_search(model, ppf_scene, 3, 60);
  REQUIRE(!poses.empty());
  const PoseHypothesis& best = poses[0];
  CHECK(angle_between(best.pose.linear, turn) < 15);
  CHECK((best.pose(centroid) - (turn * centroid + shift)).norm() < 0.1 * model.diameter);
  CHECK(best.support > 0.4);
  // Verification settles it on the part's surface.
  sig.descriptor.rms_radius = 10;
  const DenseSample dense(sample_surface(scene, {}, 8192, 12));
  const PoseEstimate est = verify_partial(sig, scene, dense, best.pose, model.spacing, MatchParams{});
  CHECK(angle_between(est.placement.linear, turn) < 1.0);
  CHECK((est.placement(centroid) - (turn * centroid + shift)).norm() < 0.2);
  CHECK(est.coverage_loose > 0.9);
}
