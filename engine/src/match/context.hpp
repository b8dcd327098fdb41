// SPDX-License-Identifier: MIT
// The state of one mesh's match, shared by the stages (stages.hpp): the
// shapes examined (the whole file and its larger bodies), their lazily made
// samples, and one record per placement of a signature found so far.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "describe/principal_frame.hpp"
#include "match/match_index.hpp"
#include "match/pose.hpp"
#include "meshsentry/engine.hpp"

namespace meshsentry {

inline constexpr double kUnmeasured = std::numeric_limits<double>::infinity();

// The whole file (body -1) or one of its bodies.
struct Shape {
  int body = -1;
  const std::vector<std::uint32_t>* subset = nullptr;  // the body's triangles; null: all
  const MassProperties* mass = nullptr;
  GeometryHash hash;
  ShapeDescriptor descriptor;
  SurfaceSample sample;  // the descriptor sample, which drives alignment
  // Descriptor distance to each signature (0: same hash; kUnmeasured: not
  // measured, and over `certain`). Stage 1 measures the signatures its
  // search finds near; the others when a stage asks (MatchContext::distance).
  std::vector<double> distance;
  std::vector<std::size_t> near;  // the signatures stage 1 measured, closest first (ties by index)
  double certain = 0;             // every signature this close or closer is measured
  bool noisy = false;             // a perturbed surface (see perturbed())
  bool found_whole = false;       // a signature matched it whole: it is no piece of another
  // Made when first needed: the dense verification sample, and the vertex
  // spacing over the RMS radius (a k-d tree query).
  std::unique_ptr<DenseSample> dense;
  std::optional<double> spacing;
};

// A signature placed on a shape, by any method: what was aligned (the
// signature or one of its coarse views) and how well it fits.
struct Placement {
  std::size_t signature = 0;
  std::size_t shape = 0;
  const SignatureEntry* aligned = nullptr;
  Method method = Method::exact;
  PoseEstimate pose;
};

struct MatchContext {
  MatchContext(const SignatureSet& set, const MatchIndex& index, const PreparedMesh& mesh, const ScanOptions& options)
      : set(set), index(index), params(index.params), mesh(mesh), options(options) {}

  // The shape's dense sample and vertex spacing, made on first use.
  const DenseSample& dense(std::size_t shape);
  double spacing(std::size_t shape);
  const std::vector<std::uint32_t>& triangles(std::size_t shape) const;
  // Shape's descriptor distance to a signature, measured now if stage 1 did not.
  double distance(std::size_t shape, std::size_t signature);
  // The shape holding signature i as an exact copy (same geometry hash).
  std::optional<std::size_t> exact_shape(std::size_t signature) const;

  const SignatureSet& set;
  const MatchIndex& index;
  const MatchParams& params;
  const PreparedMesh& mesh;
  const ScanOptions& options;
  std::vector<Shape> shapes;
  std::vector<Placement> placements;  // in the order found
};

}  // namespace meshsentry
