// SPDX-License-Identifier: MIT
// CAD files through OpenCASCADE, on parts that tests/cad/make_cad_parts
// writes with OCCT itself: STEP, IGES and BREP read to the same part as the
// exporter's STL, an assembly's instances each placed, a signature made from
// a STEP reference matching the STL and the other way round, and a cut STEP
// file an error record.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>

#include "meshsentry/engine.hpp"
#include "meshsentry/io.hpp"
#include "meshsentry/mesh.hpp"
#include "support/fixtures.hpp"

using namespace meshsentry;
using namespace fixtures;

namespace {

std::span<const std::byte> bytes_of(const std::string& s) { return std::as_bytes(std::span(s)); }

// The generated files, written once for the whole run.
const std::filesystem::path& cad_dir() {
  static TempDir dir;
  static const bool made = [] {
    const std::string cmd = std::string(MESHSENTRY_MAKE_CAD_PARTS) + " '" + dir.path.string() + "'";
    return std::system(cmd.c_str()) == 0;
  }();
  REQUIRE(made);
  return dir.path;
}

PreparedMesh prepared(const std::filesystem::path& p) {
  auto loaded = load_mesh_file(p.string());
  INFO(p.filename().string() << ": " << (loaded ? "" : loaded.status().message));
  REQUIRE(loaded.ok());
  auto prep = prepare(std::move(loaded->mesh));
  REQUIRE(prep.ok());
  return std::move(prep.value());
}

struct Run {
  int code;
  std::string out;
};

Run run(const std::string& args) {
  const std::string cmd = std::string(MESHSENTRY_CLI) + " " + args + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string q(const std::filesystem::path& p) { return "'" + p.string() + "'"; }

// A one-entry signature set built from `reference` by `meshsentry sig build`.
std::filesystem::path signature_set(const std::filesystem::path& reference, const std::filesystem::path& dir) {
  const auto tsv = dir / "refs.tsv";
  write_bytes(tsv, "id\tlabel\tclass\tpath\tseverity\nblock_part\tfilleted block with a hole\tstand-in\t" +
                       reference.string() + "\thigh\n");
  const auto out = dir / "set.msig";
  REQUIRE(run("sig build --manifest " + q(tsv) + " --out " + q(out)).code == 0);
  return out;
}

}  // namespace

TEST_CASE("STEP, IGES and BREP are sniffed by their content", "[io][cad]") {
  const auto& d = cad_dir();
  CHECK(sniff(bytes_of(read_bytes(d / "block.step")), "x") == Format::step);
  CHECK(sniff(bytes_of(read_bytes(d / "block.igs")), "x") == Format::iges);
  CHECK(sniff(bytes_of(read_bytes(d / "block.brep")), "x") == Format::brep);
  CHECK(sniff(bytes_of(read_bytes(d / "block_binary.brep")), "x") == Format::brep);
  CHECK(std::string(format_name(Format::brep)) == "brep");
  CHECK(unsupported_3d_format("brep") == nullptr);
}

TEST_CASE("STEP, IGES and BREP read to the part their STL export holds", "[io][cad]") {
  const auto& d = cad_dir();
  const PreparedMesh stl = prepared(d / "block.stl");
  // The exact part: 60 x 40 x 20 minus a 10 mm hole, less the fillets.
  const double exact = 60 * 40 * 20 - M_PI * 25 * 20 - 4 * (16 - 4 * M_PI) * 20;
  CHECK(stl.mass.abs_volume == Approx(exact).epsilon(0.005));
  for (const char* name : {"block.step", "block.igs", "block.brep", "block_binary.brep"}) {
    INFO(name);
    const PreparedMesh cad = prepared(d / name);
    CHECK(cad.bodies.size() == 1);
    CHECK(cad.bodies[0].boundary_edges == 0);  // closed: faces share their edges' nodes
    CHECK(cad.mass.area == Approx(stl.mass.area).epsilon(0.01));
    CHECK(cad.mass.abs_volume == Approx(stl.mass.abs_volume).epsilon(0.01));
    CHECK(cad.bounds.diagonal() == Approx(stl.bounds.diagonal()).epsilon(0.001));
  }
}

TEST_CASE("an unbounded face beside a part is left out", "[io][cad]") {
  const PreparedMesh both = prepared(cad_dir() / "block_and_plane.brep");
  REQUIRE(both.bodies.size() == 1);
  CHECK(both.mass.abs_volume == Approx(prepared(cad_dir() / "block.brep").mass.abs_volume).epsilon(1e-6));
}

TEST_CASE("STEP and IGES lengths are millimetres whatever unit the file is written in", "[io][cad]") {
  const auto& d = cad_dir();
  CHECK(read_bytes(d / "block_inch.step").find("INCH") != std::string::npos);
  const PreparedMesh mm = prepared(d / "block.step");
  for (const char* name : {"block_inch.step", "block_inch.igs"}) {
    INFO(name);
    const PreparedMesh inch = prepared(d / name);
    CHECK(inch.bounds.diagonal() == Approx(mm.bounds.diagonal()).epsilon(0.001));
    CHECK(inch.mass.abs_volume == Approx(mm.mass.abs_volume).epsilon(0.01));
  }
}

TEST_CASE("a CAD file reads the same in the isolated child, in process and twice", "[io][cad]") {
  const std::string bytes = read_bytes(cad_dir() / "block.step");
  const auto b = bytes_of(bytes);
  auto isolated = read_cad_isolated(b, Format::step, LoadLimits{});
  auto again = read_cad_isolated(b, Format::step, LoadLimits{});
  auto in_process = read_cad(b, Format::step);
  REQUIRE(isolated.ok());
  REQUIRE(again.ok());
  REQUIRE(in_process.ok());
  CHECK(isolated->format == Format::step);
  CHECK(isolated->mesh.vertices == in_process->mesh.vertices);
  CHECK(isolated->mesh.triangles == in_process->mesh.triangles);
  CHECK(isolated->mesh.vertices == again->mesh.vertices);
  LoadLimits few;
  few.max_triangles = 100;
  auto capped = read_cad_isolated(b, Format::step, few);
  REQUIRE_FALSE(capped.ok());
  CHECK(capped.status().code == ErrorCode::limit);
}

TEST_CASE("a STEP assembly gives every instance, placed", "[io][cad]") {
  const auto& d = cad_dir();
  auto loaded = load_mesh_file((d / "pair_assembly.step").string());
  REQUIRE(loaded.ok());
  CHECK(loaded->source_meshes == 2);
  auto prep = prepare(std::move(loaded->mesh));
  REQUIRE(prep.ok());
  REQUIRE(prep->bodies.size() == 2);
  const double one = prepared(d / "block.step").mass.abs_volume;
  CHECK(prep->bodies[0].mass.abs_volume == Approx(one).epsilon(0.001));
  CHECK(prep->bodies[1].mass.abs_volume == Approx(one).epsilon(0.001));
  // The second instance was moved by (150, 30, 10): the pair spans past it.
  CHECK(prep->bounds.max[0] > 150);
  CHECK(prep->bounds.max[2] == Approx(30).margin(0.01));
}

TEST_CASE("damaged and empty CAD files are errors", "[io][cad]") {
  auto cut = load_mesh_file((cad_dir() / "block_truncated.step").string());
  REQUIRE_FALSE(cut.ok());
  CHECK_THAT(cut.status().message, Catch::StartsWith("STEP"));
  // A well-formed file with nothing to draw: one point.
  const std::string point =
      "ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION((''),'2;1');\nFILE_NAME('p','',(''),(''),'','','');\n"
      "FILE_SCHEMA(('AUTOMOTIVE_DESIGN'));\nENDSEC;\nDATA;\n#1=CARTESIAN_POINT('',(0.,0.,0.));\nENDSEC;\n"
      "END-ISO-10303-21;\n";
  auto empty = read_cad(bytes_of(point), Format::step);
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.status().code == ErrorCode::empty);
  CHECK_THAT(empty.status().message, Catch::StartsWith("STEP: no"));
  // OCCT's exceptions are errors; a count it cannot read sends its BREP
  // reader past the end of the file for good, which the child's limit ends.
  const std::string junk = "CASCADE Topology V1, (c) Matra-Datavision\nLocations 3\n1 2 3\n";
  auto brep = load_mesh(bytes_of(junk), "x");
  REQUIRE_FALSE(brep.ok());
  CHECK_THAT(brep.status().message, Catch::StartsWith("BREP: OpenCASCADE failed"));
  LoadLimits quick;
  quick.max_seconds = 2;
  const std::string endless = "CASCADE Topology V1, (c) Matra-Datavision\nLocations 99999999999\n1 2 3\n";
  auto hang = load_mesh(bytes_of(endless), "x", quick);
  REQUIRE_FALSE(hang.ok());
  CHECK(hang.status().code == ErrorCode::limit);
  auto iges = load_mesh(bytes_of(std::string(80, ' ') + "\n"), "x.igs");
  REQUIRE_FALSE(iges.ok());
}

