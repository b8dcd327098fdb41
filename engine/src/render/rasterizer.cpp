// SPDX-License-Identifier: MIT
// Edge-function rasterization (Pineda 1988) of every triangle into a
// supersampled colour + depth buffer, box-filtered down at the end; a
// two-sided headlight, tilted up and left so faces facing the viewer are not
// all one shade, plus ambient. Orthographic, so depth is linear on screen.
#include "render/rasterizer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/vec.hpp"

namespace meshsentry::render {
namespace {

constexpr double kAmbient = 0.36;
// Dots this far in front of the surface (share of the picture's extent)
// still count as on it: the verified pose leaves the signature's points up
// to a few percent off the scanned surface.
constexpr double kDepthBias = 0.02;

Vec3d normalized(const Vec3d& v) {
  const double n = norm(v);
  return n > 0 ? mul(v, 1 / n) : Vec3d{0, 0, 0};
}

struct Canvas {
  int w, h;
  std::vector<std::uint8_t> rgb;
  std::vector<double> depth;  // larger is nearer the viewer

  Canvas(int w_, int h_, Rgb bg)
      : w(w_), h(h_), rgb(3 * static_cast<std::size_t>(w_) * h_),
        depth(static_cast<std::size_t>(w_) * h_, -std::numeric_limits<double>::infinity()) {
    for (std::size_t i = 0; i < depth.size(); ++i) {
      rgb[3 * i] = bg.r;
      rgb[3 * i + 1] = bg.g;
      rgb[3 * i + 2] = bg.b;
    }
  }
  void blend(int x, int y, Rgb c, double alpha) {
    std::uint8_t* p = &rgb[3 * (static_cast<std::size_t>(y) * w + x)];
    const std::uint8_t src[3] = {c.r, c.g, c.b};
    for (int k = 0; k < 3; ++k) p[k] = static_cast<std::uint8_t>(std::lround(src[k] * alpha + p[k] * (1 - alpha)));
  }
  // A dot of radius r (pixels here) with an outline `edge` wide.
  void dot(double cx, double cy, double r, double edge, Rgb fill, Rgb rim, double alpha) {
    const double fx0 = std::max(0.0, std::floor(cx - r)), fx1 = std::min(w - 1.0, std::ceil(cx + r));
    const double fy0 = std::max(0.0, std::floor(cy - r)), fy1 = std::min(h - 1.0, std::ceil(cy + r));
    if (!(fx0 <= fx1 && fy0 <= fy1)) return;
    const int x0 = static_cast<int>(fx0), x1 = static_cast<int>(fx1);
    const int y0 = static_cast<int>(fy0), y1 = static_cast<int>(fy1);
    for (int y = y0; y <= y1; ++y)
      for (int x = x0; x <= x1; ++x) {
        const double d = std::hypot(x + 0.5 - cx, y + 0.5 - cy);
        if (d <= r) blend(x, y, d > r - edge ? rim : fill, alpha);
      }
  }
};

Rgb shade(Rgb base, double intensity) {
  auto c = [&](std::uint8_t v) { return static_cast<std::uint8_t>(std::clamp(std::lround(v * intensity), 0L, 255L)); };
  return {c(base.r), c(base.g), c(base.b)};
}

// Camera basis: f towards the viewer, r to the right, u up on screen.
struct Camera {
  Vec3d f, r, u;
};

Camera camera_for(const View& view) {
  const Vec3d f = normalized(view.toward);
  Vec3d r = normalized(cross(view.up, f));
  if (norm(r) == 0) r = normalized(cross(Vec3d{0, 1, 0}, f));
  return {f, r, cross(f, r)};
}

// The extent on screen (right, up) of everything the window is fitted to.
struct Window {
  double lo[2] = {std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity()};
  double hi[2] = {-std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
  void extend(const Camera& cam, const Vec3d& p) {
    const double s[2] = {dot(p, cam.r), dot(p, cam.u)};
    for (int k = 0; k < 2; ++k) {
      lo[k] = std::min(lo[k], s[k]);
      hi[k] = std::max(hi[k], s[k]);
    }
  }
  // Nothing to fit, or an extent that overflows.
  bool empty() const { return !(lo[0] <= hi[0]) || !std::isfinite(hi[0] - lo[0]) || !std::isfinite(hi[1] - lo[1]); }
};

Window fit_window(const Mesh& mesh, std::span<const std::uint32_t> highlight, std::span<const Vec3d> points,
                  const Camera& cam, Fit fit) {
  Window win;
  if (fit == Fit::highlight && !highlight.empty()) {
    for (std::uint32_t t : highlight)
      if (t < mesh.triangles.size())
        for (std::uint32_t v : mesh.triangles[t])
          if (v < mesh.vertices.size()) win.extend(cam, to_d(mesh.vertices[v]));
  } else {
    for (const Vec3f& v : mesh.vertices) win.extend(cam, to_d(v));
  }
  for (const Vec3d& p : points) win.extend(cam, p);
  return win;
}

// World to canvas pixels (x right, y down, z towards the viewer), the window
// centred and scaled to fit inside the margins.
struct Projection {
  Camera cam;
  double cx, cy, mid[2], scale, extent;

