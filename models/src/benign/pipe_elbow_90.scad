// SPDX-License-Identifier: MIT
// meshsentry benign look-alike: 90 degree pipe elbow (bend radius 30 mm) with a
// socket cuff on each end.
$fn = 40;

R  = 30;   // bend radius
od = 20;
id = 16;

// socket cuff whose seat lies on the plane z = 0, opening towards -z
module cuff() {
    difference() {
        translate([0, 0, -14]) cylinder(d = od + 4, h = 14);
        translate([0, 0, -15]) cylinder(d = od + 0.4, h = 13);   // socket, 2 mm seat left
        translate([0, 0, -3]) cylinder(d = id, h = 4);           // bore through the seat
    }
}

union() {
    rotate_extrude(angle = 90, $fn = 48)
        translate([R, 0]) difference() { circle(d = od); circle(d = id); };
    translate([R, 0, 0]) rotate([-90, 0, 0]) cuff();   // +x end, opens towards -y
    translate([0, R, 0]) rotate([0, 90, 0]) cuff();    // +y end, opens towards -x
}