TEST_CASE("a STEP reference matches its STL export and the other way round", "[cli][cad]") {
  const auto& d = cad_dir();
  TempDir work;
  std::filesystem::create_directories(work.path / "from_step");
  std::filesystem::create_directories(work.path / "from_stl");
  const auto step_set = signature_set(d / "block.step", work.path / "from_step");
  const auto stl_set = signature_set(d / "block.stl", work.path / "from_stl");
  for (const auto& [set, scanned] :
       {std::pair{step_set, d / "block.stl"}, std::pair{stl_set, d / "block.step"}, std::pair{stl_set, d / "block.igs"},
        std::pair{step_set, d / "pair_assembly.step"}}) {
    INFO(set.string() << " scanning " << scanned.filename().string());
    const Run r = run("scan --format jsonl --no-timing --signatures " + q(set) + " " + q(scanned));
    CHECK(r.code == 1);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["verdict"] == "match");
    REQUIRE(j["matches"].size() >= 1);
    CHECK(j["matches"][0]["signature"] == "block_part");
  }
  // The plate is another part: clean.
  const Run other =
      run("scan --format jsonl --no-timing --signatures " + q(step_set) + " " + q(d / "plate_50_holes.step"));
  CHECK(other.code == 0);
  CHECK(nlohmann::json::parse(other.out)["verdict"] == "clean");
}