  Projection(const Camera& c, const Window& win, const Canvas& cv, double margin) : cam(c) {
    extent = std::max({win.hi[0] - win.lo[0], win.hi[1] - win.lo[1], 1e-12});
    const double room_x = std::max(1.0, cv.w - 2.0 * margin);
    const double room_y = std::max(1.0, cv.h - 2.0 * margin);
    scale = std::min(room_x / std::max(win.hi[0] - win.lo[0], 1e-12 * extent),
                     room_y / std::max(win.hi[1] - win.lo[1], 1e-12 * extent));
    mid[0] = (win.lo[0] + win.hi[0]) / 2;
    mid[1] = (win.lo[1] + win.hi[1]) / 2;
    cx = cv.w / 2.0;
    cy = cv.h / 2.0;
  }
  Vec3d operator()(const Vec3d& p) const {
    return {cx + (dot(p, cam.r) - mid[0]) * scale, cy - (dot(p, cam.u) - mid[1]) * scale, dot(p, cam.f) * scale};
  }
};

// One triangle (canvas coordinates a, b, c) into the colour and depth buffers.
void fill_triangle(Canvas& cv, const Vec3d& a, const Vec3d& b, const Vec3d& c, double area, Rgb color) {
  // Clamped in double before the cast: nothing off-screen (or NaN) reaches an int.
  const double fx0 = std::max(0.0, std::floor(std::min({a[0], b[0], c[0]})));
  const double fx1 = std::min(cv.w - 1.0, std::ceil(std::max({a[0], b[0], c[0]})));
  const double fy0 = std::max(0.0, std::floor(std::min({a[1], b[1], c[1]})));
  const double fy1 = std::min(cv.h - 1.0, std::ceil(std::max({a[1], b[1], c[1]})));
  if (!(fx0 <= fx1 && fy0 <= fy1)) return;
  const int x0 = static_cast<int>(fx0), x1 = static_cast<int>(fx1);
  const int y0 = static_cast<int>(fy0), y1 = static_cast<int>(fy1);
  const double inv = 1 / area;
  for (int y = y0; y <= y1; ++y) {
    const double py = y + 0.5;
    for (int x = x0; x <= x1; ++x) {
      const double px = x + 0.5;
      // Barycentric weights; dividing by the signed area makes both windings inside-positive.
      const double w0 = ((b[0] - px) * (c[1] - py) - (b[1] - py) * (c[0] - px)) * inv;
      const double w1 = ((c[0] - px) * (a[1] - py) - (c[1] - py) * (a[0] - px)) * inv;
      const double w2 = 1 - w0 - w1;
      if (w0 < 0 || w1 < 0 || w2 < 0) continue;
      const double z = w0 * a[2] + w1 * b[2] + w2 * c[2];
      const std::size_t at = static_cast<std::size_t>(y) * cv.w + x;
      if (z <= cv.depth[at]) continue;
      cv.depth[at] = z;
      cv.blend(x, y, color, 1);
    }
  }
}

// Every triangle, flat-shaded under the headlight; highlighted ones in their colour.
void draw_mesh(Canvas& cv, const Mesh& mesh, std::span<const std::uint32_t> highlight, const Projection& project,
               const RenderStyle& style) {
  std::vector<Vec3d> screen(mesh.vertices.size());
  for (std::size_t i = 0; i < screen.size(); ++i) screen[i] = project(to_d(mesh.vertices[i]));
  std::vector<char> marked(mesh.triangles.size(), 0);
  for (std::uint32_t t : highlight)
    if (t < marked.size()) marked[t] = 1;

  const Camera& cam = project.cam;
  const Vec3d light = normalized(add(add(cam.f, mul(cam.u, 0.45)), mul(cam.r, -0.35)));
  for (std::size_t t = 0; t < mesh.triangles.size(); ++t) {
    const Tri& tri = mesh.triangles[t];
    if (tri[0] >= screen.size() || tri[1] >= screen.size() || tri[2] >= screen.size()) continue;
    const Vec3d &a = screen[tri[0]], &b = screen[tri[1]], &c = screen[tri[2]];
    const double area = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
    if (!(std::abs(area) > 1e-12)) continue;  // edge-on or degenerate
    const Vec3d wa = to_d(mesh.vertices[tri[0]]);
    const Vec3d n = normalized(cross(sub(to_d(mesh.vertices[tri[1]]), wa), sub(to_d(mesh.vertices[tri[2]]), wa)));
    const Rgb color =
        shade(marked[t] ? style.highlight : style.surface, kAmbient + (1 - kAmbient) * std::abs(dot(n, light)));
    fill_triangle(cv, a, b, c, area, color);
  }
}

// Dots: the hidden ones first and faint, the visible ones over them.
void draw_points(Canvas& cv, std::span<const Vec3d> points, const Projection& project, const RenderStyle& style,
                 int ss) {
  const double bias = kDepthBias * project.extent * project.scale;
  std::vector<Vec3d> shown, hidden;
  for (const Vec3d& p : points) {
    const Vec3d s = project(p);
    if (!(s[0] >= 0 && s[1] >= 0 && s[0] < cv.w && s[1] < cv.h)) continue;  // the fit keeps them in; NaN is not
    const std::size_t at = static_cast<std::size_t>(s[1]) * cv.w + static_cast<std::size_t>(s[0]);
    (s[2] + bias < cv.depth[at] ? hidden : shown).push_back(s);
  }
  // Dots a third of their typical spacing wide: a part drawn small keeps
  // its surface visible between them.
  double radius = style.point_radius * ss;
  if (!points.empty()) {
    double plo[2] = {std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity()};
    double phi[2] = {-plo[0], -plo[1]};
    for (const Vec3d& s : shown) {
      for (int k = 0; k < 2; ++k) {
        plo[k] = std::min(plo[k], s[k]);
        phi[k] = std::max(phi[k], s[k]);
      }
    }
    if (shown.size() > 1) {
      const double spacing = std::sqrt((phi[0] - plo[0] + 1) * (phi[1] - plo[1] + 1) / shown.size());
      radius = std::min(radius, std::max(spacing / 3, 1.2 * ss));
    }
  }
  for (const Vec3d& s : hidden) cv.dot(s[0], s[1], radius * 0.75, 0, style.point, style.point, style.hidden_alpha);
  for (const Vec3d& s : shown) cv.dot(s[0], s[1], radius, 0.7 * ss, style.point, style.point_edge, 1);
}

// Box filter of the ss x ss supersampled canvas down to the output size.
void downsample(const Canvas& cv, int ss, Image& out) {
  out.rgb.resize(3 * static_cast<std::size_t>(out.width) * out.height);
  const int n = ss * ss;
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x)
      for (int k = 0; k < 3; ++k) {
        int sum = 0;
        for (int dy = 0; dy < ss; ++dy)
          for (int dx = 0; dx < ss; ++dx)
            sum += cv.rgb[3 * (static_cast<std::size_t>(y * ss + dy) * cv.w + (x * ss + dx)) + k];
        out.rgb[3 * (static_cast<std::size_t>(y) * out.width + x) + k] = static_cast<std::uint8_t>((sum + n / 2) / n);
      }
}

}  // namespace

Image render_view(const Mesh& mesh, std::span<const std::uint32_t> highlight, std::span<const Vec3d> points,
                  const View& view, const RenderStyle& style, Fit fit) {
  if (style.width <= 0 || style.height <= 0) return {};
  const int ss = std::clamp(style.supersample, 1, 8);
  Canvas cv(style.width * ss, style.height * ss, style.background);
  const Camera cam = camera_for(view);
  // Fit the orthographic window to everything drawn.
  const Window win = fit_window(mesh, highlight, points, cam, fit);
  Image out{style.width, style.height, {}};
  if (win.empty()) {
    out.rgb.resize(3 * static_cast<std::size_t>(style.width) * style.height);
    for (std::size_t i = 0; i < out.rgb.size(); i += 3) {
      out.rgb[i] = style.background.r;
      out.rgb[i + 1] = style.background.g;
      out.rgb[i + 2] = style.background.b;
    }
    return out;
  }
  const Projection project(cam, win, cv, double(style.margin) * ss);
  draw_mesh(cv, mesh, highlight, project, style);
  draw_points(cv, points, project, style, ss);
  downsample(cv, ss, out);
  return out;
}

}  // namespace meshsentry::render
