// SPDX-License-Identifier: MIT
// meshsentry test mesh: the flange stand-in standing on the floor of an
// open box (walls 6 mm from it, 2.5 mm thick, 12 mm tall), fused to the
// floor 0.3 mm deep: one body whose descriptors are the box's.
union() {
  import("../../refs/flange_3hole.stl");
  difference() {
    translate([-34.5, -34.5, -2.2]) cube([69, 69, 14.2]);
    translate([-32, -32, 0.3]) cube([64, 64, 20]);
  }
}
