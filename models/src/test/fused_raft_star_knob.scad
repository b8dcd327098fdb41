// SPDX-License-Identifier: MIT
// meshsentry test mesh: the star knob stand-in fused (one body) to a raft
// of about 15 times its footprint, 0.3 mm into it, as an upload that hides
// a part on sacrificial material would be.
union() {
  import("../../refs/star_knob_5lobe.stl");
  translate([-66, -66, -1.7]) cube([132, 132, 2]);
}
