// SPDX-License-Identifier: MIT
#pragma once

#include <array>

#include "meshsentry/mesh.hpp"

namespace meshsentry {

// Principal axes of a surface from its exact second moments: centroid, axes
// as columns of a row-major 3x3 (largest variance first, right-handed) and the
// variances along them.
struct PrincipalFrame {
  Vec3d centroid{};
  std::array<double, 9> axes{};
  Vec3d variances{};
};
PrincipalFrame principal_frame(const MassProperties& mass);

}  // namespace meshsentry
