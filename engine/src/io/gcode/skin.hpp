// SPDX-License-Identifier: MIT
// A toolpath back to the surface it prints (see skin.cpp for how).
#pragma once

#include <cstdint>

#include "io/gcode/toolpath.hpp"
#include "meshsentry/mesh.hpp"
#include "meshsentry/status.hpp"

namespace meshsentry::gcode {

// Each kept move costs up to three quads of unshared corners (36 bytes a
// triangle), so a toolpath gets a tighter triangle budget than a mesh.
constexpr std::uint64_t kMaxToolpathTriangles = 20'000'000;

// The outer surface of `path` as a triangle soup with outward winding.
// Errors: `limit` past `max_triangles` triangles, `empty` when the path has
// no outer walls and no top or bottom surfaces. Time linear in the path's
// length (occupancy sampled every 0.1 mm) plus the loops' nesting test,
// which is bounded for the whole path. With a `budget`, its deadline is
// checked at every layer (a `limit` error).
Result<Mesh> skin_toolpath(const Toolpath& path, std::uint64_t max_triangles, const ScanBudget* budget = nullptr);

}  // namespace meshsentry::gcode
