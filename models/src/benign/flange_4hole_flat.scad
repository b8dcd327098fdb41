// SPDX-License-Identifier: MIT
// meshsentry benign look-alike: wide thin flange with 4 bolt holes, a short
// straight hub, a plain 14 mm bore (no key, no set screw) and a centring spigot
// underneath. Same family as the 3-hole flange, different design.
$fn = 48;

difference() {
    union() {
        translate([0, 0, -2 + 0.01]) cylinder(d = 40, h = 2);   // centring spigot
        cylinder(d = 66, h = 4);                                // thin wide disc
        cylinder(d = 30, h = 10);                               // short hub
    }
    translate([0, 0, -5]) cylinder(d = 14, h = 20);             // plain bore
    for (a = [45 : 90 : 315])
        rotate([0, 0, a]) translate([26, 0, -1]) cylinder(d = 6.5, h = 10, $fn = 20);
}
