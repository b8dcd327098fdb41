// SPDX-License-Identifier: MIT
// meshsentry benign stand-in reference: five-lobed star knob with a domed hub on
// top, an M6 through hole and a hexagonal nut pocket underneath.
$fn = 32;

module star2d() {
    offset(r = 1.5) offset(delta = -1.5)
        difference() {
            union() {
                circle(d = 22);
                for (i = [0 : 4]) rotate(i * 72) translate([13, 0]) circle(d = 10);
            }
            for (i = [0 : 4]) rotate(i * 72 + 36) translate([17.5, 0]) circle(d = 11);
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
