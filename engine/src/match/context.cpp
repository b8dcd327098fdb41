// SPDX-License-Identifier: MIT
#include "match/context.hpp"

#include "describe/vertex_spacing.hpp"
#include "match/descriptor_distance.hpp"

namespace meshsentry {
namespace {
const std::vector<std::uint32_t> kAll;  // an empty subset: every triangle
}  // namespace

const std::vector<std::uint32_t>& MatchContext::triangles(std::size_t shape) const {
  return shapes[shape].subset ? *shapes[shape].subset : kAll;
}

const DenseSample& MatchContext::dense(std::size_t shape) {
  Shape& s = shapes[shape];
  if (!s.dense)
    s.dense = std::make_unique<DenseSample>(
        sample_surface(mesh.mesh, triangles(shape), params.verify.dense_samples, set.params.seed ^ 0xd5u));
  return *s.dense;
}

double MatchContext::spacing(std::size_t shape) {
  Shape& s = shapes[shape];
  if (!s.spacing) s.spacing = vertex_spacing(mesh.mesh, triangles(shape)) / s.descriptor.rms_radius;
  return *s.spacing;
}

double MatchContext::distance(std::size_t shape, std::size_t signature) {
  double& d = shapes[shape].distance[signature];
  if (d == kUnmeasured)
    d = descriptor_distance(shapes[shape].descriptor, set.entries[signature].descriptor, params.distance).total;
  return d;
}

std::optional<std::size_t> MatchContext::exact_shape(std::size_t signature) const {
  for (const Placement& p : placements)
    if (p.signature == signature && p.method == Method::exact) return p.shape;
  return std::nullopt;
}

}  // namespace meshsentry
