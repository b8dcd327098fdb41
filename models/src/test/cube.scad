// SPDX-License-Identifier: MIT
// meshsentry unit-test mesh: 10 mm cube, 12 triangles.
cube([10, 10, 10]);
