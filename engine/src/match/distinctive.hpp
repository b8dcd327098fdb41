// SPDX-License-Identifier: MIT
// Which of a signature's points carry its detail: those off its bounding
// box. A plain box of the right size lies on every other point, so finding
// the part rests on these (the studs of a brick, the teeth of a gear).
#pragma once

#include <vector>

#include "common/geometry.hpp"

namespace meshsentry {

// Each point's distance to the surface of the tighter (by volume) of two
// boxes around `points`: one along the points' own axes, one along their
// principal axes.
std::vector<double> distance_to_bounding_box(const std::vector<Vec3>& points);

}  // namespace meshsentry
