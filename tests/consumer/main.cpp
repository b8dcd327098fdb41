// SPDX-License-Identifier: MIT
// Scans one file with an installed meshsentry; prints the JSONL line.
#include <meshsentry/engine.hpp>
#include <meshsentry/report.hpp>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  auto engine = meshsentry::Engine::open(argv[1]);
  if (!engine) {
    std::fprintf(stderr, "%s\n", engine.status().message.c_str());
    return 2;
  }
  meshsentry::ScanOptions opt;
  opt.timing = false;
  for (const auto& r : engine->scan_file(argv[2], opt)) std::printf("%s\n", meshsentry::to_jsonl(r).c_str());
  return 0;
}
