// SPDX-License-Identifier: MIT
// Speed benchmark. Everything is measured in this one run, on this machine,
// so the ratios are meaningful even on a noisy shared host; each figure is
// the median of several repetitions.
//   1. binary STL read throughput (GB/s) of the native reader;
//   2. load + prepare + describe + scan of a 1M-triangle binary STL against
//      the demo signatures, as a ratio to Assimp's bare ReadFile of the same
//      file (no post-processing), the target being <= 1.5;
//   3. files/s and MB/s of a whole-folder scan of ../shared/eval/dev/cases,
//      when present;
//   4. with --rss, the peak resident memory of `meshsentry scan --threads 1`
//      on generated STLs of 1M and 10M triangles, in bytes per triangle.
// Usage: speed_bench [SIGNATURES.msig] [CASES_DIR] [--reps N] [--triangles N]
//                    [--quick] [--rss] [--cli PATH]
//   --triangles N  size of the generated STL for 2. (default 1,000,000)
//   --quick        2. only (no stage table, no folder scan)
//   --cli PATH     the meshsentry binary measured by --rss (default: this build's)
#include <assimp/scene.h>
#include <omp.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <assimp/Importer.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "common/mapped_file.hpp"
#include "common/sha256.hpp"
#include "io/stl_records.hpp"
#include "mesh/mesh_ops.hpp"
#include "meshsentry/engine.hpp"
#include "meshsentry/io.hpp"

using namespace meshsentry;
namespace fs = std::filesystem;
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

double cpu_ms(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

// Peak resident memory (bytes) of `meshsentry scan --threads 1 FILE`, as
// /usr/bin/time -v reports it: the whole process, set and runtime included,
// from wait4. A child's peak starts from what it was forked from, so a
// fresh copy of this program (small) forks it, not this large process.
int peak_rss_child(const char* cli, const char* sig, const char* file) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (!std::freopen("/dev/null", "w", stdout)) _exit(127);
    ::execl(cli, cli, "scan", "--threads", "1", "--quiet", "--signatures", sig, file, static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  rusage ru{};
  if (pid < 0 || ::wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) > 2) return 1;
  std::printf("%ld\n", ru.ru_maxrss * 1024L);
  return 0;
}

std::size_t peak_rss(const std::string& cli, const std::string& sig, const fs::path& file) {
  const std::string cmd = "'" + fs::read_symlink("/proc/self/exe").string() + "' --peak-rss-child '" + cli + "' '" +
                          sig + "' '" + file.string() + "'";
  std::fflush(stdout);
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return 0;
  long bytes = 0;
  if (std::fscanf(p, "%ld", &bytes) != 1) bytes = 0;
  return ::pclose(p) == 0 ? static_cast<std::size_t>(bytes) : 0;
}

