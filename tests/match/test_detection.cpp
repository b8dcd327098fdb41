// SPDX-License-Identifier: MIT
// Detection over the stand-in models: every reference, moved, scaled,
// mirrored and re-encoded, is found with its own signature and a transform
// that lays the signature's points onto it; the benign look-alikes are not
// flagged by the demo set.
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "match/pose.hpp"
#include "meshsentry/engine.hpp"
#include "support/fixtures.hpp"

using namespace meshsentry;
using namespace fixtures;

namespace {

// Flagged with `id` first: a match, or a suspect whose part is all there
// but under half of it within the tight tolerance (a coarse or noisy copy).
bool found_as(const ScanResult& r, const std::string& id) {
  if (r.matches.empty() || r.matches[0].signature != id) return false;
  const Match& m = r.matches[0];
  return m.verdict == Verdict::match || (m.verdict == Verdict::suspect && m.reason == "coarse" && m.coverage < 0.5);
}

}  // namespace

TEST_CASE("every demo reference is found however it is moved, scaled or mirrored", "[match]") {
  std::mt19937_64 rng(31);
  for (const SignatureEntry& e : demo_engine().signatures().entries) {
    const Mesh ref = load_or_die((source_dir() / ("models/refs/" + e.id + ".stl")).string());
    for (int trial = 0; trial < 3; ++trial) {
      const double s = trial == 0 ? 25.4 : trial == 1 ? 0.37 : 1.0;
      auto r = random_rotation(rng());
      const bool mirror = trial == 2;
      if (mirror)
        for (int k = 0; k < 3; ++k) r[3 * k + 1] = -r[3 * k + 1];
      for (double& x : r) x *= s;
      const std::array<double, 3> t{13.0, -2.0, 40.0};
      const ScanResult res = scan_mesh(shuffled(transformed(ref, r, t), rng()));
      INFO(e.id << " trial " << trial);
      REQUIRE(res.verdict == Verdict::match);
      REQUIRE_FALSE(res.matches.empty());
      const Match& m = res.matches[0];
      CHECK(m.signature == e.id);
      CHECK(m.scale == Approx(s).epsilon(0.02));
      // The reported transform maps the reference's points onto the file:
      // compare with the transform we applied, on the reference's vertices.
      double worst = 0;
      for (const Vec3f& v : ref.vertices) {
        for (int i = 0; i < 3; ++i) {
          const double got = m.transform[4 * i] * v[0] + m.transform[4 * i + 1] * v[1] + m.transform[4 * i + 2] * v[2] +
                             m.transform[4 * i + 3];
          const double want = r[3 * i] * v[0] + r[3 * i + 1] * v[1] + r[3 * i + 2] * v[2] + t[i];
          worst = std::max(worst, std::abs(got - want));
        }
      }
      // Symmetric parts have several right answers; the fit must still be tight.
      CHECK(m.fit < 0.05);
      // A whole copy is all explained by its signature.
      CHECK(m.explained > 0.9);
      if (worst > 0.05 * s * e.descriptor.rms_radius) WARN(e.id << ": a symmetric pose was chosen");
    }
  }
}

TEST_CASE("benign look-alikes and test meshes are not flagged by the demo set", "[match]") {
  for (const char* dir : {"models/benign", "models/test"})
    for (const auto& f : std::filesystem::directory_iterator(source_dir() / dir)) {
      // fused_* and piece_*: a reference hidden in dummy material or cut, positives (below).
      const std::string name = f.path().filename().string();
      if (f.path().extension() != ".stl" || name.rfind("fused_", 0) == 0 || name.rfind("piece_", 0) == 0) continue;
      ScanOptions opt;
      opt.timing = false;
      auto r = demo_engine().scan_file(f.path().string(), opt);
      REQUIRE(r.size() == 1);
      INFO(f.path().filename() << " nearest " << (r[0].candidates.empty() ? "-" : r[0].candidates[0].signature));
      CHECK(r[0].verdict == Verdict::clean);
      CHECK(r[0].candidates.size() == 3);  // near misses are always reported
    }
}

TEST_CASE("an exact copy is an exact hit with the identity transform", "[match]") {
  ScanOptions opt;
  opt.timing = false;
  auto r = demo_engine().scan_file((source_dir() / "models/refs/flange_3hole.stl").string(), opt);
  REQUIRE(r.size() == 1);
  REQUIRE(r[0].verdict == Verdict::match);
  CHECK(r[0].matches[0].method == Method::exact);
  CHECK(r[0].matches[0].score == 1.0);
  CHECK(r[0].matches[0].transform[0] == 1.0);
  CHECK_FALSE(r[0].matches[0].mirrored);
}

