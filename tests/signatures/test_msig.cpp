// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "match/match_index.hpp"
#include "match/ppf_search.hpp"
#include "meshsentry/engine.hpp"
#include "meshsentry/signatures.hpp"
#include "signatures/sample_extent.hpp"
#include "signatures/sample_quantise.hpp"
#include "support/fixtures.hpp"

using namespace meshsentry;
using namespace fixtures;

namespace {

const std::string kDemoManifest = (source_dir() / "signatures/demo.tsv").string();
const std::string kDemoSet = (source_dir() / "signatures/demo.msig").string();

void check_same_entries(const SignatureSet& a, const SignatureSet& b) {
  REQUIRE(a.entries.size() == b.entries.size());
  CHECK(a.params == b.params);
  for (std::size_t i = 0; i < a.entries.size(); ++i) {
    const auto &x = a.entries[i], &y = b.entries[i];
    INFO(x.id);
    CHECK(x.id == y.id);
    CHECK(x.label == y.label);
    CHECK(x.cls == y.cls);
    CHECK(x.severity == y.severity);
    CHECK(x.hash == y.hash);
    CHECK(x.descriptor.d2 == y.descriptor.d2);
    CHECK(x.descriptor.d1 == y.descriptor.d1);
    CHECK(x.descriptor.a3 == y.descriptor.a3);
    CHECK(x.descriptor.rms_radius == y.descriptor.rms_radius);
    CHECK(x.sample.points == y.sample.points);
    CHECK(x.axes == y.axes);
    REQUIRE(x.views.size() == y.views.size());
    for (std::size_t k = 0; k < x.views.size(); ++k) {
      CHECK(x.views[k].cell == y.views[k].cell);
      CHECK(x.views[k].triangles == y.views[k].triangles);
      CHECK(x.views[k].descriptor.d2 == y.views[k].descriptor.d2);
      CHECK(x.views[k].sample.points == y.views[k].sample.points);
      CHECK(x.views[k].sample.normals == y.views[k].sample.normals);
      CHECK(x.views[k].axes == y.views[k].axes);
    }
  }
}

}  // namespace

TEST_CASE("a signature set survives a write/read round trip", "[signatures]") {
  auto built = build_signature_set(kDemoManifest);
  REQUIRE(built.ok());
  TempDir d;
  const std::string path = (d.path / "s.msig").string();
  REQUIRE(write_signature_set(*built, path).ok());
  auto read = read_signature_set(path);
  REQUIRE(read.ok());
  REQUIRE(decode_all(*read).ok());  // format 6: samples come on first use
  CHECK(read->name == "demo");
  CHECK(read->checksum == built->checksum);
  check_same_entries(*built, *read);
  for (const auto& e : read->entries) {
    CHECK(e.sample.points.size() <= kMaxSignaturePoints);
    // Coarse views, coarsest first (cells falling), each with fewer
    // triangles and no more points than the reference.
    REQUIRE_FALSE(e.views.empty());
    for (std::size_t k = 0; k < e.views.size(); ++k) {
      CHECK(e.views[k].triangles < e.triangles);
      CHECK(e.views[k].sample.points.size() <= e.sample.points.size());
      if (k > 0) CHECK(e.views[k].cell <= e.views[k - 1].cell);
    }
  }
}

TEST_CASE("a version-2 signature file (no coarse views) still opens", "[signatures]") {
  // tests/data/demo_v2.msig is signatures/demo.msig as built in the format's version 2.
  auto old = read_signature_set((source_dir() / "tests/data/demo_v2.msig").string());
  REQUIRE(old.ok());
  CHECK(old->format_version == 2);
  auto now = read_signature_set(kDemoSet);
  REQUIRE(now.ok());
  CHECK(now->format_version == 5);  // the committed demo set
  REQUIRE(old->entries.size() == now->entries.size());
  for (std::size_t i = 0; i < old->entries.size(); ++i) {
    CHECK(old->entries[i].id == now->entries[i].id);
    CHECK(old->entries[i].views.empty());
    CHECK(old->entries[i].descriptor.d2 == now->entries[i].descriptor.d2);
  }
  // Written again, it is a version-3 file with the same entries.
  const auto bytes = serialize_signature_set(*old);
  auto again = parse_signature_set(bytes);
  REQUIRE(again.ok());
  CHECK(again->format_version == kSignatureFormatVersion);
  check_same_entries(*old, *again);
}

