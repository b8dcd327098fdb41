// SPDX-License-Identifier: MIT
// meshsentry test mesh: the ratchet wheel stand-in fused (one body) with a
// block of sacrificial material across its rim, as an upload that hides a
// part inside dummy material would be.
union() {
  import("../../refs/ratchet_wheel_18t.stl");
  translate([24, -5, 0]) cube([12, 10, 6]);
}
