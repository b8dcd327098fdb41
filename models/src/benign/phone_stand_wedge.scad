// SPDX-License-Identifier: MIT
// meshsentry benign look-alike: desk phone stand, a wedge with a front lip, a
// lightening cut-out in the back and a charging-cable slot through the lip.
$fn = 32;
W = 70;    // width (y)

profile = [[0, 0], [80, 0], [80, 4], [34, 52], [28, 52], [10, 12], [4, 12], [4, 18], [0, 18]];

difference() {
    rotate([90, 0, 0]) translate([0, 0, -W]) linear_extrude(height = W) polygon(profile);
    translate([40, 12, -1]) linear_extrude(height = 10)
        offset(r = 4) offset(delta = -4) square([28, W - 24]);                    // lightening cut-out
    translate([-1, W / 2 - 6, 6]) cube([20, 12, 20]);                             // cable slot
}
