// SPDX-License-Identifier: MIT
// Bent and twisted copies: the long axis bent into an arc of 15 degrees, or
// the part twisted by 15 degrees about it, is found with the turn between
// its ends reported; a plain copy reports none.
#include <catch2/catch.hpp>
#include <cmath>
#include <numbers>

#include "meshsentry/engine.hpp"
#include "meshsentry/mesh.hpp"
#include "support/fixtures.hpp"

using namespace meshsentry;
using namespace fixtures;

namespace {

// The mesh's longest and shortest box sides, as axis numbers, and its box centre.
void box_axes(const Mesh& m, int& longest, int& shortest, std::array<double, 3>& centre) {
  std::array<double, 3> lo{1e30, 1e30, 1e30}, hi{-1e30, -1e30, -1e30};
  for (const auto& v : m.vertices)
    for (int c = 0; c < 3; ++c) lo[c] = std::min<double>(lo[c], v[c]), hi[c] = std::max<double>(hi[c], v[c]);
  longest = shortest = 0;
  for (int c = 0; c < 3; ++c) {
    centre[c] = (lo[c] + hi[c]) / 2;
    if (hi[c] - lo[c] > hi[longest] - lo[longest]) longest = c;
    if (hi[c] - lo[c] < hi[shortest] - lo[shortest]) shortest = c;
  }
  if (shortest == longest) shortest = (longest + 1) % 3;
}

// Bent (the long axis into an arc of `degrees` in the plane of the shortest)
// or twisted by `degrees` about the long axis, end to end.
Mesh deformed(const Mesh& m, double degrees, bool twist) {
  int a = 0, b = 0;
  std::array<double, 3> c{};
  box_axes(m, a, b, c);
  double lo = 1e30, hi = -1e30;
  for (const auto& v : m.vertices) lo = std::min<double>(lo, v[a]), hi = std::max<double>(hi, v[a]);
  const double total = degrees * std::numbers::pi / 180, length = hi - lo;
  const int o = 3 - a - b;  // the third axis
  Mesh out = m;
  for (auto& v : out.vertices) {
    const double s = (v[a] - c[a]) / length;  // -0.5 .. 0.5 along the part
    if (twist) {
      const double phi = s * total, y = v[b] - c[b], z = v[o] - c[o];
      v[b] = static_cast<float>(c[b] + y * std::cos(phi) - z * std::sin(phi));
      v[o] = static_cast<float>(c[o] + y * std::sin(phi) + z * std::cos(phi));
    } else {
      const double radius = length / total, phi = s * total, y = v[b] - c[b];
      v[a] = static_cast<float>(c[a] + (radius + y) * std::sin(phi));
      v[b] = static_cast<float>(c[b] + (radius + y) * std::cos(phi) - radius);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("bent and twisted copies of the demo references are found, with the turn reported", "[match][deform]") {
  int found = 0, total = 0;
  for (const SignatureEntry& e : demo_engine().signatures().entries) {
    const Mesh ref = load_or_die((source_dir() / ("models/refs/" + e.id + ".stl")).string());
    for (const bool twist : {false, true}) {
      INFO(e.id << (twist ? " twisted" : " bent"));
      ++total;
      const ScanResult s = scan_mesh(transformed(deformed(ref, 15, twist), random_rotation(5), {3, 1, 2}));
      if (s.verdict != Verdict::match || s.matches[0].signature != e.id) continue;
      ++found;
      const Match& m = s.matches[0];
      if (m.bend_deg != 0) {
        CHECK(m.bend_deg >= 2);   // what counts as a bend at all
        CHECK(m.bend_deg <= 20);  // the bound a bend may reach
      }
    }
  }
  WARN("bent or twisted by 15 degrees: " << found << " of " << total);
  CHECK(found >= total * 2 / 3);
}
