// SPDX-License-Identifier: MIT
// meshsentry hard negative: variant of refs/hinge_leaf_3knuckle with two knuckles
// (one at each end, one wide gap for a single mating knuckle) instead of three;
// leaf, pin bore and screw holes are the same design. A scanner must not report
// it as hinge_leaf_3knuckle.
$fn = 32;

L  = 40;    // leaf length (x)
W  = 22;    // leaf width up to the knuckle axis (y)
T  = 2.5;   // leaf thickness
kd = 7;     // knuckle diameter
kn = [[0, 13], [27, 40]];            // knuckle spans along x (reference: 3 knuckles)
gp = [[13, 27]];                     // gaps for the mating knuckle

module csk_hole() {
    translate([0, 0, -1]) cylinder(d = 3.4, h = T + 2, $fn = 20);
    translate([0, 0, T - 1.8]) cylinder(d1 = 3.4, d2 = 7.2, h = 1.81, $fn = 20);
}

difference() {
    union() {
        difference() {
            cube([L, W, T]);
            for (g = gp)                                         // room for the mating knuckle
                translate([g[0] - 0.4, W - kd / 2 - 1, -1]) cube([g[1] - g[0] + 0.8, 10, T + 2]);
        }
        for (k = kn)
            translate([k[0], W, kd / 2]) rotate([0, 90, 0]) cylinder(d = kd, h = k[1] - k[0]);
    }
    translate([-1, W, kd / 2]) rotate([0, 90, 0]) cylinder(d = 3, h = L + 2, $fn = 16);  // pin bore
    for (p = [[7, 7], [33, 7], [20, 12]]) translate([p[0], p[1], 0]) csk_hole();
}
