// SPDX-License-Identifier: MIT
// meshsentry unit-test mesh: tetrahedron, 4 triangles.
polyhedron(
    points = [[0, 0, 0], [10, 0, 0], [0, 10, 0], [0, 0, 10]],
    faces  = [[0, 1, 2], [0, 3, 1], [0, 2, 3], [1, 3, 2]]
);
