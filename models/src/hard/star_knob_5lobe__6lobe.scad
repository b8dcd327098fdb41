// SPDX-License-Identifier: MIT
// meshsentry hard negative: variant of refs/star_knob_5lobe with 6 lobes instead of
// 5 (same lobe size and radius, same cut-outs between the lobes); hub, M6 hole and
// nut pocket are the same design. A scanner must not report it as star_knob_5lobe.
$fn = 32;

n = 6;     // lobes (reference 5)

module star2d() {
    offset(r = 1.5) offset(delta = -1.5)
        difference() {
            union() {
                circle(d = 22);
                for (i = [0 : n - 1]) rotate(i * 360 / n) translate([13, 0]) circle(d = 10);
            }
            for (i = [0 : n - 1]) rotate(i * 360 / n + 180 / n) translate([17.5, 0]) circle(d = 11);
        }
}

difference() {
    union() {
        linear_extrude(height = 10) star2d();
        translate([0, 0, 10 - 0.01]) cylinder(d1 = 20, d2 = 14, h = 6);   // domed hub
    }
    translate([0, 0, -1]) cylinder(d = 6.4, h = 20, $fn = 24);          // M6 through hole
    translate([0, 0, -1]) cylinder(d = 11.5, h = 6, $fn = 6);           // nut pocket
}
