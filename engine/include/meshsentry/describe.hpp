// SPDX-License-Identifier: MIT
// Shape descriptors: what the matcher compares. Nothing here keeps the mesh.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "meshsentry/mesh.hpp"

namespace meshsentry {

// 128-bit geometry hash. Equal for the same triangles whatever their order,
// the order of their corners (winding), the file format or the STL encoding.
// It is not invariant to motion: moved copies are found by the descriptor.
struct GeometryHash {
  std::uint64_t lo = 0, hi = 0;
  bool operator==(const GeometryHash&) const = default;
  bool empty() const noexcept { return lo == 0 && hi == 0; }
  std::string hex() const;  // 32 hex digits
};

// Over the triangles `subset` of `mesh` (all when empty).
GeometryHash geometry_hash(const Mesh& mesh, const std::vector<std::uint32_t>& subset = {});

// Parameters that change what the descriptor means. A signature set records
// them; scanning with other values is refused.
struct DescriptorParams {
  std::uint32_t version = 1;
  std::uint32_t samples = 4096;      // surface points per shape
  std::uint32_t d2_bins = 64;        // pair distance / RMS radius over [0, 4)
  std::uint32_t d1_bins = 32;        // distance to centroid / RMS radius over [0, 3)
  std::uint32_t a3_bins = 32;        // angle of point triples over [0, pi]
  std::uint32_t seed = 0x6d657368;   // fixed: results never depend on time or threads
  bool operator==(const DescriptorParams&) const = default;
};

// Global descriptor of one shape (a body or a whole file), invariant to
// rotation, translation, uniform scale and mirroring.
struct ShapeDescriptor {
  std::vector<float> d2;       // normalised histograms (each sums to 1)
  std::vector<float> d1;
  std::vector<float> a3;
  // sqrt(l2/l1), sqrt(l3/l1) of the surface covariance eigenvalues l1>=l2>=l3.
  std::array<float, 2> moment_ratios{};
  float compactness = 0;       // 36 pi V^2 / A^3, in [0, 1]; 1 for a sphere
  // Scale reference: RMS distance of the surface to its centroid (file units).
  double rms_radius = 0;
  double area = 0;
};

// A deterministic area-weighted sample of oriented points.
struct SurfaceSample {
  std::vector<Vec3f> points;
  std::vector<Vec3f> normals;
  std::vector<std::uint32_t> faces;  // triangle each point lies on (not stored in signatures)
};

SurfaceSample sample_surface(const Mesh& mesh, const std::vector<std::uint32_t>& subset,
                             std::uint32_t count, std::uint32_t seed);

// Describe the triangles `subset` of `mesh` (all when empty) with mass
// properties `mass` already integrated over the same triangles. The surface
// sample it was computed on is stored in `sample` when given.
ShapeDescriptor describe_shape(const Mesh& mesh, const std::vector<std::uint32_t>& subset,
                               const MassProperties& mass, const DescriptorParams& params,
                               SurfaceSample* sample = nullptr);

}  // namespace meshsentry
