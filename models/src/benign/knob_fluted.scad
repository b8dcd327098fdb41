// SPDX-License-Identifier: MIT
// meshsentry benign look-alike: round control knob with 12 flutes, a chamfered
// top, a pointer notch and a D-shaped 6 mm shaft hole from below.
$fn = 48;

difference() {
    union() {
        cylinder(d = 30, h = 12);
        translate([0, 0, 12 - 0.01]) cylinder(d1 = 30, d2 = 26, h = 2);
    }
    for (i = [0 : 11]) rotate([0, 0, i * 30])
        translate([16.2, 0, -1]) cylinder(d = 5, h = 20, $fn = 16);       // flutes
    translate([0, 10, 13.2]) cube([1.6, 10, 2], center = true);           // pointer notch
    translate([0, 0, -1]) difference() {                                  // D shaft hole
        cylinder(d = 6.2, h = 11, $fn = 24);
        translate([1.7, -5, -1]) cube([5, 10, 14]);
    }
}