TEST_CASE("parallel scans equal serial scans", "[match]") {
  ScanOptions one, two;
  one.timing = two.timing = false;
  one.threads = 1;
  two.threads = 2;
  const std::vector<std::string> paths{(source_dir() / "models").string()};
  const auto a = demo_engine().scan_paths(paths, one);
  const auto b = demo_engine().scan_paths(paths, two);
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].path == b[i].path);
    CHECK(a[i].hash == b[i].hash);
    REQUIRE(a[i].candidates.size() == b[i].candidates.size());
    for (std::size_t k = 0; k < a[i].candidates.size(); ++k)
      CHECK(a[i].candidates[k].score == b[i].candidates[k].score);
  }
}

TEST_CASE("a cancelled folder scan starts no new file and emits the ones already started, in order", "[match]") {
  const std::vector<std::string> paths{(source_dir() / "models/refs").string()};
  std::atomic<bool> stop{true};
  ScanOptions opt;
  opt.threads = 1;
  opt.cancel = &stop;
  std::size_t emitted = 0;
  const std::size_t found = demo_engine().scan_paths(paths, opt, [&](const ScanResult&) { ++emitted; });
  CHECK(found >= 8);
  CHECK(emitted == 0);  // cancelled before the first file
  // Cancelled from the callback after the third result: with one thread the
  // files after it are never started.
  stop = false;
  std::vector<std::string> seen;
  demo_engine().scan_paths(paths, opt, [&](const ScanResult& r) {
    seen.push_back(r.path);
    if (seen.size() == 3) stop = true;
  });
  CHECK(seen.size() == 3);
  CHECK(std::is_sorted(seen.begin(), seen.end()));
}

TEST_CASE("a large file scanned alone on two threads gives what one thread gives", "[match]") {
  // Past 4 MB and 100k triangles a file scanned alone hashes its bytes, and
  // counts a large body's topology, on a second thread: same result. A
  // 200-segment tube around a 150-segment ring, 120,000 triangles; a second,
  // small body; and a demo part, which must still be found.
  Mesh m;
  constexpr int kU = 400, kV = 150;
  auto at = [](int i, int j) {
    const double a = 2 * M_PI * (i % kU) / kU, c = 2 * M_PI * (j % kV) / kV;
    return meshsentry::Vec3f{float((40 + 8 * std::cos(c)) * std::cos(a)), float((40 + 8 * std::cos(c)) * std::sin(a)),
                             float(8 * std::sin(c))};
  };
  for (int i = 0; i < kU; ++i)
    for (int j = 0; j < kV; ++j) m.vertices.push_back(at(i, j));
  auto id = [](int i, int j) { return std::uint32_t((i % kU) * kV + j % kV); };
  for (int i = 0; i < kU; ++i)
    for (int j = 0; j < kV; ++j) {
      m.triangles.push_back({id(i, j), id(i + 1, j), id(i + 1, j + 1)});
      m.triangles.push_back({id(i, j), id(i + 1, j + 1), id(i, j + 1)});
    }
  append(m, transformed(cube(5), {1, 0, 0, 0, 1, 0, 0, 0, 1}, {100, 0, 0}));
  append(m, transformed(load_or_die((source_dir() / "models/refs/flange_3hole.stl").string()), random_rotation(3),
                        {-120, 0, 0}));
  TempDir d;
  const auto path = d.path / "big.stl";
  write_binary_stl(m, path);
  REQUIRE(std::filesystem::file_size(path) >= (std::size_t{4} << 20));
  ScanOptions one, two;
  one.timing = two.timing = false;
  one.threads = 1;
  two.threads = 2;
  const auto a = demo_engine().scan_file(path.string(), one);
  const auto b = demo_engine().scan_file(path.string(), two);
  REQUIRE(a.size() == 1);
  REQUIRE(b.size() == 1);
  CHECK(a[0].sha256 == b[0].sha256);
  CHECK(a[0].sha256.size() == 64);
  CHECK(a[0].hash == b[0].hash);
  CHECK(a[0].bodies == b[0].bodies);
  REQUIRE(a[0].verdict == Verdict::match);
  CHECK(b[0].verdict == Verdict::match);
  REQUIRE(a[0].matches.size() == b[0].matches.size());
  CHECK(a[0].matches[0].signature == "flange_3hole");
  for (std::size_t k = 0; k < a[0].matches.size(); ++k) {
    CHECK(a[0].matches[k].score == b[0].matches[k].score);
    CHECK(a[0].matches[k].transform == b[0].matches[k].transform);
  }
  REQUIRE(a[0].candidates.size() == b[0].candidates.size());
  for (std::size_t k = 0; k < a[0].candidates.size(); ++k) CHECK(a[0].candidates[k].score == b[0].candidates[k].score);
}

