// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <vector>

#include "meshsentry/mesh.hpp"

namespace meshsentry {

// Median distance from a vertex of the triangles `subset` (all when empty) to
// its nearest other vertex: the resolution the mesh was tessellated at. A
// decimated copy of a part has a coarser spacing than the reference it came
// from, and its surface strays from the original by a fraction of it.
// Deterministic; at most 16384 vertices are queried.
double vertex_spacing(const Mesh& mesh, const std::vector<std::uint32_t>& subset);

}  // namespace meshsentry
