// SPDX-License-Identifier: MIT
// meshsentry hard negative: variant of refs/shaft_coupler_5x8 for two 5 mm shafts
// (5 mm bore all the way through instead of 5 mm + 8 mm); outside, groove and
// set-screw holes are the same design. A scanner must not report it as
// shaft_coupler_5x8.
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
    translate([0, 0, 13]) cylinder(d = 5, h = 14, $fn = 24);            // 5 mm bore (reference 8 mm)
    translate([0, 0, H / 2 - 0.75])                                     // relief groove
        difference() { cylinder(d = D + 2, h = 1.5); translate([0, 0, -1]) cylinder(d = D - 2, h = 4); }
    for (z = [6], a = [0, 120]) rotate([0, 0, a]) translate([0, 0, z]) rotate([0, 90, 0]) cylinder(d = 2.6, h = D, $fn = 12);
    for (z = [20], a = [90, 210]) rotate([0, 0, a]) translate([0, 0, z]) rotate([0, 90, 0]) cylinder(d = 2.6, h = D, $fn = 12);
}
