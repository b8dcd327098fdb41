// SPDX-License-Identifier: MIT
// What a clean file costs: each benign file of an evaluation set is scanned
// with descriptors alone (the global-only baseline), with verification
// (stage 2) and with every stage (the default), the three one right after
// the other for the same file, in an order that rotates every round, so the
// slow drifts of a shared machine fall on all three alike. Per file the
// median over the rounds; then the median over the files, in wall time and
// in CPU time (this thread's and the isolated loader's), which a busy
// neighbour on a shared machine does not inflate.
// Usage: clean_cost SIGNATURES.msig SETDIR [--rounds N]
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "meshsentry/engine.hpp"

using namespace meshsentry;

namespace {

// CPU time of this thread and of the children it has waited for (the
// isolated Assimp loader runs in one).
double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  rusage ru{};
  getrusage(RUSAGE_CHILDREN, &ru);
  auto ms = [](const timeval& t) { return t.tv_sec * 1e3 + t.tv_usec / 1e3; };
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6 + ms(ru.ru_utime) + ms(ru.ru_stime);
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Paths of the benign rows of SETDIR/truth.tsv (columns: path kind ...).
std::vector<std::string> benign_files(const std::string& set_dir) {
  std::vector<std::string> out;
  std::ifstream in(set_dir + "/truth.tsv");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream row(line);
    std::string path, kind;
    if (std::getline(row, path, '\t') && std::getline(row, kind, '\t') && kind == "benign")
      out.push_back(set_dir + "/" + path);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: clean_cost SIGNATURES.msig SETDIR [--rounds N]\n");
    return 2;
  }
  int rounds = 5;
  for (int i = 3; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--rounds") rounds = std::max(1, std::atoi(argv[i + 1]));
  auto engine = Engine::open(argv[1]);
  if (!engine) {
    std::fprintf(stderr, "clean_cost: %s\n", engine.status().message.c_str());
    return 2;
  }
  const std::vector<std::string> files = benign_files(argv[2]);
  if (files.empty()) {
    std::fprintf(stderr, "clean_cost: no benign rows in %s/truth.tsv\n", argv[2]);
    return 2;
  }
  constexpr int kModes = 3;
  const char* names[kModes] = {"global-only", "verified (no stage 3)", "all stages (default)"};
  std::array<ScanOptions, kModes> opt;
  for (ScanOptions& o : opt) o.threads = 1;
  opt[0].verify = opt[0].partial = false;
  opt[1].partial = false;

  // Warm-up: the first scan against a signature builds its point-pair table.
  for (const std::string& f : files) engine->scan_file(f, opt[2]);

  std::vector<std::array<std::vector<double>, kModes>> wall(files.size()), cpu(files.size());
  for (int r = 0; r < rounds; ++r)
    for (std::size_t f = 0; f < files.size(); ++f)
      for (int k = 0; k < kModes; ++k) {
        const int m = (k + r + int(f)) % kModes;
        const auto t0 = std::chrono::steady_clock::now();
        const double c0 = cpu_ms();
        engine->scan_file(files[f], opt[m]);
        cpu[f][m].push_back(cpu_ms() - c0);
        wall[f][m].push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      }

  std::array<double, kModes> wall_med{}, cpu_med{};
  for (int m = 0; m < kModes; ++m) {
    std::vector<double> w, c;
    for (std::size_t f = 0; f < files.size(); ++f) {
      w.push_back(median(wall[f][m]));
      c.push_back(median(cpu[f][m]));
    }
    wall_med[m] = median(w);
    cpu_med[m] = median(c);
  }
  if (const char* tsv = std::getenv("CLEAN_COST_TSV")) {
    if (FILE* out = std::fopen(tsv, "w")) {
      for (std::size_t f = 0; f < files.size(); ++f) {
        std::fprintf(out, "%s", files[f].c_str());
        for (int m = 0; m < kModes; ++m) std::fprintf(out, "\t%.3f\t%.3f", median(wall[f][m]), median(cpu[f][m]));
        std::fprintf(out, "\n");
      }
      std::fclose(out);
    }
  }
  std::printf("clean_cost: %zu benign files, %d rounds, the three modes interleaved per file\n", files.size(), rounds);
  std::printf("%-24s %18s %18s\n", "mode", "wall ms (median)", "cpu ms (median)");
  for (int m = 0; m < kModes; ++m) std::printf("%-24s %18.2f %18.2f\n", names[m], wall_med[m], cpu_med[m]);
  std::printf("ratio verified / global-only:   wall %.2f   cpu %.2f\n", wall_med[1] / wall_med[0], cpu_med[1] / cpu_med[0]);
  std::printf("ratio all stages / global-only: wall %.2f   cpu %.2f   (issue 3 target: at most 2)\n",
              wall_med[2] / wall_med[0], cpu_med[2] / cpu_med[0]);
  return 0;
}