TEST_CASE("a part whose principal axes say nothing is still aligned", "[match]") {
  // A 10 mm cube with a 2x3x4 mm block beside it, off every symmetry plane:
  // all three principal variances nearly equal, yet one right pose, and
  // chiral, so a mirrored copy must be reported as mirrored.
  Mesh m = cube(10);
  const Mesh small = transformed(cube(1), {2, 0, 0, 0, 3, 0, 0, 0, 4}, {10.5, 0.5, 5});
  append(m, small);
  auto entry = describe_reference(m, DescriptorParams{});
  REQUIRE(entry.ok());
  entry->id = "cube_with_tab";
  SignatureSet set;
  set.entries.push_back(entry.value());
  const Engine engine(set);
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 4; ++trial) {
    auto r = random_rotation(rng());
    if (trial % 2)
      for (int k = 0; k < 3; ++k) r[3 * k] = -r[3 * k];
    TempDir d;
    write_binary_stl(shuffled(transformed(m, r, {3, 4, 5}), rng()), d.path / "x.stl");
    ScanOptions opt;
    opt.timing = false;
    auto res = engine.scan_file((d.path / "x.stl").string(), opt);
    REQUIRE(res.size() == 1);
    INFO("trial " << trial);
    REQUIRE(res[0].verdict == Verdict::match);
    CHECK(res[0].matches[0].coverage > 0.9);
    CHECK(res[0].matches[0].mirrored == (trial % 2 == 1));
  }
}

TEST_CASE("every demo reference clustered to half its triangles is found, at its size and in inches", "[match]") {
  // A decimated copy strays from the reference by about its own vertex
  // spacing; the tolerance allows for that at the reference's size or a
  // unit conversion of it.
  std::mt19937_64 rng(41);
  for (const SignatureEntry& e : demo_engine().signatures().entries) {
    const Mesh ref = load_or_die((source_dir() / ("models/refs/" + e.id + ".stl")).string());
    const Mesh coarse = clustered(ref, ref.triangles.size() / 2);
    for (const double s : {1.0, 1 / 25.4}) {
      auto r = random_rotation(rng());
      for (double& x : r) x *= s;
      const ScanResult res = scan_mesh(transformed(coarse, r, {5, 6, 7}));
      INFO(e.id << " at scale " << s << ", " << coarse.triangles.size() << " of " << ref.triangles.size()
                << " triangles");
      // A match, or a coarse suspect when under half of it lies within the
      // tight tolerance (the score's promise).
      REQUIRE(is_flagged(res.verdict));
      CHECK(res.matches[0].signature == e.id);
      if (res.verdict == Verdict::suspect) CHECK((res.matches[0].reason == "coarse" && res.matches[0].coverage < 0.5));
    }
  }
}

TEST_CASE("coarse views find demo references clustered to a fifth of their triangles", "[match]") {
  // At a fifth, the clustering cell is a sizeable share of a part and the
  // copy strays from the reference by more than any tolerance that keeps
  // look-alikes out; it lies close to the signature's view of about that
  // cell. The fixture's cells come from bisection on the triangle count,
  // not from the views' steps. The rack and the ratchet wheel end up
  // clustered just past a cell whose grid planes pass through many of their
  // vertices, where the count jumps; they change more between neighbouring
  // cells than the tolerance allows, and only the views at such aligned
  // cells find them (4 of 8 without views, 6 with the stepped views alone).
  SignatureSet bare = demo_engine().signatures();
  for (SignatureEntry& e : bare.entries) e.views.clear();
  const Engine without(std::move(bare));
  std::mt19937_64 rng(47);
  int found = 0, found_without = 0, by_view = 0, total = 0;
  for (const SignatureEntry& e : demo_engine().signatures().entries) {
    const Mesh ref = load_or_die((source_dir() / ("models/refs/" + e.id + ".stl")).string());
    const Mesh coarse = transformed(clustered(ref, ref.triangles.size() / 5), random_rotation(rng()), {5, 6, 7});
    const ScanResult res = scan_mesh(coarse);
    const bool hit = found_as(res, e.id);
    if (!hit)
      WARN(e.id << " clustered to a fifth is missed: " << to_string(res.verdict) << ", "
                << (res.matches.empty() ? res.candidates[0].signature : res.matches[0].signature) << " "
                << (res.matches.empty() ? res.candidates[0].score : res.matches[0].score) << " "
                << to_string(res.matches.empty() ? res.candidates[0].method : res.matches[0].method));
    found += hit;
    by_view += hit && res.matches[0].method == Method::coarse;
    const ScanResult plain = scan_mesh(coarse, without);
    const bool plain_hit = found_as(plain, e.id);
    CHECK((hit || !plain_hit));  // the views never lose what the reference finds
    found_without += plain_hit;
    ++total;
  }
  WARN("clustered to a fifth: " << found << " of " << total << " found, " << found_without << " without the views");
  CHECK(by_view > 0);
  CHECK(found == total);
}

