// SPDX-License-Identifier: MIT
// meshsentry benign look-alike: plain straight pipe, 20 mm OD, 2 mm wall, 80 mm long.
$fn = 48;

difference() {
    cylinder(d = 20, h = 80);
    translate([0, 0, -1]) cylinder(d = 16, h = 82);
}
