// SPDX-License-Identifier: MIT
// What a score promises: a plain box of a part's size is not the part, and a
// high score means most of the part lies within the tight tolerance.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "meshsentry/engine.hpp"
#include "support/fixtures.hpp"

using namespace meshsentry;
using namespace fixtures;

namespace {

// The 12-triangle box around `m` along its own axes, grown by `grow` of its size.
Mesh bounding_box(const Mesh& m, double grow) {
  Vec3f lo = m.vertices[0], hi = m.vertices[0];
  for (const Vec3f& v : m.vertices)
    for (int i = 0; i < 3; ++i) lo[i] = std::min(lo[i], v[i]), hi[i] = std::max(hi[i], v[i]);
  std::array<double, 9> linear{};
  std::array<double, 3> shift{};
  for (int i = 0; i < 3; ++i) {
    const double size = (hi[i] - lo[i]) * (1 + grow);
    linear[4 * i] = size / 10.0;  // fixtures::cube spans 0..10
    shift[i] = 0.5 * (lo[i] + hi[i]) - size / 2;
  }
  return transformed(cube(10.0f), linear, shift);
}

// Every flagged match obeys the score's promise.
void check_promise(const ScanResult& r) {
  for (const Match& m : r.matches) {
    INFO(m.signature << " score " << m.score << " coverage " << m.coverage);
    if (m.score >= 0.9) CHECK(m.coverage >= 0.5);
    if (m.verdict == Verdict::match) CHECK(m.detail >= 0.5);
  }
}

}  // namespace

TEST_CASE("a plain box of a reference's size is not flagged as it", "[match][score]") {
  std::mt19937_64 rng(5);
  for (const SignatureEntry& e : demo_engine().signatures().entries) {
    const Mesh ref = load_or_die((source_dir() / ("models/refs/" + e.id + ".stl")).string());
    for (double grow : {0.0, 0.01}) {
      const ScanResult r = scan_mesh(transformed(bounding_box(ref, grow), random_rotation(rng()), {3, 1, 4}));
      INFO(e.id << " grown " << grow << ": " << (r.matches.empty() ? "" : r.matches[0].signature));
      CHECK_FALSE(is_flagged(r.verdict));
    }
  }
}

TEST_CASE("a score of 0.9 or more only with half the part within the tight tolerance", "[match][score]") {
  for (const SignatureEntry& e : demo_engine().signatures().entries) {
    const Mesh ref = load_or_die((source_dir() / ("models/refs/" + e.id + ".stl")).string());
    INFO(e.id);
    // Coarse and noisy copies stay flagged, as matches or as coarse suspects.
    const ScanResult coarse = scan_mesh(clustered(ref, std::max<std::size_t>(ref.triangles.size() / 5, 60)));
    INFO("nearest " << (coarse.candidates.empty() ? "" : coarse.candidates[0].signature) << " "
                    << (coarse.candidates.empty() ? 0.0 : coarse.candidates[0].score));
    CHECK(is_flagged(coarse.verdict));
    check_promise(coarse);
    const ScanResult noisy = scan_mesh(jittered(ref, 0.002, 17));
    CHECK(is_flagged(noisy.verdict));
    check_promise(noisy);
    for (const Match& m : coarse.matches)
      if (m.verdict == Verdict::suspect && m.method != Method::piece) CHECK(m.reason == "coarse");
  }
}
