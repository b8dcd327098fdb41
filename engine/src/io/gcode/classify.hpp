// SPDX-License-Identifier: MIT
// Walls told from infill by the toolpath alone, for G-code whose slicer
// comments are gone or unknown (see classify.cpp for how).
#pragma once

#include <cstddef>

#include "io/gcode/toolpath.hpp"
#include "meshsentry/status.hpp"

namespace meshsentry::gcode {

// Point-in-loop tests allowed for a whole path, as skin.cpp's kLoopWork.
constexpr std::size_t kClassifyWork = 200'000'000;

// Gives every segment of `path` a role from the shape of the paths: the
// outermost perimeter of each island and the innermost one of each hole
// are outer walls, the perimeters between them inner walls, a skirt is
// skipped, and every extrusion that is no closed loop is Role::open_fill.
// Time linear in the path's length plus the loops' nesting test, bounded
// for the whole path like skin_toolpath's. With a `budget`, its deadline is
// checked at every layer (a `limit` error).
Status classify_untyped(Toolpath& path, const ScanBudget* budget = nullptr);

}  // namespace meshsentry::gcode