TEST_CASE("a cut STEP file is an error record, exit 2", "[cli][cad]") {
  const Run r = run("scan --format jsonl --no-timing " + q(cad_dir() / "block_truncated.step"));
  CHECK(r.code == 2);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j["verdict"] == "error");
  CHECK_THAT(j["error"].get<std::string>(), Catch::StartsWith("STEP"));
}

TEST_CASE("the public corpus's STEP and IGES files are read and not flagged", "[corpus][cad]") {
  const auto shared = shared_dir();
  if (shared.empty() || !std::filesystem::is_directory(shared / "corpus")) {
    WARN("../shared/corpus not present: skipped");
    return;
  }
  std::vector<std::string> cad;
  for (const auto& e : std::filesystem::recursive_directory_iterator(shared / "corpus")) {
    const std::string ext = file_extension(e.path().string());
    if (e.is_regular_file() && (ext == "step" || ext == "stp" || ext == "iges" || ext == "igs"))
      cad.push_back(e.path().string());
  }
  REQUIRE(cad.size() >= 5);
  ScanOptions opt;
  opt.timing = false;
  for (const ScanResult& r : demo_engine().scan_paths(cad, opt)) {
    INFO(r.path << ": " << r.error);
    CHECK(r.verdict == Verdict::clean);
    CHECK((r.format == Format::step || r.format == Format::iges));
    CHECK(r.triangles > 0);
  }
}
