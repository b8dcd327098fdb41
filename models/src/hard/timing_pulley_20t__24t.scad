// SPDX-License-Identifier: MIT
// meshsentry hard negative: variant of refs/timing_pulley_20t with 24 instead of
// 20 grooves on the same 31 mm toothed band (so a different tooth pitch);
// flange, hub, bore and set screw are the same design. A scanner must not
// report it as timing_pulley_20t.
// Reference description: toothed belt pulley, 20 rounded grooves,
// a flange on one side only, a hub on the other side with a 6 mm bore and a
// radial set-screw hole.
$fn = 48;

teeth  = 24;      // (reference 20)
od     = 31.0;   // tip diameter of the toothed band
groove = 2.6;    // groove width
depth  = 1.4;    // groove depth
band   = 10;     // toothed band height

difference() {
    union() {
        cylinder(d = 36, h = 1.6);                                  // single flange
        translate([0, 0, 1.6 - 0.01])
            difference() {
                cylinder(d = od, h = band + 0.02);
                for (i = [0 : teeth - 1])
                    rotate([0, 0, i * 360 / teeth])
                        translate([od / 2 - depth + groove / 2, 0, -1])
                            hull() {
                                cylinder(d = groove, h = band + 3, $fn = 12);
                                translate([groove, 0, 0]) cylinder(d = groove, h = band + 3, $fn = 12);
                            }
            }
        translate([0, 0, 1.6 + band]) cylinder(d = 20, h = 8);      // hub
    }
    translate([0, 0, -1]) cylinder(d = 6, h = 30, $fn = 24);        // bore
    translate([0, 0, 1.6 + band + 4]) rotate([0, 90, 0]) cylinder(d = 3, h = 20, $fn = 16); // set screw
}
