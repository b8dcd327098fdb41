// SPDX-License-Identifier: MIT
#include "match/tolerance.hpp"

#include <algorithm>
#include <cmath>

namespace meshsentry {

bool unit_scale(double scale, const VerifyParams& p) {
  if (!(scale > 0)) return false;
  for (double unit : {1.0, 25.4, 1 / 25.4, 10.0, 0.1, 1000.0, 0.001})
    if (std::abs(std::log(scale / unit)) <= std::log1p(p.sized_scale_band)) return true;
  return false;
}

double loose_tolerance(const SignatureEntry& e, double shape_spacing, double scale, const VerifyParams& p) {
  const bool sized = unit_scale(scale, p);
  return std::clamp((sized ? p.sized_spacing_slack : p.spacing_slack) * (shape_spacing - e.vertex_spacing),
                    p.loose_tolerance, sized ? p.sized_max_loose : p.max_loose);
}

bool perturbed(const PreparedMesh& pm, int body, const GateParams& p) {
  std::uint64_t interior = 0, flat = 0;
  for (std::size_t b = 0; b < pm.bodies.size(); ++b)
    if (body < 0 || std::size_t(body) == b) {
      interior += pm.bodies[b].interior_edges;
      flat += pm.bodies[b].flat_edges;
    }
  return interior > 0 && double(flat) < p.min_flat_edge_share * double(interior);
}

}  // namespace meshsentry
