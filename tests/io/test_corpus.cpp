// SPDX-License-Identifier: MIT
// Every file of the public corpus (../shared/corpus, when present) is scanned:
// each is either read or given a clear error; nothing crashes or hangs.
#include <catch2/catch.hpp>
#include <iostream>
#include <map>

#include "meshsentry/engine.hpp"
#include "support/fixtures.hpp"

using namespace meshsentry;
using namespace fixtures;

TEST_CASE("every corpus file loads or fails with a clear error", "[corpus]") {
  const auto shared = shared_dir();
  if (shared.empty() || !std::filesystem::is_directory(shared / "corpus")) {
    WARN("../shared/corpus not present: corpus test skipped");
    return;
  }
  Engine engine{SignatureSet{}};
  ScanOptions opt;
  opt.timing = false;
  opt.skip_unrecognised = false;
  const auto results = engine.scan_paths({(shared / "corpus").string()}, opt);
  std::map<std::string, int> verdicts;
  for (const ScanResult& r : results) {
    ++verdicts[to_string(r.verdict)];
    if (r.verdict == Verdict::error) {
      INFO(r.path);
      CHECK(r.error.size() > 5);
    } else {
      INFO(r.path);
      CHECK((r.triangles > 0 || r.members > 0 || is_archive(r.format)));
    }
  }
  std::cout << "corpus: " << results.size() << " results;";
  for (const auto& [v, n] : verdicts) std::cout << " " << v << " " << n;
  std::cout << "\n";
  CHECK(results.size() > 600);
  CHECK(verdicts["clean"] > 400);
}

TEST_CASE("no file of the public corpus is flagged by the demo set", "[corpus]") {
  // Several hundred lawful 3D files: toy models, printer parts, test meshes.
  // Caught here before: pieces found in files drawn in inches (a toy truck, a
  // mirror) before a piece had to hold the part's detail on its side of the cut.
  const auto shared = shared_dir();
  if (shared.empty() || !std::filesystem::is_directory(shared / "corpus")) {
    WARN("../shared/corpus not present: corpus test skipped");
    return;
  }
  ScanOptions opt;
  opt.timing = false;
  for (const ScanResult& r : demo_engine().scan_paths({(shared / "corpus").string()}, opt)) {
    INFO(r.path);
    CHECK(r.verdict != Verdict::match);
    CHECK(r.verdict != Verdict::suspect);
  }
}
