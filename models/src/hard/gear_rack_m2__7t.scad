// SPDX-License-Identifier: MIT
// meshsentry hard negative: variant of refs/gear_rack_m2 with 7 teeth instead of
// 9 (shorter bar); module, profile, tab and holes are the same design. A scanner
// must not report it as gear_rack_m2.
m     = 2;
p     = PI * m;           // circular pitch
n     = 7;                // teeth (reference 9)
tab   = 10;               // plain tab at the start
base  = 8;                // bar height below the root line
ha    = m;                // addendum
hf    = 1.25 * m;         // dedendum
pa    = 20;               // pressure angle
width = 10;               // face width (y)

function tooth(i) =
    let(x0 = tab + i * p, dx = (ha + hf) * tan(pa), b = p / 2 + 2 * hf * tan(pa))
    [[x0, base], [x0 + dx, base + ha + hf], [x0 + b - dx, base + ha + hf], [x0 + b, base]];

profile = concat(
    [[0, 0], [tab + n * p + 2, 0], [tab + n * p + 2, base]],
    [for (i = [n - 1 : -1 : 0]) each [tooth(i)[3], tooth(i)[2], tooth(i)[1], tooth(i)[0]]],
    [[0, base + 2]]
);

difference() {
    rotate([90, 0, 0]) translate([0, 0, -width]) linear_extrude(height = width) polygon(profile);
    for (x = [tab / 2, tab + n * p / 2 + 1])
        translate([x, -1, base / 2]) rotate([-90, 0, 0]) cylinder(d = 3.4, h = width + 2, $fn = 20);
}
