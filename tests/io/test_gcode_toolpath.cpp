// SPDX-License-Identifier: MIT
// The G-code parser alone (io/gcode/parse_toolpath.cpp): short texts give
// the expected layers, moves, roles and widths, and each of its limits gives
// its error.
#include <catch2/catch.hpp>
#include <string>

#include "io/gcode/toolpath.hpp"

using namespace meshsentry;
using namespace meshsentry::gcode;

TEST_CASE("G-code parse: moves become layers of typed segments", "[io][gcode]") {
  const std::string text =
      "G90\nM83\nG1 Z0.2 F600\n"
      ";TYPE:External perimeter\n;WIDTH:0.5\n"
      "G1 X10 Y0 E1\n"
      "G1 X10 Y10 E+1 ; a comment after the move\r\n"
      "G0 X20 Y20\n"     // travel: not kept
      "G1 X30 Y20 E0\n"  // no extrusion: not kept
      ";TYPE:Top solid infill\n"
      "g1 x25 y20 e0.5\n"  // lower case
      ";HEIGHT:0.15\nG1 Z0.35\n"
      ";TYPE:Skirt\nG1 X0 Y0 E1\n";
  const auto path = parse_toolpath(text);
  REQUIRE(path.ok());
  REQUIRE(path->layers.size() == 2);
  const Layer& first = path->layers[0];
  CHECK(first.z == Approx(0.2));
  CHECK(first.height == Approx(0.2));  // no comment: the step from the bed
  REQUIRE(first.segments.size() == 3);
  const Segment& s = first.segments[1];
  CHECK(s.x0 == 10.0f);
  CHECK(s.y0 == 0.0f);
  CHECK(s.x1 == 10.0f);
  CHECK(s.y1 == 10.0f);
  CHECK(s.width == 0.5f);
  CHECK(s.role == Role::outer_wall);
  CHECK(first.segments[2].role == Role::top);
  CHECK(first.segments[2].x0 == 30.0f);
  const Layer& second = path->layers[1];
  CHECK(second.z == Approx(0.35));
  CHECK(second.height == Approx(0.15));  // from the comment
  REQUIRE(second.segments.size() == 1);
  CHECK(second.segments[0].role == Role::skip);
}

TEST_CASE("G-code parse: relative moves, G92 and untyped extrusions", "[io][gcode]") {
  const std::string text =
      "G1 Z0.3\nG92 E5 X1\nG91\nG1 X2 E0.1\nG1 Y3 E0.1\nG90\nG1 X0 Y0 E5.5\n;WIDTH:0.001\nG1 X1 E5.4\nG1 X2 E5.6\n";
  const auto path = parse_toolpath(text);
  REQUIRE(path.ok());
  REQUIRE(path->layers.size() == 1);
  const auto& segs = path->layers[0].segments;
  REQUIRE(segs.size() == 4);  // not the retraction to E5.4
  CHECK(segs[0].x0 == 1.0f);
  CHECK(segs[0].x1 == 3.0f);
  CHECK(segs[1].y1 == 3.0f);
  CHECK(segs[2].x1 == 0.0f);
  CHECK(segs[3].x0 == 1.0f);  // from where the retraction went
  for (const Segment& s : segs) {
    CHECK(s.role == Role::open_fill);  // no type comments, and no closed loop: fill (classify.hpp)
    CHECK(s.width == 0.45f);           // a width under kMinLine is ignored
  }
}

TEST_CASE("G-code parse: each limit is its error", "[io][gcode]") {
  SECTION("no extrusion") {
    const auto r = parse_toolpath("G28\nG0 X10 Y10 Z5\n; nothing printed\n");
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code == ErrorCode::empty);
  }
  SECTION("a coordinate past 1 km, with its line") {
    const auto r = parse_toolpath("G1 Z0.2\nG1 X1 E1\nG1 X2000000 E2\n");
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code == ErrorCode::format);
    CHECK(r.status().message == "G-code line 3: coordinate out of range");
  }
  SECTION("an extrusion longer than kMaxMove") {
    const auto r = parse_toolpath("G1 Z0.2\nG1 X2500 E1\n");
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code == ErrorCode::format);
    CHECK(r.status().message.find("longer than 2 m") != std::string::npos);
  }
  SECTION("a path longer than kMaxToolpathLength") {
    std::string text = "M83\nG1 Z0.2\n";
    const int moves = static_cast<int>(kMaxToolpathLength / 1999) + 2;
    for (int i = 0; i < moves; ++i) text += i % 2 ? "G1 X0 E1\n" : "G1 X1999 E1\n";
    const auto r = parse_toolpath(text);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code == ErrorCode::limit);
    CHECK(r.status().message == "limit: G-code toolpath longer than 20 km");
  }
}