// A torus of about `triangles` triangles, as binary STL: deterministic, closed,
// one body, the size of a typical large upload.
void write_torus(const fs::path& p, std::size_t triangles) {
  const auto u = static_cast<std::size_t>(std::sqrt(triangles / 2.0 * 4));
  const std::size_t v = triangles / 2 / u;
  const std::uint32_t n = static_cast<std::uint32_t>(2 * u * v);
  std::string b(80, ' ');
  b.replace(0, 22, "meshsentry bench torus");
  b.append(reinterpret_cast<const char*>(&n), 4);
  auto point = [&](std::size_t i, std::size_t j, float* out) {
    const double a = 2 * M_PI * double(i % u) / u, c = 2 * M_PI * double(j % v) / v;
    out[0] = float((30 + 10 * std::cos(c)) * std::cos(a));
    out[1] = float((30 + 10 * std::cos(c)) * std::sin(a));
    out[2] = float(10 * std::sin(c));
  };
  b.reserve(84 + 50ull * n);
  for (std::size_t i = 0; i < u; ++i)
    for (std::size_t j = 0; j < v; ++j) {
      float q[4][3];
      point(i, j, q[0]);
      point(i + 1, j, q[1]);
      point(i + 1, j + 1, q[2]);
      point(i, j + 1, q[3]);
      const int tris[2][3] = {{0, 1, 2}, {0, 2, 3}};
      for (const auto& t : tris) {
        float rec[12] = {0, 0, 0};
        for (int k = 0; k < 3; ++k) std::memcpy(rec + 3 + 3 * k, q[t[k]], 12);
        b.append(reinterpret_cast<const char*>(rec), 48);
        b.append(2, '\0');
      }
    }
  std::ofstream(p, std::ios::binary).write(b.data(), static_cast<std::streamsize>(b.size()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 5 && std::string(argv[1]) == "--peak-rss-child") return peak_rss_child(argv[2], argv[3], argv[4]);
  std::string sig_path = MESHSENTRY_SOURCE_DIR "/signatures/demo.msig";
  std::string cases = MESHSENTRY_SOURCE_DIR "/../shared/eval/dev/cases";
  int reps = 11;
  std::size_t triangles = 1'000'000;
  bool quick = false, rss = false;
  std::string cli = MESHSENTRY_BINARY_DIR "/meshsentry";
  std::vector<std::string> pos;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--reps" && i + 1 < argc) reps = std::max(1, std::atoi(argv[++i]));
    else if (a == "--triangles" && i + 1 < argc) triangles = std::max(1000ull, std::stoull(argv[++i]));
    else if (a == "--quick") quick = true;
    else if (a == "--rss") rss = true;
    else if (a == "--cli" && i + 1 < argc) cli = argv[++i];
    else pos.push_back(a);
  }
  if (pos.size() > 0) sig_path = pos[0];
  if (pos.size() > 1) cases = pos[1];
  auto engine = Engine::open(sig_path);
  if (!engine) {
    std::fprintf(stderr, "%s\n", engine.status().message.c_str());
    return 2;
  }

  const fs::path dir = fs::temp_directory_path() / ("meshsentry-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path big = dir / "torus.stl";
  write_torus(big, triangles);
  const double mb = double(fs::file_size(big)) / 1e6;

  std::printf("meshsentry speed benchmark (medians of %d runs, this machine, one run)\n\n", reps);
  std::printf("| measure | value |\n|---|---|\n");
  std::size_t tris = 0;
  if (!quick) {
    auto file = MappedFile::open(big.string(), 1ull << 34);
    const double read_ms = median_ms(reps, [&] { tris = read_stl(file->bytes())->mesh.triangles.size(); });
    // Stage by stage, to see where the time goes.
    Mesh soup = read_stl(file->bytes())->mesh;
    Result<PreparedMesh> prepared = make_error(ErrorCode::empty, "");
    // Each repetition prepares its own copy, made beforehand: copying 48 MB
    // of soup inside the timer had counted the copy and its page faults too.
    std::vector<Mesh> soups(static_cast<std::size_t>(reps), soup);
    std::size_t next_soup = 0;
    const double prepare_ms = median_ms(reps, [&] { prepared = prepare(std::move(soups[next_soup++])); });
    soups.clear();
    // The scan's path for a binary STL: welded straight from the file's bytes.
    const auto records = read_binary_stl_records(file->bytes(), {});
    const double prepare_records_ms =
        median_ms(reps, [&] { prepare_stl_records(records->first, records->count, records->bounds, {}); });
    DescriptorParams params;
    const double describe_ms = median_ms(reps, [&] { describe_shape(prepared->mesh, {}, prepared->mass, params); });
    const double hash_ms = median_ms(reps, [&] { geometry_hash(prepared->mesh); });
    const double sha_ms = median_ms(reps, [&] { (void)sha256_hex(file->bytes()); });
    std::printf("| binary STL | %.1f MB, %zu triangles |\n", mb, tris);
    std::printf("| native STL read | %.1f ms, %.2f GB/s |\n", read_ms, mb / read_ms);
    std::printf("| prepare (weld, orient, bodies, integrals), one thread | %.1f ms |\n", prepare_ms);
    std::printf("| the same from the file's records (the scan's path), one thread | %.1f ms |\n", prepare_records_ms);
    std::printf("| describe (sample, D2/D1/A3, moments) | %.1f ms |\n", describe_ms);
    std::printf("| geometry hash | %.1f ms |\n", hash_ms);
    std::printf("| SHA-256 of the file | %.1f ms |\n", sha_ms);
  } else {
    std::printf("| binary STL | %.1f MB, about %zu triangles |\n", mb, triangles);
  }
  // Assimp and the scan (one thread, default threads) take turns, in an
  // order that rotates every round, so that both see the same machine: on
  // this shared host Assimp's median alone moved from 63 to 120 ms between
  // runs, with the heap warm or not. Wall and CPU time of each: Assimp and
  // the one-thread scan run on this thread (its CPU clock), the parallel
  // scan on several (the process's clock).
  ScanOptions one;
  one.threads = 1;
  ScanOptions all;
  std::vector<ScanResult> res;
  const clockid_t clocks[3] = {CLOCK_THREAD_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID, CLOCK_PROCESS_CPUTIME_ID};
  std::vector<double> wall[3], cpu[3], wall_ratio[3], cpu_ratio[3];
  const std::function<void()> modes[3] = {[&] {
                                            Assimp::Importer imp;
                                            const aiScene* s = imp.ReadFile(big.string(), 0);
                                            if (!s) std::fprintf(stderr, "assimp failed: %s\n", imp.GetErrorString());
                                          },
                                          [&] { res = engine->scan_file(big.string(), one); },
                                          [&] { res = engine->scan_file(big.string(), all); }};
  for (int round = 0; round < reps; ++round) {
    double w[3], c[3];
    for (int k = 0; k < 3; ++k) {
      const int m = (round + k) % 3;
      const double c0 = cpu_ms(clocks[m]);
      const auto t0 = Clock::now();
      modes[m]();
      w[m] = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      c[m] = cpu_ms(clocks[m]) - c0;
    }
    for (int m = 0; m < 3; ++m) {
      wall[m].push_back(w[m]);
      cpu[m].push_back(c[m]);
      wall_ratio[m].push_back(w[m] / w[0]);
      cpu_ratio[m].push_back(c[m] / c[0]);
    }
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::printf("| Assimp ReadFile (no post-processing) | %.1f ms wall, %.1f ms CPU |\n", median(wall[0]),
              median(cpu[0]));
  std::printf("| meshsentry load+prepare+describe+scan, 1 thread | %.1f ms wall, %.1f ms CPU |\n", median(wall[1]),
              median(cpu[1]));
  std::printf(
      "| ratio meshsentry / Assimp ReadFile, 1 thread, median of the rounds' ratios (target <= 1.0) | "
      "**%.2f** wall, **%.2f** CPU |\n",
      median(wall_ratio[1]), median(cpu_ratio[1]));
  std::printf("| same scan, default threads (%d) | %.1f ms wall, %.1f ms CPU, ratio **%.2f** wall, %.2f CPU |\n",
              omp_get_max_threads(), median(wall[2]), median(cpu[2]), median(wall_ratio[2]), median(cpu_ratio[2]));
  res.clear();
  fs::remove(big);

  if (rss) {
    for (const std::size_t n : {std::size_t{1'000'000}, std::size_t{10'000'000}}) {
      const fs::path f = dir / ("rss_" + std::to_string(n) + ".stl");
      write_torus(f, n);
      const std::size_t got = (fs::file_size(f) - 84) / 50;
      const std::size_t peak = peak_rss(cli, sig_path, f);
      fs::remove(f);
      if (peak == 0) {
        std::printf("| peak memory, %zu triangles | failed: %s did not run |\n", got, cli.c_str());
        continue;
      }
      std::printf(
          "| peak memory of `meshsentry scan --threads 1`, %zu triangles (target <= 100 B/tri) | %.1f MB, "
          "**%.1f bytes/triangle** |\n",
          got, peak / 1e6, double(peak) / double(got));
    }
  }

  if (!quick && fs::is_directory(cases)) {
    std::size_t files = 0, bytes = 0;
    for (const auto& e : fs::recursive_directory_iterator(cases))
      if (e.is_regular_file()) {
        ++files;
        bytes += e.file_size();
      }
    ScanOptions opt;
    opt.timing = false;
    std::size_t results = 0;
    const double ms = median_ms(std::max(1, reps / 2), [&] { results = engine->scan_paths({cases}, opt).size(); });
    std::printf("| folder scan of %s | %zu files, %.1f MB, %zu results |\n", fs::path(cases).filename().c_str(), files,
                bytes / 1e6, results);
    std::printf("| files/s, MB/s (default threads) | %.1f files/s, %.2f MB/s |\n", files / (ms / 1e3),
                bytes / 1e6 / (ms / 1e3));
  } else if (!quick) {
    std::printf("| folder scan | skipped: %s not found |\n", cases.c_str());
  }
  fs::remove_all(dir);
  return 0;
}
