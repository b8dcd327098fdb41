// SPDX-License-Identifier: MIT
// The toolpath skin alone (io/gcode/skin.cpp) on toolpaths made by hand: a
// square wall loop gives its walls and caps with the expected counts, bounds
// and facing; a covered layer gives no caps between layers; limits and empty
// skins are errors.
#include <catch2/catch.hpp>

#include "io/gcode/skin.hpp"

using namespace meshsentry;
using namespace meshsentry::gcode;

namespace {

// A counter-clockwise square outer wall loop of `size` mm at height z.
Layer square_layer(double z, float size = 10, float width = 0.4f) {
  Layer l;
  l.z = z;
  l.height = 0.2;
  const float xs[] = {0, size, size, 0, 0}, ys[] = {0, 0, size, size, 0};
  for (int i = 0; i < 4; ++i) l.segments.push_back({xs[i], ys[i], xs[i + 1], ys[i + 1], width, Role::outer_wall});
  return l;
}

// The z of the normal of triangle t: (b - a) x (c - a).
double normal_z(const Mesh& m, const Tri& t) {
  const Vec3f &a = m.vertices[t[0]], &b = m.vertices[t[1]], &c = m.vertices[t[2]];
  return double(b[0] - a[0]) * (c[1] - a[1]) - double(b[1] - a[1]) * (c[0] - a[0]);
}

}  // namespace

TEST_CASE("G-code skin: one square loop is four walls, a top and a bottom", "[io][gcode]") {
  Toolpath path;
  path.layers.push_back(square_layer(0.2));
  const auto mesh = skin_toolpath(path, 1000);
  REQUIRE(mesh.ok());
  // Per segment: its wall, the strip above it and the strip under it.
  CHECK(mesh->triangles.size() == 4 * 3 * 2);
  CHECK(mesh->vertices.size() == 4 * 3 * 4);
  const BoundingBox box = bounding_box(mesh->vertices);
  // Walls half a width outside the nozzle's path, from the layer's bottom to its top.
  CHECK(box.min[0] == Approx(-0.2).margin(1e-5));
  CHECK(box.min[1] == Approx(-0.2).margin(1e-5));
  CHECK(box.max[0] == Approx(10.2).margin(1e-5));
  CHECK(box.max[1] == Approx(10.2).margin(1e-5));
  CHECK(box.min[2] == Approx(0).margin(1e-6));
  CHECK(box.max[2] == Approx(0.2).margin(1e-6));
  int up = 0, down = 0;
  for (const Tri& t : mesh->triangles) {
    const double nz = normal_z(*mesh, t);
    const float z = mesh->vertices[t[0]][2];
    if (nz > 1e-9) up += z == Approx(0.2f).margin(1e-6) ? 1 : -100;  // caps face out of the layer
    if (nz < -1e-9) down += z == Approx(0.0f).margin(1e-6) ? 1 : -100;
  }
  CHECK(up == 8);
  CHECK(down == 8);
}

TEST_CASE("G-code skin: a layer covered by the next has no cap between them", "[io][gcode]") {
  Toolpath path;
  path.layers.push_back(square_layer(0.2));
  path.layers.push_back(square_layer(0.4));
  const auto mesh = skin_toolpath(path, 1000);
  REQUIRE(mesh.ok());
  CHECK(mesh->triangles.size() == 2 * 4 * 2 * 2);  // two layers: walls, and one cap each
  const BoundingBox box = bounding_box(mesh->vertices);
  CHECK(box.min[2] == Approx(0).margin(1e-6));
  CHECK(box.max[2] == Approx(0.4).margin(1e-6));
}

TEST_CASE("G-code skin: limits and empty skins", "[io][gcode]") {
  Toolpath path;
  path.layers.push_back(square_layer(0.2));
  const auto over = skin_toolpath(path, 10);
  REQUIRE_FALSE(over.ok());
  CHECK(over.status().code == ErrorCode::limit);
  CHECK(over.status().message == "limit: more than 10 triangles from the G-code's extrusions");

  for (Segment& s : path.layers[0].segments) s.role = Role::fill;  // covers, is no skin
  const auto none = skin_toolpath(path, 1000);
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().code == ErrorCode::empty);
}
