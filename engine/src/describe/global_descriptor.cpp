// SPDX-License-Identifier: MIT
// The global descriptor of a shape: shape distributions (D2, D1, A3) on a
// deterministic surface sample plus exact integrals (principal-moment ratios
// and compactness). All parts are invariant to rotation, translation, uniform
// scale and mirroring: distances are divided by the RMS radius of the
// surface, which the exact integrals give without sampling noise.
#include <Eigen/Eigenvalues>
#include <cmath>
#include <numbers>

#include "describe/principal_frame.hpp"
#include "describe/shape_histograms.hpp"
#include "meshsentry/describe.hpp"

namespace meshsentry {

namespace {
constexpr double kD2Range = 4.0;  // in RMS radii; a long rod reaches ~3.5
constexpr double kD1Range = 3.0;
}  // namespace

ShapeDescriptor describe_shape(const Mesh& mesh, const std::vector<std::uint32_t>& subset,
                               const MassProperties& mass, const DescriptorParams& params,
                               SurfaceSample* sample) {
  ShapeDescriptor d;
  d.area = mass.area;
  if (!(mass.area > 0)) return d;
  Eigen::Matrix3d cov;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) cov(i, j) = mass.surface_covariance[3 * i + j] / mass.area;
  Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d> eig(cov, Eigen::EigenvaluesOnly);
  const Eigen::Vector3d ev = eig.eigenvalues().cwiseMax(0.0);  // ascending
  const double l1 = ev(2);
  d.rms_radius = std::sqrt(ev.sum());
  if (l1 > 0) {
    d.moment_ratios = {float(std::sqrt(ev(1) / l1)), float(std::sqrt(ev(0) / l1))};
  }
  const double v = mass.abs_volume;
  d.compactness = float(std::min(1.0, 36.0 * std::numbers::pi * v * v / (mass.area * mass.area * mass.area)));

  const SurfaceSample s = sample_surface(mesh, subset, params.samples, params.seed);
  const double r = d.rms_radius > 0 ? d.rms_radius : 1.0;
  d.d2 = d2_histogram(s.points, r, kD2Range, params.d2_bins);
  d.d1 = d1_histogram(s.points, mass.area_centroid, r, kD1Range, params.d1_bins);
  d.a3 = a3_histogram(s.points, 16 * params.samples, params.a3_bins, params.seed);
  if (sample) *sample = std::move(s);
  return d;
}

}  // namespace meshsentry

namespace meshsentry {

PrincipalFrame principal_frame(const MassProperties& mass) {
  PrincipalFrame f;
  f.centroid = mass.area_centroid;
  if (!(mass.area > 0)) {
    f.axes = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    return f;
  }
  Eigen::Matrix3d cov;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) cov(i, j) = mass.surface_covariance[3 * i + j] / mass.area;
  Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d> eig(cov);
  Eigen::Matrix3d v = eig.eigenvectors().rowwise().reverse();  // largest first
  if (v.determinant() < 0) v.col(2) = -v.col(2);
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) f.axes[3 * i + j] = v(i, j);
    f.variances[i] = std::max(0.0, eig.eigenvalues()(2 - i));
  }
  return f;
}

}  // namespace meshsentry
