// SPDX-License-Identifier: MIT
// read_gcode: G-code (a sliced print) back to the surface it prints, in two
// steps: parse_toolpath (the moves, layer by layer) and skin_toolpath (the
// walls, top and bottom surfaces as triangles). Limits: those of the two
// steps, the caller's triangle limit capped at kMaxToolpathTriangles, and
// the scanned file's ScanBudget: its deadline in both steps, and the skin's
// triangles charged before preparation multiplies their memory. read_bgcode:
// the same on the text a binary G-code holds (bgcode.hpp).
#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "io/gcode/bgcode.hpp"
#include "io/gcode/skin.hpp"
#include "io/gcode/toolpath.hpp"
#include "meshsentry/io.hpp"

namespace meshsentry {

Result<LoadedMesh> read_gcode(std::span<const std::byte> bytes, const LoadLimits& limits, ScanBudget* budget) {
  ScanBudget own(limits);
  ScanBudget& b = budget ? *budget : own;
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  auto path = gcode::parse_toolpath(text, &b);
  if (!path) return path.status();
  const std::uint64_t cap = std::min({limits.max_triangles, b.triangles_left(), gcode::kMaxToolpathTriangles});
  auto mesh = gcode::skin_toolpath(*path, cap, &b);
  if (!mesh) return mesh.status();
  if (Status s = b.add_geometry(mesh->triangles.size(), mesh->vertices.size()); !s.ok()) return s;
  LoadedMesh loaded;
  loaded.mesh = std::move(*mesh);
  loaded.format = Format::gcode;
  // The median of the layers' heights: the height of most of the print.
  std::vector<double> heights;
  for (const gcode::Layer& l : path->layers) heights.push_back(l.height);
  std::nth_element(heights.begin(), heights.begin() + heights.size() / 2, heights.end());
  loaded.layer_height = heights[heights.size() / 2];
  return loaded;
}

Result<LoadedMesh> read_bgcode(std::span<const std::byte> bytes, const LoadLimits& limits, ScanBudget* budget) {
  ScanBudget own(limits);
  ScanBudget& b = budget ? *budget : own;
  const std::size_t max_text = static_cast<std::size_t>(std::min<std::uint64_t>(limits.max_file_bytes, SIZE_MAX));
  auto text = gcode::decode_bgcode(bytes, max_text, &b);
  if (!text) return text.status();
  auto loaded = read_gcode(std::as_bytes(std::span(text->data(), text->size())), limits, &b);
  if (loaded) loaded->format = Format::bgcode;
  return loaded;
}

}  // namespace meshsentry
