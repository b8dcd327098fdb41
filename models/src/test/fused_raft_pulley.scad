// SPDX-License-Identifier: MIT
// meshsentry test mesh: the timing pulley stand-in fused (one body) to a
// raft of about 11 times its footprint, 0.3 mm into it, as an upload that
// hides a part on sacrificial material would be.
union() {
  import("../../refs/timing_pulley_20t.stl");
  translate([-60, -60, -1.7]) cube([120, 120, 2]);
}