TEST_CASE("every demo reference with noise on its vertices is found", "[match]") {
  // Noise moves the whole surface, so the tolerance widens with the median
  // residual when the surface looks perturbed (almost no coplanar neighbours).
  std::mt19937_64 rng(43);
  int found = 0, total = 0;
  for (const SignatureEntry& e : demo_engine().signatures().entries) {
    const Mesh ref = load_or_die((source_dir() / ("models/refs/" + e.id + ".stl")).string());
    for (const double sigma : {0.005, 0.005, 0.005}) {
      const ScanResult res = scan_mesh(transformed(jittered(ref, sigma, rng()), random_rotation(rng()), {1, 2, 3}));
      const bool hit = found_as(res, e.id);
      if (!hit) WARN(e.id << " with noise " << sigma << " of the diagonal is missed");
      found += hit;
      ++total;
    }
  }
  CHECK(found == total);
}

TEST_CASE("a plate holding two different parts reports both", "[match]") {
  Mesh plate = transformed(load_or_die((source_dir() / "models/refs/ratchet_wheel_18t.stl").string()),
                           random_rotation(11), {0, 0, 0});
  append(plate, transformed(load_or_die((source_dir() / "models/refs/star_knob_5lobe.stl").string()),
                            random_rotation(12), {120, 0, 0}));
  const ScanResult r = scan_mesh(plate);
  REQUIRE(r.verdict == Verdict::match);
  std::vector<std::string> found;
  double explained = 0;
  for (const Match& m : r.matches) {
    found.push_back(m.signature);
    CHECK(m.body >= 0);
    // Each part is a share of the plate's surface; together they are all of it.
    CHECK(m.explained > 0.05);
    CHECK(m.explained < 0.95);
    explained += m.explained;
  }
  std::sort(found.begin(), found.end());
  CHECK(found == std::vector<std::string>{"ratchet_wheel_18t", "star_knob_5lobe"});
  CHECK(explained > 0.9);
  CHECK(explained <= 1.0);
}

TEST_CASE("small parts next to a huge sheet of a few triangles are still searched", "[match]") {
  // A build plate exported as two triangles, 2 m across: it is the largest
  // body, has too few triangles to be a part, and holds almost all of the
  // file's area. The parts beside it must still be described on their own.
  Mesh plate = transformed(load_or_die((source_dir() / "models/refs/ratchet_wheel_18t.stl").string()),
                           random_rotation(21), {0, 0, 0});
  append(plate, transformed(load_or_die((source_dir() / "models/refs/star_knob_5lobe.stl").string()),
                            random_rotation(22), {120, 0, 0}));
  Mesh sheet;
  sheet.vertices = {{-1000, -1000, -50}, {1000, -1000, -50}, {1000, 1000, -50}, {-1000, 1000, -50}};
  sheet.triangles = {{0, 1, 2}, {0, 2, 3}};
  append(plate, sheet);
  const ScanResult r = scan_mesh(plate);
  REQUIRE(r.verdict == Verdict::match);
  std::vector<std::string> found;
  for (const Match& m : r.matches) found.push_back(m.signature);
  std::sort(found.begin(), found.end());
  CHECK(found == std::vector<std::string>{"ratchet_wheel_18t", "star_knob_5lobe"});
}

