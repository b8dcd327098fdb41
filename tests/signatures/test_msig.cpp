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
  CHECK(now->format_version == kSignatureFormatVersion);
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
  REQUIRE(now->format_version == 4);
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
  CHECK(shapes > 100);  // the views are most of what opening a set measured

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
  for (std::size_t k = 0; k < shapes; ++k) CHECK(stored->views[k].spacing == measured->views[k].spacing);
  // Written again, the version-3 set is the committed version-4 file, byte for byte.
  const auto bytes = serialize_signature_set(*v3);
  CHECK(std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()) == read_bytes(kDemoSet));
  CHECK_THROWS_AS(serialize_signature_set(copy, 2), std::invalid_argument);
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

TEST_CASE("an engine moves the coarse views' samples into its index instead of copying them", "[signatures]") {
  // (The index's use of them is what the detection tests on coarse copies check.)
  auto set = read_signature_set(kDemoSet);
  REQUIRE(set.ok());
  const Engine engine(*set);
  std::size_t views = 0;
  for (std::size_t i = 0; i < set->entries.size(); ++i) {
    REQUIRE(engine.signatures().entries[i].views.size() == set->entries[i].views.size());
    for (std::size_t k = 0; k < set->entries[i].views.size(); ++k, ++views) {
      CHECK(engine.signatures().entries[i].views[k].sample.points.empty());
      CHECK_FALSE(set->entries[i].views[k].sample.points.empty());
    }
    CHECK(engine.signatures().entries[i].sample.points == set->entries[i].sample.points);
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
  check_same_entries(*committed, *rebuilt);
  // Same creation time: byte-identical file.
  CHECK(serialize_signature_set(*rebuilt) == serialize_signature_set(*committed));
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
