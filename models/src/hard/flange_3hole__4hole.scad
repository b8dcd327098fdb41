// SPDX-License-Identifier: MIT
// meshsentry hard negative: variant of refs/flange_3hole with 4 bolt holes on the
// same 38 mm pitch circle instead of 3; everything else is identical. A scanner
// must not report it as flange_3hole.
$fn = 40;

difference() {
    union() {
        cylinder(d = 52, h = 6);                          // flange disc
        cylinder(d = 24, h = 16);                         // hub
        translate([0, 0, 6]) cylinder(d1 = 30, d2 = 24, h = 3); // hub root taper
    }
    translate([0, 0, -1]) cylinder(d = 10, h = 20);       // bore
    translate([-1.5, 4, -1]) cube([3, 2.6, 20]);          // keyway
    for (a = [0, 90, 180, 270])                           // 4 bolt holes, PCD 38
        rotate([0, 0, a]) translate([19, 0, -1]) cylinder(d = 5.5, h = 10, $fn = 20);
    translate([0, 0, 12]) rotate([0, 90, 0]) cylinder(d = 3.2, h = 20, $fn = 16); // set screw
}
