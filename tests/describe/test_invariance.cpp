// SPDX-License-Identifier: MIT
// Invariance as property tests over every stand-in model: rigid motions,
// scales from 0.01 to 100, mirrors and shuffles leave the descriptor within a
// bound far below the distance between different models; shuffles and
// re-encodings leave the geometry hash equal.
#include <catch2/catch.hpp>
#include <filesystem>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "describe/shape_histograms.hpp"
#include "describe/vertex_spacing.hpp"
#include "match/descriptor_distance.hpp"
#include "meshsentry/describe.hpp"
#include "support/fixtures.hpp"

using namespace meshsentry;
using namespace fixtures;

namespace {

struct Described {
  GeometryHash hash;
  ShapeDescriptor d;
};

Described describe(const Mesh& m) {
  auto pm = prepare(m);
  REQUIRE(pm.ok());
  return {geometry_hash(pm->mesh), describe_shape(pm->mesh, {}, pm->mass, DescriptorParams{})};
}

std::vector<std::filesystem::path> model_files() {
  std::vector<std::filesystem::path> out;
  for (const char* dir : {"models/refs", "models/benign"})
    for (const auto& e : std::filesystem::directory_iterator(source_dir() / dir))
      if (e.path().extension() == ".stl") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("descriptors are invariant to motion, scale, mirror and order", "[describe][invariance]") {
  const auto files = model_files();
  REQUIRE(files.size() >= 10);
  std::vector<Described> base;
  for (const auto& f : files) base.push_back(describe(load_or_die(f.string())));

  double max_variant = 0;
  std::mt19937_64 rng(2024);
  std::uniform_real_distribution<double> log_scale(std::log(0.01), std::log(100.0));
  for (std::size_t i = 0; i < files.size(); ++i) {
    const Mesh m = load_or_die(files[i].string());
    for (int trial = 0; trial < 3; ++trial) {
      const double s = std::exp(log_scale(rng));
      auto r = random_rotation(rng());
      if (trial == 1)  // mirror: negate one column
        for (int k = 0; k < 3; ++k) r[3 * k] = -r[3 * k];
      for (double& x : r) x *= s;
      const Mesh moved = shuffled(transformed(m, r, {100 * s, -40 * s, 7 * s}), rng());
      const double dist = descriptor_distance(describe(moved).d, base[i].d).total;
      INFO(files[i].filename() << " scale " << s << " trial " << trial);
      if (std::getenv("MESHSENTRY_TEST_VERBOSE")) std::printf("%s scale %g trial %d: %g\n", files[i].filename().c_str(), s, trial, dist);
      max_variant = std::max(max_variant, dist);
    }
    // Pure re-ordering keeps even the exact hash.
    CHECK(describe(shuffled(m, 99 + i)).hash == base[i].hash);
  }
  double min_between = 1e9;
  for (std::size_t i = 0; i < base.size(); ++i)
    for (std::size_t j = i + 1; j < base.size(); ++j)
      min_between = std::min(min_between, descriptor_distance(base[i].d, base[j].d).total);
  INFO("largest distance of a variant " << max_variant << ", smallest between models " << min_between);
  CHECK(max_variant < min_between / 3);
}

TEST_CASE("describing is deterministic", "[describe]") {
  const Mesh m = load_or_die((source_dir() / "models/refs/ratchet_wheel_18t.stl").string());
  const Described a = describe(m), b = describe(m);
  CHECK(a.hash == b.hash);
  CHECK(a.d.d2 == b.d.d2);
  CHECK(a.d.d1 == b.d.d1);
  CHECK(a.d.a3 == b.d.a3);
  CHECK(a.d.rms_radius == b.d.rms_radius);
}

TEST_CASE("histograms are normalised and scalars in range", "[describe]") {
  const Described a = describe(cube(4));
  for (const auto* h : {&a.d.d2, &a.d.d1, &a.d.a3}) {
    double s = 0;
    for (float v : *h) {
      CHECK(v >= 0);
      s += v;
    }
    CHECK(s == Approx(1).epsilon(1e-4));
  }
  // A cube: all principal variances equal, compactness pi/6.
  CHECK(a.d.moment_ratios[0] == Approx(1).epsilon(1e-3));
  CHECK(a.d.moment_ratios[1] == Approx(1).epsilon(1e-3));
  CHECK(a.d.compactness == Approx(M_PI / 6).epsilon(1e-3));
  CHECK(a.d.rms_radius == Approx(std::sqrt(3 * 4.0 * 4.0 * 5 / 36)).epsilon(1e-3));
}

TEST_CASE("vertex spacing measures the tessellation, not the shape", "[describe]") {
  auto spacing = [](const Mesh& m) {
    auto pm = prepare(m);
    REQUIRE(pm.ok());
    return vertex_spacing(pm->mesh, {});
  };
  CHECK(spacing(cube(10)) == Approx(10));
  CHECK(spacing(shuffled(cube(4), 3)) == Approx(4));
  // Splitting every edge of a model at its midpoint makes the spacing
  // clearly smaller (not half: CAD meshes bunch vertices on curves).
  const Mesh ref = load_or_die(model_files().front().string());
  Mesh fine;
  for (const auto& t : ref.triangles) {
    std::array<Vec3f, 6> p;
    for (int c = 0; c < 3; ++c) {
      p[c] = ref.vertices[t[c]];
      for (int k = 0; k < 3; ++k) p[3 + c][k] = 0.5f * (ref.vertices[t[c]][k] + ref.vertices[t[(c + 1) % 3]][k]);
    }
    for (auto tri : {std::array<int, 3>{0, 3, 5}, {3, 1, 4}, {5, 4, 2}, {3, 4, 5}}) {
      const auto base = static_cast<std::uint32_t>(fine.vertices.size());
      for (int c : tri) fine.vertices.push_back(p[c]);
      fine.triangles.push_back({base, base + 1, base + 2});
    }
  }
  CHECK(spacing(fine) < 0.85 * spacing(ref));
}

TEST_CASE("the D2 histogram equals the plain pair-by-pair count", "[describe]") {
  // The fast version (vector loop, fixed-point lanes) against the definition:
  // every pair's distance split between its two nearest bin centres.
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-3, 5);
  for (std::size_t count : {2u, 3u, 17u, 640u, 5000u}) {
    std::vector<Vec3f> p(count);
    for (auto& x : p) x = {u(rng), u(rng), u(rng)};
    const double scale = 2.5, range = 3;
    const std::uint32_t bins = 24;
    const std::size_t stride = (count + 2047) / 2048;
    std::vector<double> want(bins, 0);
    for (std::size_t i = 0; i < count; i += stride)
      for (std::size_t j = i + stride; j < count; j += stride) {
        const double d = std::sqrt(double((p[i][0] - p[j][0]) * (p[i][0] - p[j][0]) +
                                          (p[i][1] - p[j][1]) * (p[i][1] - p[j][1]) +
                                          (p[i][2] - p[j][2]) * (p[i][2] - p[j][2])));
        const double x = d * bins / (range * scale) - 0.5;
        if (x <= 0) {
          want[0] += 1;
        } else if (x >= bins - 1) {
          want[bins - 1] += 1;
        } else {
          const auto b = static_cast<std::size_t>(x);
          want[b] += 1 - (x - b);
          want[b + 1] += x - b;
        }
      }
    double total = 0;
    for (double w : want) total += w;
    const std::vector<float> got = d2_histogram(p, scale, range, bins);
    REQUIRE(got.size() == bins);
    for (std::uint32_t b = 0; b < bins; ++b) CHECK(got[b] == Approx(want[b] / total).margin(1e-6));
  }
}
