// SPDX-License-Identifier: MIT
// meshsentry hard negative: variant of refs/tslot_corner_bracket with the
// horizontal leg 50 mm long instead of 36 mm (side walls, tongue and slot follow
// the leg); vertical leg, width and holes are the same design. A scanner must not
// report it as tslot_corner_bracket.
// Reference description: cast-style corner bracket for 20 mm
// slotted aluminium extrusion. Unequal legs, closed side walls, locating tongues
// under both legs, a slotted hole in the long leg and a round hole in the short leg.
$fn = 32;

w  = 18;   // bracket width (y)
t  = 4;    // plate thickness
lh = 50;   // horizontal leg length (x) (reference 36)
lv = 28;   // vertical leg height (z)
sw = 3;    // side wall thickness

module slot(len, d) {
    hull() {
        cylinder(d = d, h = 20, center = true);
        translate([len, 0, 0]) cylinder(d = d, h = 20, center = true);
    }
}

difference() {
    union() {
        cube([lh, w, t]);                                   // horizontal leg
        cube([t, w, lv]);                                   // vertical leg
        for (y = [0, w - sw])                               // triangular side walls
            translate([0, y + sw, 0]) rotate([90, 0, 0])
                linear_extrude(height = sw)
                    polygon([[0, 0], [lh - 8, 0], [0, lv - 6]]);
        translate([0, w / 2 - 3, -1.6]) cube([lh, 6, 1.6 + 0.01]);   // tongue under horizontal leg
        translate([-1.6, w / 2 - 3, 0]) cube([1.6 + 0.01, 6, lv]);   // tongue behind vertical leg
    }
    translate([lh - 14, w / 2, 0]) slot(7, 5.5);                         // slotted hole
    translate([0, w / 2, lv - 7]) rotate([0, 90, 0]) cylinder(d = 5.5, h = 20, center = true); // round hole
    translate([lh, w / 2, t]) rotate([0, 45, 0]) cube([3, w + 2, 3], center = true); // chamfer on leg tip
}
