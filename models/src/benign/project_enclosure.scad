// SPDX-License-Identifier: MIT
// meshsentry benign look-alike: open project enclosure 70 x 45 x 28 mm with 2 mm
// walls, an inner lip for a lid, four corner screw bosses and a cable hole.
$fn = 24;

L = 70; W = 45; H = 28; wall = 2; r = 4;

module rbox(l, w, h, rr) {
    linear_extrude(height = h) offset(r = rr) offset(delta = -rr) square([l, w]);
}

difference() {
    union() {
        difference() {
            rbox(L, W, H, r);
            translate([wall, wall, wall]) rbox(L - 2 * wall, W - 2 * wall, H, r - wall);
            translate([wall - 1, wall - 1, H - 2]) rbox(L - 2 * wall + 2, W - 2 * wall + 2, 5, r - wall + 1); // lid lip
        }
        for (p = [[5, 5], [L - 5, 5], [5, W - 5], [L - 5, W - 5]])      // screw bosses
            translate([p[0], p[1], 0]) cylinder(d = 7, h = H - 4);
    }
    for (p = [[5, 5], [L - 5, 5], [5, W - 5], [L - 5, W - 5]])
        translate([p[0], p[1], 4]) cylinder(d = 2.5, h = H, $fn = 12);
    translate([-1, W / 2, 10]) rotate([0, 90, 0]) cylinder(d = 8, h = wall + 2);  // cable hole
}
