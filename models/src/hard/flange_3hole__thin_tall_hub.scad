// SPDX-License-Identifier: MIT
// meshsentry hard negative: variant of refs/flange_3hole with a thin 3 mm flange
// disc (reference: 6 mm) and a 26 mm tall hub (reference: 16 mm); holes, bore,
// keyway and taper are the same design. A scanner must not report it as
// flange_3hole.
$fn = 40;

ft = 3;     // flange disc thickness (reference 6)
hh = 26;    // hub height (reference 16)

difference() {
    union() {
        cylinder(d = 52, h = ft);                         // flange disc
        cylinder(d = 24, h = hh);                         // hub
        translate([0, 0, ft]) cylinder(d1 = 30, d2 = 24, h = 3); // hub root taper
    }
    translate([0, 0, -1]) cylinder(d = 10, h = hh + 4);   // bore
    translate([-1.5, 4, -1]) cube([3, 2.6, hh + 4]);      // keyway
    for (a = [90, 210, 330])                              // 3 bolt holes, PCD 38
        rotate([0, 0, a]) translate([19, 0, -1]) cylinder(d = 5.5, h = 10, $fn = 20);
    translate([0, 0, hh - 4]) rotate([0, 90, 0]) cylinder(d = 3.2, h = 20, $fn = 16); // set screw
}
