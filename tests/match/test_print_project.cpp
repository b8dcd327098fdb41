// SPDX-License-Identifier: MIT
// Print projects (.gcode.3mf): Bambu Studio and Orca Slicer keep the sliced
// plates as Metadata/plate_<N>.gcode with an empty model part. Each plate is
// scanned as the package's member, as the same G-code alone would be, and
// the project's line sums them up with its own model.
#include <catch2/catch.hpp>

#include <algorithm>

#include "meshsentry/engine.hpp"
#include "meshsentry/io.hpp"
#include "meshsentry/report.hpp"
#include "support/fixtures.hpp"

using namespace meshsentry;
using namespace fixtures;

namespace {

// The G-code of a gzipped slicer output in tests/data/gcode, gunzipped by
// the engine's own archive reader.
std::string sliced(const std::string& stem) {
  const std::string gz = read_bytes(source_dir() / ("tests/data/gcode/" + stem + ".gcode.gz"));
  auto members = list_archive(std::as_bytes(std::span(gz.data(), gz.size())));
  REQUIRE(members.ok());
  REQUIRE(members->size() == 1);
  const auto& b = (*members)[0].bytes;
  REQUIRE(b.size() > 1000);
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

const std::string kEmptyModel =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<model unit=\"millimeter\" "
    "xmlns=\"http://schemas.microsoft.com/3dmanufacturing/core/2015/02\"><resources/><build/></model>\n";

std::vector<ScanResult> scan(const std::string& package, const std::string& name = "project.gcode.3mf") {
  ScanOptions opt;
  opt.timing = false;
  return demo_engine().scan_buffer(std::as_bytes(std::span(package.data(), package.size())), name, opt);
}

bool names(const ScanResult& r, const std::string& signature) {
  return std::any_of(r.matches.begin(), r.matches.end(), [&](const Match& m) { return m.signature == signature; });
}

}  // namespace

TEST_CASE("plate names of a print project", "[io][3mf][gcode]") {
  CHECK(is_gcode_plate("Metadata/plate_1.gcode"));
  CHECK(is_gcode_plate("/metadata/PLATE_12.GCODE"));
  CHECK_FALSE(is_gcode_plate("Metadata/plate_1.gcode.md5"));
  CHECK_FALSE(is_gcode_plate("Metadata/plate_.gcode"));
  CHECK_FALSE(is_gcode_plate("Metadata/plate_1.png"));
  CHECK_FALSE(is_gcode_plate("Metadata/plate_x1.gcode"));
  CHECK_FALSE(is_gcode_plate("plate_1.gcode"));
}

TEST_CASE("a print project's G-code plate is found as the G-code alone is", "[match][gcode][3mf]") {
  const auto results = scan(three_mf_package(kEmptyModel, {{"Metadata/plate_1.gcode", sliced("tslot_corner_bracket")}}));
  REQUIRE(results.size() == 2);  // the project, then its plate
  const ScanResult& project = results[0];
  const ScanResult& plate = results[1];
  CHECK(project.format == Format::threemf);
  CHECK(project.members == 1);
  CHECK(project.triangles == 0);
  CHECK(project.error.empty());
  CHECK(plate.path == "project.gcode.3mf!/Metadata/plate_1.gcode");
  CHECK(plate.format == Format::gcode);
  REQUIRE(plate.verdict == Verdict::match);
  CHECK(plate.matches[0].signature == "tslot_corner_bracket");
  CHECK(project.verdict == Verdict::match);
  CHECK(names(project, "tslot_corner_bracket"));
  CHECK(to_jsonl(project).find("\"members\":1") != std::string::npos);
}

TEST_CASE("each plate of a print project is a member of its own", "[match][gcode][3mf]") {
  // Plate 2 first in the zip: the plates are reported in plate order.
  const auto results = scan(three_mf_package(kEmptyModel, {{"Metadata/plate_2.gcode", sliced("knob_fluted")},
                                                           {"Metadata/plate_1.gcode", sliced("tslot_corner_bracket")}}));
  REQUIRE(results.size() == 3);
  CHECK(results[0].members == 2);
  CHECK(results[1].path == "project.gcode.3mf!/Metadata/plate_1.gcode");
  CHECK(results[1].verdict == Verdict::match);
  CHECK(results[2].path == "project.gcode.3mf!/Metadata/plate_2.gcode");
  CHECK(results[2].format == Format::gcode);
  CHECK(results[2].verdict == Verdict::clean);
  CHECK(results[0].verdict == Verdict::match);
  CHECK(names(results[0], "tslot_corner_bracket"));
  CHECK(std::all_of(results[0].matches.begin(), results[0].matches.end(),
                    [](const Match& m) { return m.signature == "tslot_corner_bracket"; }));
}

TEST_CASE("a project with a model and a plate scans both", "[match][gcode][3mf]") {
  const Mesh rack = load_or_die((source_dir() / "models/refs/gear_rack_m2.stl").string());
  const auto results =
      scan(three_mf_package(three_mf_model(rack), {{"Metadata/plate_1.gcode", sliced("tslot_corner_bracket")}}));
  REQUIRE(results.size() == 2);
  CHECK(results[0].triangles > 0);
  CHECK(results[0].members == 1);
  CHECK(results[0].verdict == Verdict::match);
  CHECK(names(results[0], "gear_rack_m2"));  // the model, the package's own mesh
  CHECK(names(results[0], "tslot_corner_bracket"));  // the plate
  CHECK(results[1].verdict == Verdict::match);
  CHECK_FALSE(names(results[1], "gear_rack_m2"));
}

TEST_CASE("a 3MF without plates and without triangles is still an error", "[io][3mf]") {
  const auto results = scan(three_mf_package(kEmptyModel), "empty.3mf");
  REQUIRE(results.size() == 1);
  CHECK(results[0].verdict == Verdict::error);
  CHECK(results[0].error == "3mf: the build holds no triangles");
  CHECK(results[0].members == 0);
}