TEST_CASE("format 4 stores each shape's sample extent; a version-3 file has it measured", "[signatures]") {
  auto now = read_signature_set(kDemoSet);
  REQUIRE(now.ok());
  REQUIRE(now->format_version == 5);
  std::size_t shapes = 0;
  for (const auto& e : now->entries) {
    INFO(e.id);
    CHECK(e.extent == measure_sample_extent(e.sample, kModelPoints));
    CHECK(e.extent.diameter > 0);
    for (const auto& v : e.views) {
      CHECK(v.extent == measure_sample_extent(v.sample, kModelPoints));
      ++shapes;
    }
  }
  CHECK(shapes > 3 * now->entries.size());  // the views are most of what opening a set measured

  // The same set in format 3: no extents, the same entries otherwise.
  SignatureSet copy = *now;
  auto v3 = parse_signature_set(serialize_signature_set(copy, 3));
  REQUIRE(v3.ok());
  CHECK(v3->format_version == 3);
  check_same_entries(*now, *v3);
  for (const auto& e : v3->entries) {
    CHECK(e.extent.model_points == 0);
    for (const auto& v : e.views) CHECK(v.extent.model_points == 0);
  }
  // The matcher gets the same doubles either way: stored, or measured at open.
  const PpfParams ppf;
  for (std::size_t i = 0; i < now->entries.size(); ++i) {
    const PpfModel a = ppf_model_points(now->entries[i], ppf), b = ppf_model_points(v3->entries[i], ppf);
    CHECK(a.diameter == b.diameter);
    CHECK(a.spacing == b.spacing);
    CHECK(a.distance_step == b.distance_step);
    CHECK(a.points == b.points);
  }
  const auto stored = MatchIndex::build(*now), measured = MatchIndex::build(*v3);
  REQUIRE(stored->views.size() == shapes);
  REQUIRE(measured->views.size() == shapes);
  for (std::size_t k = 0; k < shapes; ++k) CHECK(stored->view(k).spacing == measured->view(k).spacing);
  // Written again in format 5, the version-3 set is the committed file, byte
  // for byte (its views' samples are on the grid already: quantised again, the same).
  const auto bytes = serialize_signature_set(*v3, 5);
  CHECK(std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()) == read_bytes(kDemoSet));
  CHECK_THROWS_AS(serialize_signature_set(copy, 2), std::invalid_argument);
}

