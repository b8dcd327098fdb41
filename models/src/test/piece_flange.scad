// SPDX-License-Identifier: MIT
// meshsentry test mesh: the flange stand-in cut by a slanted plane, as an
// upload that splits a part into pieces to glue after printing would be.
intersection() {
  import("../../refs/flange_3hole.stl");
  translate([0, 0, 0]) rotate([0, 0, 20]) rotate([0, 10, 0]) translate([0, -100, -100]) cube([200, 200, 200]);
}
