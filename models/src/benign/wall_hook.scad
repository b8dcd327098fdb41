// SPDX-License-Identifier: MIT
// meshsentry benign look-alike: coat hook, a rounded back plate with two
// countersunk screw holes and a J-shaped arm of round section ending in a ball.
$fn = 24;

module csk() {
    rotate([-90, 0, 0]) {
        translate([0, 0, -1]) cylinder(d = 4, h = 8);
        translate([0, 0, 4 - 2.01]) cylinder(d1 = 4, d2 = 8.4, h = 2.02);
    }
}

difference() {
    union() {
        // back plate in the x-z plane, y = 0..4
        translate([0, 4, 0]) rotate([90, 0, 0]) linear_extrude(height = 4)
            offset(r = 5) offset(delta = -5) square([20, 60]);
        // arm: straight part out from the plate, then a half circle upward
        translate([10, 2, 12]) rotate([-90, 0, 0]) cylinder(d = 8, h = 22);
        translate([10, 24, 24]) rotate([0, 90, 0]) rotate([0, 0, 0])
            rotate_extrude(angle = 180, $fn = 40) translate([12, 0]) circle(d = 8);
        translate([10, 24, 36]) sphere(d = 11);
    }
    for (z = [30, 50]) translate([10, 0, z]) csk();
}
