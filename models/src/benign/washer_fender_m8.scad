// SPDX-License-Identifier: MIT
// meshsentry benign look-alike: M8 fender (penny) washer, 8.4 x 24 x 1.6 mm.
$fn = 48;

difference() {
    cylinder(d = 24, h = 1.6);
    translate([0, 0, -1]) cylinder(d = 8.4, h = 4, $fn = 32);
}