TEST_CASE("format 5 quantises the views' samples within 1e-4 of the RMS radius; format 4 still reads", "[signatures]") {
  auto built = build_signature_set(kDemoManifest);
  REQUIRE(built.ok());
  const SignatureSet floats = *built;  // as built: float samples
  SignatureSet v4copy = *built;
  auto v4 = parse_signature_set(serialize_signature_set(v4copy, 4));
  REQUIRE(v4.ok());
  CHECK(v4->format_version == 4);
  check_same_entries(floats, *v4);  // format 4 keeps the floats
  const auto bytes5 = serialize_signature_set(*built, 5);
  auto v5 = parse_signature_set(bytes5);
  REQUIRE(v5.ok());
  CHECK(v5->format_version == 5);
  CHECK(bytes5.size() < serialize_signature_set(v4copy, 4).size() * 3 / 4);
  check_same_entries(*built, *v5);  // what was written is what is read
  std::size_t moved = 0;
  for (std::size_t i = 0; i < floats.entries.size(); ++i) {
    const auto &a = floats.entries[i], &b = v5->entries[i];
    INFO(a.id);
    CHECK(a.sample.points == b.sample.points);  // an entry's own sample stays floats
    for (std::size_t k = 0; k < a.views.size(); ++k) {
      const auto &x = a.views[k].sample, &y = b.views[k].sample;
      REQUIRE(x.points.size() == y.points.size());
      const double radius = a.views[k].descriptor.rms_radius;
      double far = 0, bent = 0;
      for (std::size_t j = 0; j < x.points.size(); ++j) {
        for (int c = 0; c < 3; ++c) far = std::max(far, double(std::abs(x.points[j][c] - y.points[j][c])));
        const double dot =
            x.normals[j][0] * y.normals[j][0] + x.normals[j][1] * y.normals[j][1] + x.normals[j][2] * y.normals[j][2];
        bent = std::max(bent, std::acos(std::min(1.0, dot)));
        moved += x.points[j] != y.points[j];
      }
      CHECK(far < 1e-4 * radius);  // the verification tolerance is 1e-2
      CHECK(bent < 1e-3);          // radians
      CHECK(b.views[k].extent == measure_sample_extent(y, kModelPoints));
    }
  }
  CHECK(moved > 0);
  // Read and written again: the same bytes.
  CHECK(serialize_signature_set(*v5, 5) == bytes5);
}

TEST_CASE("quantised samples: on the grid, the same when quantised again, a bad grid refused", "[signatures]") {
  SurfaceSample s;
  for (int i = 0; i < 300; ++i) {
    const float t = 0.37f * float(i);
    s.points.push_back(Vec3f{1000 + 40 * std::sin(t), -5 + 3 * std::cos(1.3f * t), 0.01f * float(i)});
    const float z = std::cos(0.11f * t), r = std::sqrt(1 - z * z);
    s.normals.push_back(Vec3f{r * std::cos(t), r * std::sin(t), z});
  }
  s.normals[7] = Vec3f{0, 0, -1};
  s.normals[8] = Vec3f{0, 0, 0};  // no direction: decoded as +z, not NaN
  const QuantisedSample q = quantise_sample(s);
  REQUIRE(q.points.size() == 900);
  REQUIRE(q.normals.size() == 600);
  CHECK(q.step == std::exp2(std::ceil(std::log2(80.0 / 65535))));  // the longest side is ~80
  SurfaceSample back;
  REQUIRE(dequantise_sample(q, back));
  for (std::size_t j = 0; j < s.points.size(); ++j)
    for (int c = 0; c < 3; ++c) CHECK(std::abs(back.points[j][c] - s.points[j][c]) <= 0.5f * q.step + 1e-4f);
  CHECK(back.normals[7][2] == -1.f);
  CHECK(back.normals[8][2] == 1.f);
  const QuantisedSample again = quantise_sample(back);
  CHECK(again.points == q.points);
  CHECK(again.normals == q.normals);
  CHECK(again.step == q.step);
  CHECK(again.lo == q.lo);
  for (float bad : {0.f, -1.f, std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    QuantisedSample b = q;
    b.step = bad;
    CHECK_FALSE(dequantise_sample(b, back));
  }
  QuantisedSample b = q;
  b.lo[1] = std::numeric_limits<float>::infinity();
  CHECK_FALSE(dequantise_sample(b, back));
}

TEST_CASE("a stored sample extent that is not a size is refused", "[signatures]") {
  auto set = read_signature_set(kDemoSet);
  REQUIRE(set.ok());
  for (double bad : {std::numeric_limits<double>::quiet_NaN(), -1.0, std::numeric_limits<double>::infinity()}) {
    SignatureSet s = *set;
    s.entries[1].views[2].extent.spacing = bad;
    auto r = parse_signature_set(serialize_signature_set(s));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code == ErrorCode::corrupt);
    CHECK_THAT(r.status().message, Catch::Contains("bad sample extent"));
  }
}