TEST_CASE("a part fused with dummy material is found at true scale, however it is turned", "[match]") {
  // models/test/fused_ratchet.stl: the ratchet wheel stand-in and a block
  // across its rim, one body (OpenSCAD union). Its descriptors are not the
  // wheel's; point-pair voting finds the wheel inside it.
  const Mesh fused = load_or_die((source_dir() / "models/test/fused_ratchet.stl").string());
  const Mesh wheel = load_or_die((source_dir() / "models/refs/ratchet_wheel_18t.stl").string());
  for (std::uint64_t seed : {0u, 5u, 9u}) {
    const auto rot = seed ? random_rotation(seed) : std::array<double, 9>{1, 0, 0, 0, 1, 0, 0, 0, 1};
    const std::array<double, 3> shift{7.0 * seed, -3.0, 11.0};
    const ScanResult r = scan_mesh(transformed(fused, rot, shift));
    REQUIRE(r.verdict == Verdict::match);
    const Match& m = r.matches[0];
    CHECK(m.signature == "ratchet_wheel_18t");
    CHECK(m.method == Method::fused);
    CHECK(m.scale == 1.0);
    CHECK_FALSE(m.mirrored);
    // The transform lays the wheel's vertices onto the moved wheel's vertices
    // (the wheel has 18-fold symmetry, so not necessarily onto their own).
    std::vector<std::array<double, 3>> expected;
    for (const auto& v : wheel.vertices) {
      std::array<double, 3> x = shift;
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) x[i] += rot[3 * i + j] * v[j];
      expected.push_back(x);
    }
    std::vector<double> gaps;
    for (const auto& v : wheel.vertices) {
      std::array<double, 3> mapped{};
      for (int i = 0; i < 3; ++i) {
        mapped[i] = m.transform[4 * i + 3];
        for (int j = 0; j < 3; ++j) mapped[i] += m.transform[4 * i + j] * v[j];
      }
      double nearest = 1e300;
      for (const auto& x : expected)
        nearest = std::min(nearest, std::hypot(mapped[0] - x[0], mapped[1] - x[1], mapped[2] - x[2]));
      gaps.push_back(nearest);
    }
    // 90% of the vertices land on a vertex; the rest may sit where a
    // symmetric pose differs from the original (the key in the bore).
    std::sort(gaps.begin(), gaps.end());
    const double p90 = gaps[gaps.size() * 9 / 10];
    CHECK(p90 < 1.0);  // mm: 2% of the 50 mm wheel, the verification tolerance
    CHECK(gaps[gaps.size() / 2] < 0.3);
  }
  // Without the fused stage it is not found: the stage is what finds it.
  ScanOptions off;
  off.timing = false;
  off.partial = false;
  auto r = demo_engine().scan_file((source_dir() / "models/test/fused_ratchet.stl").string(), off);
  REQUIRE(r.size() == 1);
  CHECK(r[0].verdict == Verdict::clean);
}

TEST_CASE("a part fused to a raft or to the floor of a box is found on its own surface", "[match]") {
  // models/test/fused_raft_pulley.stl: the timing pulley on a raft of 11 times its
  // footprint, 0.3 mm into it; fused_box_flange.stl: the flange on the floor of
  // an open box. One body each, much larger than the part: no descriptor
  // says "part", and the part's bottom face is buried in the material.
  // raft_plain.stl is the same raft with a plain boss and block (no part).
  for (const auto& [file, id] : {std::pair<const char*, const char*>{"fused_raft_pulley", "timing_pulley_20t"},
                                 std::pair<const char*, const char*>{"fused_box_flange", "flange_3hole"}}) {
    INFO(file);
    const Mesh fused = load_or_die((source_dir() / "models/test" / (std::string(file) + ".stl")).string());
    for (std::uint64_t seed : {0u, 3u}) {
      INFO("seed " << seed);
      const auto rot = seed ? random_rotation(seed) : std::array<double, 9>{1, 0, 0, 0, 1, 0, 0, 0, 1};
      const ScanResult r = scan_mesh(transformed(fused, rot, {5.0 * seed, 2.0, -4.0}));
      REQUIRE(r.verdict != Verdict::clean);
      CHECK(r.matches[0].signature == id);
      CHECK(r.matches[0].method == Method::fused);
      CHECK(r.matches[0].scale == 1.0);
      // Much of the file is the raft or the box: the part explains a small share.
      CHECK(r.matches[0].explained < 0.5);
    }
  }
  const ScanResult plain = scan_mesh(load_or_die((source_dir() / "models/test/raft_plain.stl").string()));
  CHECK(plain.verdict == Verdict::clean);
}

