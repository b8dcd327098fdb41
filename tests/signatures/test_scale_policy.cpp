// SPDX-License-Identifier: MIT
// The manifest's `scale` column: a signature marked `true` is the part only
// at its own size or a unit conversion of it; at another size it is a near
// miss, never flagged. Unmarked signatures match at any scale, as before.
#include <catch2/catch.hpp>
#include <fstream>

#include "meshsentry/engine.hpp"
#include "meshsentry/signatures.hpp"
#include "support/fixtures.hpp"

using namespace meshsentry;
using namespace fixtures;

namespace {

std::array<double, 9> scaled_turn(double s, std::uint64_t seed) {
  std::array<double, 9> r = random_rotation(seed);
  for (double& v : r) v *= s;
  return r;
}

}  // namespace

TEST_CASE("a signature with scale 'true' matches at its size and in inches, not at other sizes",
          "[signatures][scale]") {
  TempDir d;
  const auto refs = source_dir() / "models/refs";
  {
    std::ofstream f(d.path / "refs.tsv");
    f << "id\tlabel\tclass\tpath\tseverity\tscale\n";
    f << "flange_3hole\tFlange\treference\t" << (refs / "flange_3hole.stl").string() << "\thigh\ttrue\n";
    f << "gear_rack_m2\tRack\treference\t" << (refs / "gear_rack_m2.stl").string() << "\thigh\tany\n";
  }
  auto built = build_signature_set((d.path / "refs.tsv").string());
  REQUIRE(built.ok());
  CHECK(built->entries[0].scale == ScalePolicy::fixed);
  CHECK(built->entries[1].scale == ScalePolicy::any);
  // Kept in the file.
  const std::string path = (d.path / "set.msig").string();
  REQUIRE(write_signature_set(*built, path).ok());
  auto read = read_signature_set(path);
  REQUIRE(read.ok());
  CHECK(read->entries[0].scale == ScalePolicy::fixed);
  CHECK(read->entries[1].scale == ScalePolicy::any);
  const Engine engine(std::move(*read));

  const Mesh flange = load_or_die((refs / "flange_3hole.stl").string());
  const Mesh rack = load_or_die((refs / "gear_rack_m2.stl").string());
  auto verdict = [&](const Mesh& m, double s, const std::string& id) {
    const ScanResult r = scan_mesh(transformed(m, scaled_turn(s, 7), {1, 2, 3}), engine);
    INFO(id << " at scale " << s);
    if (r.verdict == Verdict::match) CHECK(r.matches[0].signature == id);
    return r;
  };
  CHECK(verdict(flange, 1.0, "flange_3hole").verdict == Verdict::match);
  CHECK(verdict(flange, 25.4, "flange_3hole").verdict == Verdict::match);
  const ScanResult smaller = verdict(flange, 0.8, "flange_3hole");
  CHECK(smaller.verdict == Verdict::clean);
  for (const Match& c : smaller.candidates)
    if (c.signature == "flange_3hole") CHECK(c.score <= 0.5);
  // The unmarked signature still matches a scaled copy.
  CHECK(verdict(rack, 0.8, "gear_rack_m2").verdict == Verdict::match);
}

TEST_CASE("a manifest's scale column takes 'any' or 'true' only", "[signatures][scale]") {
  TempDir d;
  std::ofstream(d.path / "refs.tsv") << "id\tlabel\tclass\tpath\tscale\nbox\tBox\treference\tbox.stl\tyes\n";
  auto rows = read_manifest((d.path / "refs.tsv").string());
  REQUIRE(!rows.ok());
  CHECK(rows.status().message.find("scale 'yes'") != std::string::npos);
}
