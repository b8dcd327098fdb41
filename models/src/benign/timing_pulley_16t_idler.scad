// SPDX-License-Identifier: MIT
// meshsentry benign look-alike: toothed idler pulley with 16 square grooves,
// flanges on both sides, no hub, 5 mm bore with a bearing recess on each side.
$fn = 48;

teeth = 16;
od    = 25;
band  = 7;

difference() {
    union() {
        cylinder(d1 = 31, d2 = 29, h = 1.2);                               // lower flange
        translate([0, 0, 1.2 - 0.01]) difference() {
            cylinder(d = od, h = band + 0.02);
            for (i = [0 : teeth - 1]) rotate([0, 0, i * 360 / teeth + 360 / teeth / 2])
                translate([od / 2 - 1.1, -1.0, -1]) cube([3, 2.0, band + 3]);   // square grooves
        }
        translate([0, 0, 1.2 + band]) cylinder(d1 = 29, d2 = 31, h = 1.2);   // upper flange
    }
    translate([0, 0, -1]) cylinder(d = 5, h = 20, $fn = 24);
    translate([0, 0, -1]) cylinder(d = 14, h = 3, $fn = 32);                // bearing recesses
    translate([0, 0, 2 * 1.2 + band - 2]) cylinder(d = 14, h = 3, $fn = 32);
}
