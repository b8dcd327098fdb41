// SPDX-License-Identifier: MIT
// Replays the inputs the fuzzers kept (tests/data/fuzz/<target>/) through the
// entry point of that target, mapped the same way (fuzz/fuzz_inputs.hpp). The
// only property: each call returns, ok or with a message. Assimp inputs go
// through the isolated loader, so one that crashes Assimp (KNOWN-ASSIMP.md)
// is an error here rather than a crash of the test. An empty or missing
// folder passes.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "fuzz/fuzz_inputs.hpp"
#include "meshsentry/io.hpp"
#include "meshsentry/mesh.hpp"
#include "meshsentry/signatures.hpp"
#include "support/fixtures.hpp"

using namespace meshsentry;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> inputs(const char* target) {
  std::vector<fs::path> out;
  const fs::path dir = fixtures::source_dir() / "tests" / "data" / "fuzz" / target;
  if (fs::is_directory(dir))
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file() && e.path().filename().string()[0] != '.') out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::span<const std::byte> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

LoadLimits small_limits() {
  LoadLimits limits;
  limits.max_triangles = 1'000'000;
  limits.max_seconds = 20;
  return limits;
}

template <class R>
void check_returned(const R& r) {
  if (!r.ok()) CHECK_FALSE(r.status().message.empty());
}

void check_mesh(Result<LoadedMesh> r) {
  check_returned(r);
  if (r.ok()) check_returned(prepare(std::move(r->mesh)));
}

}  // namespace

TEST_CASE("fuzz regressions: STL reader", "[io][fuzz]") {
  for (const auto& p : inputs("stl_reader")) {
    INFO(p.string());
    const std::string s = fixtures::read_bytes(p);
    (void)sniff(as_bytes(s), "x.stl");
    check_mesh(read_stl(as_bytes(s), small_limits()));
  }
}

TEST_CASE("fuzz regressions: G-code reader", "[io][fuzz]") {
  for (const auto& p : inputs("gcode_reader")) {
    INFO(p.string());
    const std::string s = fixtures::read_bytes(p);
    check_mesh(read_gcode(as_bytes(s), small_limits()));
  }
}

TEST_CASE("fuzz regressions: signature reader", "[io][fuzz]") {
  for (const auto& p : inputs("signature_reader")) {
    INFO(p.string());
    check_returned(parse_signature_set(as_bytes(fixtures::read_bytes(p))));
  }
}

TEST_CASE("fuzz regressions: Assimp loader, isolated", "[io][fuzz]") {
  for (const auto& p : inputs("assimp_loader")) {
    const std::string s = fixtures::read_bytes(p);
    for (const Format f : fuzz::assimp_formats(as_bytes(s))) {
      INFO(p.string() << " as " << format_name(f));
      check_mesh(read_with_assimp_isolated(as_bytes(s), f, small_limits()));
    }
  }
}

TEST_CASE("fuzz regressions: archive reader", "[io][fuzz]") {
  for (const auto& p : inputs("archive_reader")) {
    INFO(p.string());
    auto r = list_archive(as_bytes(fixtures::read_bytes(p)), fuzz::archive_limits());
    check_returned(r);
    if (r.ok())
      for (const auto& m : *r) (void)sniff(m.bytes, m.name);
  }
}

TEST_CASE("fuzz regressions: load_mesh dispatch", "[io][fuzz]") {
  for (const auto& p : inputs("load_mesh")) {
    INFO(p.string());
    const std::string s = fixtures::read_bytes(p);
    LoadLimits limits = small_limits();
    // The fuzz target skips Assimp formats; should one be kept here, isolate it.
    const Format f = sniff(as_bytes(s), fuzz::load_mesh_name(as_bytes(s)));
    limits.isolate = fuzz::assimp_backed(f) || fuzz::is_cad(f);
    check_mesh(load_mesh(as_bytes(s), fuzz::load_mesh_name(as_bytes(s)), limits));
  }
}