TEST_CASE("an engine's index moves the coarse views into itself instead of copying them", "[signatures]") {
  // (The index's use of them is what the detection tests on coarse copies check.)
  auto set = read_signature_set(kDemoSet);
  REQUIRE(set.ok());
  SignatureSet given = *set;
  const auto index = MatchIndex::build_taking_view_samples(given);
  std::size_t views = 0;
  for (std::size_t i = 0; i < set->entries.size(); ++i) {
    REQUIRE(given.entries[i].views.size() == set->entries[i].views.size());
    // At open nothing moves (the view search reads the set's descriptors) ...
    for (std::size_t k = 0; k < set->entries[i].views.size(); ++k)
      CHECK_FALSE(given.entries[i].views[k].sample.points.empty());
    // ... the samples when the signature is first used.
    CHECK(index->entry(i).sample.points == set->entries[i].sample.points);
    for (std::size_t k = 0; k < set->entries[i].views.size(); ++k, ++views) {
      CHECK(given.entries[i].views[k].sample.points.empty());
      CHECK(index->view(views).owner == i);
      CHECK(index->view(views).entry().sample.points == set->entries[i].views[k].sample.points);
      CHECK(index->view(views).entry().descriptor.d2 == set->entries[i].views[k].descriptor.d2);
      CHECK(index->view(views).entry().id == set->entries[i].id);
    }
  }
  CHECK(views > 100);
}

TEST_CASE("rebuilding the demo set gives the committed entries", "[signatures]") {
  auto committed = read_signature_set(kDemoSet);
  REQUIRE(committed.ok());
  BuildOptions opt;
  opt.created = committed->created;
  auto rebuilt = build_signature_set(kDemoManifest, opt);
  REQUIRE(rebuilt.ok());
  // Same creation time: byte-identical file (writing snaps the views' samples
  // to the grid the file stores them on).
  CHECK(serialize_signature_set(*rebuilt) == serialize_signature_set(*committed));
  check_same_entries(*committed, *rebuilt);
}

TEST_CASE("corrupted or truncated signature files are rejected with a reason", "[signatures]") {
  const std::string good = read_bytes(kDemoSet);
  REQUIRE(good.size() > 100);
  auto parse = [](const std::string& s) {
    return parse_signature_set({reinterpret_cast<const std::byte*>(s.data()), s.size()});
  };
  REQUIRE(parse(good).ok());
  std::uint64_t x = 77;
  for (int i = 0; i < 300; ++i) {
    std::string bad = good;
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    const std::size_t at = (x >> 17) % bad.size();
    bad[at] = static_cast<char>(bad[at] ^ (1 + (x >> 59)));
    auto r = parse(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code == ErrorCode::corrupt);
  }
  for (std::size_t len : {std::size_t{0}, std::size_t{7}, std::size_t{40}, good.size() / 2, good.size() - 1}) {
    auto r = parse(good.substr(0, len));
    REQUIRE_FALSE(r.ok());
    CHECK_FALSE(r.status().message.empty());
  }
  auto r = parse("PK\x03\x04 not a signature file at all, no no no........................");
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.status().message, Catch::Contains("magic"));
}

TEST_CASE("bad manifests are refused with the line", "[signatures]") {
  TempDir d;
  write_bytes(d.path / "dup.tsv", "id\tlabel\tclass\tpath\na\tA\tc\tx.stl\na\tB\tc\ty.stl\n");
  auto r = read_manifest((d.path / "dup.tsv").string());
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.status().message, Catch::Contains("duplicate id"));
  write_bytes(d.path / "missing.tsv", "id\tlabel\tclass\tpath\na\tA\tc\tnope.stl\n");
  auto b = build_signature_set((d.path / "missing.tsv").string());
  REQUIRE_FALSE(b.ok());
  CHECK_THAT(b.status().message, Catch::Contains("nope.stl"));
}
