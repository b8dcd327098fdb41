// SPDX-License-Identifier: MIT
// meshsentry unit-test mesh: two disjoint 10 mm cubes 5 mm apart, 24 triangles.
cube([10, 10, 10]);
translate([15, 0, 0]) cube([10, 10, 10]);