TEST_CASE("a cut piece holding a good share of a part is suspect; a sliver is clean", "[match]") {
  // models/test/piece_flange.stl: the flange stand-in cut by a slanted
  // plane (47% of its volume); sliver_flange.stl: the same cut 14 mm further
  // (14%). A piece is found by point-pair voting at scale 1, and its
  // cut faces lie inside the flange's material.
  const Mesh piece = load_or_die((source_dir() / "models/test/piece_flange.stl").string());
  const Mesh flange = load_or_die((source_dir() / "models/refs/flange_3hole.stl").string());
  for (std::uint64_t seed : {0u, 3u, 8u}) {
    const auto rot = seed ? random_rotation(seed) : std::array<double, 9>{1, 0, 0, 0, 1, 0, 0, 0, 1};
    const std::array<double, 3> shift{-4.0 * seed, 9.0, 2.0};
    const Mesh moved = transformed(piece, rot, shift);
    const ScanResult r = scan_mesh(moved);
    REQUIRE(r.verdict == Verdict::suspect);
    REQUIRE(r.matches.size() == 1);
    const Match& m = r.matches[0];
    CHECK(m.signature == "flange_3hole");
    CHECK(m.method == Method::piece);
    CHECK(m.verdict == Verdict::suspect);
    CHECK(m.score > 0.3);
    CHECK(m.score < 0.7);  // a share of the flange, not all of it
    // The transform lays a piece's share of the flange onto the file: at
    // least a quarter of the flange's vertices land within 1 mm (2% of the
    // 52 mm flange) of a vertex of the moved piece. (Not necessarily onto
    // their own: the flange is 3-fold symmetric but for its keyway.)
    std::size_t landed = 0;
    for (const auto& v : flange.vertices) {
      std::array<double, 3> x{};
      for (int i = 0; i < 3; ++i) {
        x[i] = m.transform[4 * i + 3];
        for (int j = 0; j < 3; ++j) x[i] += m.transform[4 * i + j] * v[j];
      }
      double nearest = 1e300;
      for (const auto& p : moved.vertices)
        nearest = std::min(nearest, std::hypot(p[0] - x[0], p[1] - x[1], p[2] - x[2]));
      landed += nearest < 1.0;
    }
    INFO("seed " << seed << ": " << landed << " of " << flange.vertices.size() << " flange vertices land on the piece");
    CHECK(landed >= flange.vertices.size() / 4);
  }
  const ScanResult sliver = scan_mesh(load_or_die((source_dir() / "models/test/sliver_flange.stl").string()));
  CHECK(sliver.verdict == Verdict::clean);
  // Without the piece search (--no-pieces) the piece is not flagged.
  ScanOptions off;
  off.timing = false;
  off.pieces = false;
  auto r = demo_engine().scan_file((source_dir() / "models/test/piece_flange.stl").string(), off);
  REQUIRE(r.size() == 1);
  CHECK(r[0].verdict == Verdict::clean);
}

TEST_CASE("a cut piece drawn in inches (25.4 times too small) is found, at the file's scale", "[match]") {
  // The point-pair stages vote at the signature's size; a small clean file
  // is matched again at 25.4 times its size (match/match_mesh.cpp).
  const Mesh piece = load_or_die((source_dir() / "models/test/piece_flange.stl").string());
  const double inch = 1 / 25.4;
  std::array<double, 9> small = random_rotation(4);
  for (double& v : small) v *= inch;
  const ScanResult r = scan_mesh(transformed(piece, small, {0.2, 0.1, 0.3}));
  REQUIRE(r.verdict == Verdict::suspect);
  const Match& m = r.matches[0];
  CHECK(m.signature == "flange_3hole");
  CHECK(m.method == Method::piece);
  CHECK(m.scale == Approx(inch).epsilon(0.02));
  // The transform is to the file's coordinates: its linear part scales by 1/25.4.
  const double det = m.transform[0] * (m.transform[5] * m.transform[10] - m.transform[6] * m.transform[9]) -
                     m.transform[1] * (m.transform[4] * m.transform[10] - m.transform[6] * m.transform[8]) +
                     m.transform[2] * (m.transform[4] * m.transform[9] - m.transform[5] * m.transform[8]);
  CHECK(std::cbrt(std::abs(det)) == Approx(inch).epsilon(0.02));
  // A small box is not a part in inches either.
  Mesh box = cube(10);
  CHECK(scan_mesh(transformed(box, {inch, 0, 0, 0, inch, 0, 0, 0, inch}, {0, 0, 0})).verdict == Verdict::clean);
}

