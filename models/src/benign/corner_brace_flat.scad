// SPDX-License-Identifier: MIT
// meshsentry benign look-alike: flat L-shaped corner brace (one plane, no gusset,
// no second leg standing up) with four countersunk screw holes.
$fn = 32;

a = 50;    // leg length
w = 12;    // leg width
t = 3;     // thickness

module csk() {
    translate([0, 0, -1]) cylinder(d = 4, h = t + 2, $fn = 20);
    translate([0, 0, t - 2]) cylinder(d1 = 4, d2 = 8, h = 2.01, $fn = 20);
}

difference() {
    linear_extrude(height = t)
        offset(r = 2) offset(delta = -2)
            union() { square([a, w]); square([w, a]); }
    for (p = [[w / 2, w / 2 + 4], [w / 2, a - 7], [w / 2 + 14, w / 2], [a - 7, w / 2]])
        translate([p[0], p[1], 0]) csk();
}
