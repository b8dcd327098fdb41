// SPDX-License-Identifier: MIT
// meshsentry benign stand-in reference: rigid shaft coupler joining a 5 mm and an
// 8 mm shaft, chamfered ends, a middle relief groove and two set-screw holes per
// side, the two sides turned 90 degrees to each other.
$fn = 40;

D = 20;
H = 26;

difference() {
    union() {
        cylinder(d1 = D - 2, d2 = D, h = 1);
        translate([0, 0, 1 - 0.01]) cylinder(d = D, h = H - 2 + 0.02);
        translate([0, 0, H - 1]) cylinder(d1 = D, d2 = D - 2, h = 1);
    }
    translate([0, 0, -1]) cylinder(d = 5, h = 14, $fn = 24);            // 5 mm bore
    translate([0, 0, 13]) cylinder(d = 8, h = 14, $fn = 24);            // 8 mm bore
    translate([0, 0, H / 2 - 0.75])                                     // relief groove
        difference() { cylinder(d = D + 2, h = 1.5); translate([0, 0, -1]) cylinder(d = D - 2, h = 4); }
    for (z = [6], a = [0, 120]) rotate([0, 0, a]) translate([0, 0, z]) rotate([0, 90, 0]) cylinder(d = 2.6, h = D, $fn = 12);
    for (z = [20], a = [90, 210]) rotate([0, 0, a]) translate([0, 0, z]) rotate([0, 90, 0]) cylinder(d = 2.6, h = D, $fn = 12);
}
