// SPDX-License-Identifier: MIT
// A small software rasterizer for report pictures: z-buffered, flat-shaded
// triangles under an orthographic camera fit to the geometry, with points
// drawn on top as dots. Deterministic (no threads, no GPU): the same mesh
// gives the same bytes. Cost O(triangles + covered pixels) per view.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "meshsentry/mesh.hpp"

namespace meshsentry::render {

struct Rgb {
  std::uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb&) const = default;
};

// 8-bit RGB, row-major, top row first: what the PNG writer takes.
struct Image {
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgb;  // 3 * width * height bytes

  Rgb at(int x, int y) const {
    const std::uint8_t* p = &rgb[3 * (static_cast<std::size_t>(y) * width + x)];
    return {p[0], p[1], p[2]};
  }
};

// Where the camera looks from: `toward` points from the object to the
// viewer, `up` is the world direction shown upwards (need not be orthogonal).
struct View {
  const char* name;
  Vec3d toward;
  Vec3d up;
};
inline constexpr View kFrontView{"front", {0, -1, 0}, {0, 0, 1}};
inline constexpr View kTopView{"top", {0, 0, 1}, {0, 1, 0}};
inline constexpr View kIsoView{"isometric", {1, -1, 1}, {0, 0, 1}};

struct RenderStyle {
  int width = 480, height = 360;  // output pixels
  int supersample = 2;            // per axis; box-filtered down
  int margin = 16;                // pixels left free around the fitted geometry
  Rgb background{246, 247, 249};
  Rgb surface{150, 165, 186};     // shaded triangles
  Rgb highlight{96, 132, 196};    // triangles marked in `highlight` (the matched body)
  Rgb point{236, 84, 34};         // overlay dots
  Rgb point_edge{255, 255, 255};
  double point_radius = 3.0;      // output pixels, at most (1.2 at least)
  double hidden_alpha = 0.28;     // dots behind the surface: faint, smaller
};

// What the orthographic window is fitted to: the whole mesh, or only the
// highlighted triangles (a close-up; the rest is clipped). Points always count.
enum class Fit { everything, highlight };

// Renders `mesh` from `view`. Triangles whose index is in `highlight` (any
// order, may be empty) take the highlight colour. `points` (already in the
// mesh's coordinates) are drawn as dots: full where the surface does not hide
// them, faint where it does; dots shrink where many crowd a small part.
Image render_view(const Mesh& mesh, std::span<const std::uint32_t> highlight,
                  std::span<const Vec3d> points, const View& view, const RenderStyle& style = {},
                  Fit fit = Fit::everything);

}  // namespace meshsentry::render
