// SPDX-License-Identifier: MIT
// Deformed copies: a reference stretched along its own axes, or with its
// surface offset by half a millimetre, as a slicer undoes, is found with
// the deformation reported; the similarity alone missed most of them.
#include <catch2/catch.hpp>
#include <cmath>

#include "common/geometry.hpp"
#include "meshsentry/engine.hpp"
#include "meshsentry/mesh.hpp"
#include "support/fixtures.hpp"

using namespace meshsentry;
using namespace fixtures;

namespace {

// Every vertex of the welded mesh moved `by` along its area-weighted normal.
Mesh offset(const Mesh& m, double by) {
  auto welded = prepare(m);
  REQUIRE(welded.ok());
  Mesh out = std::move(welded->mesh);
  std::vector<Vec3> normal(out.vertices.size(), Vec3::Zero());
  auto at = [&](std::uint32_t i) { return Vec3(out.vertices[i][0], out.vertices[i][1], out.vertices[i][2]); };
  for (const Tri& t : out.triangles) {
    const Vec3 n = (at(t[1]) - at(t[0])).cross(at(t[2]) - at(t[0]));
    for (int c = 0; c < 3; ++c) normal[t[c]] += n;
  }
  for (std::size_t i = 0; i < out.vertices.size(); ++i) {
    const Vec3 n = normal[i].normalized();
    for (int c = 0; c < 3; ++c) out.vertices[i][c] = static_cast<float>(out.vertices[i][c] + by * n(c));
  }
  return out;
}

}  // namespace

TEST_CASE("stretched and offset copies of the demo references are found, with their deformation", "[match][deform]") {
  int stretched = 0, offset_found = 0, total = 0;
  for (const SignatureEntry& e : demo_engine().signatures().entries) {
    const Mesh ref = load_or_die((source_dir() / ("models/refs/" + e.id + ".stl")).string());
    INFO(e.id);
    ++total;
    const ScanResult s = scan_mesh(transformed(ref, {1.10, 0, 0, 0, 0.92, 0, 0, 0, 1}, {0, 0, 0}));
    if (s.verdict == Verdict::match && s.matches[0].signature == e.id) {
      ++stretched;
      CHECK(s.matches[0].score >= 0.9);
      CHECK(s.matches[0].coverage >= 0.5);
    }
    for (const double by : {0.5, -0.5}) {
      const ScanResult o = scan_mesh(offset(ref, by));
      if (o.verdict != Verdict::match || o.matches[0].signature != e.id) continue;
      ++offset_found;
      const Match& m = o.matches[0];
      if (m.deformed()) CHECK(m.offset * by > 0);  // the offset found has the sign applied
    }
  }
  WARN("stretched 1.10 x 0.92: " << stretched << " of " << total << "; offset by 0.5 mm either way: " << offset_found
                                 << " of " << 2 * total);
  CHECK(stretched >= total / 2);
  CHECK(offset_found >= 3);  // the similarity alone found none
}

TEST_CASE("copies stretched along turned axes or sheared are found, with the stretch's directions", "[match][deform]") {
  // The attacker turns the part first, so the stretch is along no axis of it;
  // a shear is a turn and such a stretch.
  const std::array<double, 9> r = random_rotation(11);
  Mat3 turn;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) turn(i, j) = r[3 * i + j];
  Mat3 stretch = Vec3(1.10, 0.92, 1).asDiagonal();
  Mat3 shear = Mat3::Identity();
  shear(0, 2) = 0.15;
  int found = 0, total = 0;
  for (const SignatureEntry& e : demo_engine().signatures().entries) {
    const Mesh ref = load_or_die((source_dir() / ("models/refs/" + e.id + ".stl")).string());
    INFO(e.id);
    for (const Mat3& m : {Mat3(stretch * turn), Mat3(shear * turn)}) {
      ++total;
      std::array<double, 9> rows;
      for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 3; ++c) rows[3 * r + c] = m(r, c);
      const ScanResult s = scan_mesh(transformed(ref, rows, {0, 0, 0}));
      if (s.verdict != Verdict::match || s.matches[0].signature != e.id) continue;
      ++found;
      const Match& hit = s.matches[0];
      if (!hit.deformed()) continue;
      // The directions are unit vectors at right angles, the scales largest first.
      for (int a = 0; a < 3; ++a) {
        const Vec3 u(hit.stretch_axes[3 * a], hit.stretch_axes[3 * a + 1], hit.stretch_axes[3 * a + 2]);
        CHECK(std::abs(u.norm() - 1) < 1e-4);
        const int b = (a + 1) % 3;
        const Vec3 v(hit.stretch_axes[3 * b], hit.stretch_axes[3 * b + 1], hit.stretch_axes[3 * b + 2]);
        CHECK(std::abs(u.dot(v)) < 1e-4);
      }
      CHECK(hit.axis_scale[0] >= hit.axis_scale[1]);
      CHECK(hit.axis_scale[1] >= hit.axis_scale[2]);
    }
  }
  WARN("stretched along turned axes or sheared 0.15: " << found << " of " << total);
  CHECK(found >= total * 2 / 3);
}

TEST_CASE("a deformation is reported only with a match that needed it", "[match][deform]") {
  const Mesh ref = load_or_die((source_dir() / "models/refs/flange_3hole.stl").string());
  const ScanResult plain = scan_mesh(transformed(ref, random_rotation(3), {1, 2, 3}));
  REQUIRE(plain.verdict == Verdict::match);
  CHECK_FALSE(plain.matches[0].deformed());
}