TEST_CASE("a shorter or plainer member of a part's family is not a piece of it", "[match]") {
  // models/hard: other designs of the demo parts. Several are, as geometry,
  // pieces of the demo part (a 7-tooth rack of the 9-tooth one, a T-slot
  // bracket with one wall, a 16-tooth ratchet wheel), but each ends on faces
  // parallel to the part's own, where a cut piece shows a slanted cut.
  for (const auto& f : std::filesystem::directory_iterator(source_dir() / "models/hard")) {
    if (f.path().extension() != ".stl") continue;
    ScanOptions opt;
    opt.timing = false;
    auto r = demo_engine().scan_file(f.path().string(), opt);
    REQUIRE(r.size() == 1);
    INFO(f.path().filename());
    CHECK(r[0].verdict != Verdict::suspect);
  }
}

TEST_CASE("a sliced stand-in (G-code) is found at its printed size", "[match][gcode]") {
  // PrusaSlicer output of the T-slot bracket stand-in, gzipped: the archive
  // reader hands the G-code to the toolpath reader.
  ScanOptions opt;
  opt.timing = false;
  const auto results =
      demo_engine().scan_file((source_dir() / "tests/data/gcode/tslot_corner_bracket.gcode.gz").string(), opt);
  REQUIRE(results.size() == 2);  // the archive, then its member
  const ScanResult& member = results[1];
  CHECK(member.format == Format::gcode);
  REQUIRE(member.verdict == Verdict::match);
  const Match& m = member.matches[0];
  CHECK(m.signature == "tslot_corner_bracket");
  CHECK(m.method == Method::verified);
  CHECK(m.scale == Approx(1.0).margin(0.05));  // printed at true size; the pose search refines it
  CHECK(results[0].verdict == Verdict::match);
  // A sliced look-alike (a fluted knob, nearest to the star knob) stays clean.
  const auto benign = demo_engine().scan_file((source_dir() / "tests/data/gcode/knob_fluted.gcode.gz").string(), opt);
  REQUIRE(benign.size() == 2);
  CHECK(benign[1].format == Format::gcode);
  CHECK(benign[1].verdict == Verdict::clean);
  CHECK(benign[0].verdict == Verdict::clean);
}

