// SPDX-License-Identifier: MIT
// meshsentry hard negative: variant of refs/ratchet_wheel_18t with 20 instead of
// 18 saw teeth on the same tip and root radii; hub, D bore and lightening holes
// are the same design. A scanner must not report it as ratchet_wheel_18t.
// Reference description: ratchet wheel with 18 asymmetric
// (saw-tooth) teeth, a raised hub on one face, a D-shaped 8 mm bore and three
// lightening holes.
n  = 20;    // teeth (reference 18)
ro = 25;    // tip radius
rr = 20.5;  // root radius
T  = 6;     // wheel thickness

function pt(r, a) = [r * cos(a), r * sin(a)];

saw = [for (i = [0 : n - 1]) each [pt(ro, i * 360 / n), pt(rr, i * 360 / n + 1.5)]];

difference() {
    union() {
        linear_extrude(height = T) polygon(saw);
        translate([0, 0, T - 0.01]) cylinder(d = 16, h = 4, $fn = 40);
    }
    translate([0, 0, -1]) difference() {                                  // D bore
        cylinder(d = 8, h = T + 6, $fn = 32);
        translate([3.2, -5, -1]) cube([5, 10, T + 8]);
    }
    for (a = [30, 150, 270]) rotate([0, 0, a]) translate([14.2, 0, -1]) cylinder(d = 5, h = T + 2, $fn = 20);
}
