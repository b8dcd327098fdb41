// SPDX-License-Identifier: MIT
// meshsentry test mesh: a benign counterpart of fused_raft_pulley: a
// raft with a plain round boss and a square block on it (no part).
union() {
  translate([-66, -66, -1.7]) cube([132, 132, 2]);
  cylinder(h = 16, r = 15, $fn = 48);
  translate([25, 10, 0]) cube([20, 30, 12]);
}