namespace {

// The text of a gzipped file.
std::string gunzip(const std::filesystem::path& path) {
  gzFile f = gzopen(path.string().c_str(), "rb");
  REQUIRE(f);
  std::string text;
  char buf[65536];
  for (int n; (n = gzread(f, buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
  gzclose(f);
  return text;
}

// G-code lines without comments; with `every` > 1, only every `every`-th
// layer's extrusions (the others become travel moves): a print in layers
// that many times as thick.
std::string stripped(const std::string& text, int every = 1) {
  std::istringstream in(text);
  std::ostringstream out;
  std::string line;
  int layer = 0;
  double z = -1;
  while (std::getline(in, line)) {
    line = line.substr(0, line.find(';'));
    if (line.empty()) continue;
    if (const auto at = line.find(" Z"); line.rfind("G1 ", 0) == 0 && at != std::string::npos) {
      const double nz = std::stod(line.substr(at + 2));
      if (nz != z) ++layer, z = nz;
    }
    if (layer % every != 0 && line.rfind("G1 ", 0) == 0 && line.find(" X") != std::string::npos)
      line = line.substr(0, line.find(" E"));
    out << line << "\n";
  }
  return out.str();
}

}  // namespace

TEST_CASE("a sliced stand-in without comments is found; in a few layers, it is a suspect", "[match][gcode]") {
  const std::string text = gunzip(source_dir() / "tests/data/gcode/tslot_corner_bracket.gcode.gz");
  TempDir dir;
  ScanOptions opt;
  opt.timing = false;
  auto scan = [&](const std::string& gcode, const char* name) {
    const auto path = dir.path / name;
    std::ofstream(path, std::ios::binary) << gcode;
    const auto r = demo_engine().scan_file(path.string(), opt);
    REQUIRE(r.size() == 1);
    REQUIRE(r[0].format == Format::gcode);
    return r[0];
  };
  const ScanResult bare = scan(stripped(text), "bare.gcode");
  REQUIRE(bare.verdict == Verdict::match);
  CHECK(bare.matches[0].signature == "tslot_corner_bracket");
  CHECK(bare.matches[0].score >= 0.9);
  // Every 12th of its 90 layers: 7 layers, too few to tell the bracket from
  // its near variants. Never a match.
  const ScanResult coarse = scan(stripped(text, 12), "coarse.gcode");
  CHECK(coarse.verdict != Verdict::match);
  for (const Match& m : coarse.matches) {
    CHECK(m.verdict == Verdict::suspect);
    CHECK(m.score < 0.9);
  }
  REQUIRE_FALSE(coarse.matches.empty());  // a suspect, with the reason
  CHECK(coarse.matches[0].signature == "tslot_corner_bracket");
  CHECK(coarse.matches[0].reason == "few_layers");
}

TEST_CASE("the aligned score falls with less coverage and with a worse fit", "[match]") {
  PoseEstimate e;
  e.tolerance = 0.03;
  auto score = [&](double coverage, double fit) {
    e.coverage_loose = coverage;
    e.fit = fit;
    return aligned_score(e);
  };
  // Within the tolerance the fit does not count: the score is the coverage.
  CHECK(score(0.93, 0.01) == Approx(0.93));
  CHECK(score(0.93, 0.03) == Approx(0.93));
  double last = 2;
  for (double fit = 0; fit <= 0.07; fit += 0.005) {  // past the cap of 2 tolerances too
    const double s = score(0.8, fit);
    CHECK(s <= last);
    CHECK(s >= 0.4 - 1e-12);
    last = s;
  }
  CHECK(score(0.8, 0.06) == Approx(0.4));
  last = -1;
  for (double coverage = 0; coverage <= 1; coverage += 0.05) {
    const double s = score(coverage, 0.045);
    CHECK(s >= last);
    CHECK(s <= 1);
    last = s;
  }
}

TEST_CASE("verdicts: flagged ones and the fold to the most severe", "[verdict]") {
  const Verdict all[] = {Verdict::clean, Verdict::match, Verdict::suspect, Verdict::error, Verdict::allowed};
  for (Verdict v : all) CHECK(is_flagged(v) == (v == Verdict::match || v == Verdict::suspect));
  // match > suspect > error > allowed > clean, whatever the order folded in.
  const Verdict by_severity[] = {Verdict::clean, Verdict::allowed, Verdict::error, Verdict::suspect, Verdict::match};
  for (std::size_t i = 0; i < 5; ++i)
    for (std::size_t j = 0; j < 5; ++j) {
      CHECK(combine(by_severity[i], by_severity[j]) == by_severity[std::max(i, j)]);
      CHECK(combine(by_severity[j], by_severity[i]) == by_severity[std::max(i, j)]);
    }
  static_assert(combine(Verdict::suspect, Verdict::match) == Verdict::match);
}

TEST_CASE("Engine::scan_mesh gives a mesh in memory the verdict and matches of the same mesh in a file", "[match]") {
  std::mt19937_64 rng(7);
  const Mesh ref = load_or_die((source_dir() / "models/refs/gear_rack_m2.stl").string());
  const Mesh moved = shuffled(transformed(ref, random_rotation(rng()), {5.0, 6.0, -7.0}), rng());
  ScanOptions opt;
  opt.timing = false;
  const ScanResult from_file = scan_mesh(moved);
  const ScanResult r = demo_engine().scan_mesh(moved, "in-memory", opt);
  CHECK(r.path == "in-memory");
  REQUIRE(r.verdict == Verdict::match);
  REQUIRE(r.matches.size() == from_file.matches.size());
  CHECK(r.matches[0].signature == "gear_rack_m2");
  CHECK(r.matches[0].score == from_file.matches[0].score);
  CHECK(r.hash.hex() == from_file.hash.hex());
  CHECK(r.triangles == from_file.triangles);
  CHECK(r.sha256.empty());

  SECTION("a corner outside the vertices is an error, not a read past them") {
    Mesh bad = moved;
    bad.triangles.back()[2] = static_cast<std::uint32_t>(bad.vertices.size());
    const ScanResult e = demo_engine().scan_mesh(bad, "bad", opt);
    CHECK(e.verdict == Verdict::error);
    CHECK(e.error.find("uses vertex") != std::string::npos);
  }
  SECTION("a vertex that is not finite is an error") {
    Mesh bad = moved;
    bad.vertices[0][1] = std::nanf("");
    CHECK(demo_engine().scan_mesh(bad, "nan", opt).verdict == Verdict::error);
  }
  SECTION("limits apply as to a file") {
    ScanOptions small = opt;
    small.load.max_triangles = 10;
    const ScanResult e = demo_engine().scan_mesh(moved, "big", small);
    CHECK(e.verdict == Verdict::error);
    CHECK(e.error.rfind("limit:", 0) == 0);
  }
  SECTION("nothing to scan is an error") {
    CHECK(demo_engine().scan_mesh(Mesh{}, "empty", opt).verdict == Verdict::error);
  }
}
