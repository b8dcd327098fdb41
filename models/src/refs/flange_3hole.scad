// SPDX-License-Identifier: MIT
// meshsentry benign stand-in reference: round flange, 3 bolt holes, tapered hub,
// keyed 10 mm bore and one radial set-screw hole in the hub.
$fn = 40;

difference() {
    union() {
        cylinder(d = 52, h = 6);                          // flange disc
        cylinder(d = 24, h = 16);                         // hub
        translate([0, 0, 6]) cylinder(d1 = 30, d2 = 24, h = 3); // hub root taper
    }
    translate([0, 0, -1]) cylinder(d = 10, h = 20);       // bore
    translate([-1.5, 4, -1]) cube([3, 2.6, 20]);          // keyway
    for (a = [90, 210, 330])                              // 3 bolt holes, PCD 38
        rotate([0, 0, a]) translate([19, 0, -1]) cylinder(d = 5.5, h = 10, $fn = 20);
    translate([0, 0, 12]) rotate([0, 90, 0]) cylinder(d = 3.2, h = 20, $fn = 16); // set screw
}
