// SPDX-License-Identifier: MIT
// What reading a file costs, for the CAD formats against the STL exported
// from the same part (docs/formats.md): the median over REPS of load_mesh_file
// as a scan runs it (CAD in the forked child), of the CAD reader in process
// (parse, transfer and tessellation without the fork), and of prepare().
//   cad_cost [--reps N] FILE...
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "common/mapped_file.hpp"
#include "meshsentry/io.hpp"
#include "meshsentry/mesh.hpp"

using namespace meshsentry;
using Clock = std::chrono::steady_clock;

namespace {

double median_ms(int reps, const std::function<void()>& f) {
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = Clock::now();
    f();
    t.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 9;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) reps = std::max(1, std::atoi(argv[++i]));
    else files.push_back(argv[i]);
  }
  std::printf("%-28s %6s %9s %10s %12s %11s\n", "file", "format", "triangles", "scan load", "in process", "prepare");
  for (const auto& path : files) {
    auto loaded = load_mesh_file(path);
    if (!loaded) {
      std::printf("%-28s error: %s\n", path.c_str(), loaded.status().message.c_str());
      continue;
    }
    const Format f = loaded->format;
    const bool cad = f == Format::step || f == Format::iges || f == Format::brep;
    const double scan_ms = median_ms(reps, [&] { (void)load_mesh_file(path); });
    double direct_ms = 0;
    if (cad) {
      auto file = MappedFile::open(path, LoadLimits{}.max_file_bytes);
      direct_ms = median_ms(reps, [&] { (void)read_cad(file->bytes(), f); });
    }
    const double prepare_ms = median_ms(reps, [&] { (void)prepare(loaded->mesh); });
    const std::string name = path.substr(path.rfind('/') + 1);
    std::printf("%-28s %6s %9zu %8.2f ms %9.2f ms %8.2f ms\n", name.c_str(), format_name(f),
                loaded->mesh.triangles.size(), scan_ms, direct_ms, prepare_ms);
  }
  return 0;
}
