// SPDX-License-Identifier: MIT
// The pool of isolation workers against hostile loaders: every file's answer
// must be the one the fork-per-file child gives, a worker that crashed, ran
// past a limit or blew up must be replaced, limits must hold per file, and
// no file's data may reach another file's answer.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "io/isolation.hpp"
#include "io/isolation_pool.hpp"
#include "meshsentry/io.hpp"
#include "support/fixtures.hpp"

using namespace meshsentry;
using namespace fixtures;

namespace {

std::string text(std::span<const std::byte> b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

void spin_cpu(double seconds) {
  timespec t0{}, t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
  do clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  while ((t.tv_sec - t0.tv_sec) + 1e-9 * (t.tv_nsec - t0.tv_nsec) < seconds);
}

// A loader whose behaviour the file's bytes choose; any other bytes become a
// one-triangle mesh that spells them (their length and first byte), so a
// wrong or stale answer shows.
Result<LoadedMesh> hostile(std::span<const std::byte> bytes, Format, const LoadLimits&, const std::string& path) {
  const std::string s = text(bytes);
  if (s == "segv") ::raise(SIGSEGV);
  if (s == "abort") std::abort();
  if (s == "spin")
    for (volatile unsigned x = 0;;) x = x + 1u;
  if (s == "sleep") pause();
  if (s == "hog") {
    std::vector<std::vector<char>> keep;
    for (;;) keep.emplace_back(64u << 20, 'x');
  }
  if (s == "silent-exit") _exit(0);
  if (s == "refuse") return make_error(ErrorCode::format, "refused: " + path);
  if (s.rfind("cpu ", 0) == 0) spin_cpu(std::atof(s.c_str() + 4));
  if (s.rfind("leak ", 0) == 0) {
    const std::size_t n = std::size_t(std::atoll(s.c_str() + 5)) << 20;
    char* p = static_cast<char*>(std::malloc(n));  // kept on purpose: the worker must leave
    if (!p) return make_error(ErrorCode::limit, "out of memory");
    std::memset(p, 1, n);
  }
  LoadedMesh m;
  m.source_meshes = 7;
  m.mesh.vertices = {{float(s.size()), float(s.empty() ? 0 : s[0]), 0}, {0, 1, 0}, {0, 0, 1}};
  m.mesh.triangles = {{0, 1, 2}};
  m.mesh.source_mesh = {0};
  return m;
}

std::span<const std::byte> as_bytes(const std::string& s) { return std::as_bytes(std::span(s.data(), s.size())); }

LoadLimits small_limits() {
  LoadLimits l;
  l.max_seconds = 2;
  l.isolation_max_bytes = 512ull << 20;
  return l;
}

void check_same(const Result<LoadedMesh>& a, const Result<LoadedMesh>& b) {
  REQUIRE(a.ok() == b.ok());
  if (!a.ok()) {
    CHECK(a.status().code == b.status().code);
    CHECK(a.status().message == b.status().message);
    return;
  }
  CHECK(a->source_meshes == b->source_meshes);
  CHECK(a->mesh.vertices == b->mesh.vertices);
  CHECK(a->mesh.triangles == b->mesh.triangles);
  CHECK(a->mesh.source_mesh == b->mesh.source_mesh);
}

Result<LoadedMesh> forked(const std::string& s, const LoadLimits& l) {
  return run_isolated([&] { return hostile(as_bytes(s), Format::obj, l, "p"); }, l);
}

}  // namespace

TEST_CASE("pool workers give the fork-per-file answers and survive hostile files", "[io][pool]") {
  const LoadLimits limits = small_limits();
  IsolationPoolOptions o;
  o.workers = 2;
  IsolationPool pool(o, hostile);
  pool.prestart();
  CHECK(pool.stats().forked == 2);
  const std::vector<std::string> files = {"a",     "segv", "bb",  "abort", "ccc",         "spin",   "dddd",
                                          "sleep", "e",    "hog", "ff",    "silent-exit", "refuse", "ggg"};
  int hostile_files = 0;
  for (const std::string& f : files) {
    INFO(f);
    const auto r = pool.run(as_bytes(f), Format::obj, limits, "p");
    REQUIRE(r.has_value());
    check_same(*r, forked(f, limits));
    if (f == "segv" || f == "abort" || f == "spin" || f == "sleep" || f == "hog" || f == "silent-exit") {
      ++hostile_files;
      CHECK_FALSE(r->ok());
    }
    if (f.size() <= 4 && f != "segv" && f != "spin" && f != "hog") {
      REQUIRE(r->ok());
      CHECK((*r)->mesh.vertices[0][0] == float(f.size()));  // its own data, never the last file's
      CHECK((*r)->mesh.vertices[0][1] == float(f[0]));
    }
  }
  const IsolationPoolStats s = pool.stats();
  CHECK(s.files == files.size());
  CHECK(s.killed == std::uint64_t(hostile_files));  // each hostile one cost its worker
  // Each was replaced, at the latest when a file found no worker waiting.
  CHECK(s.forked >= 1 + std::uint64_t(hostile_files));
  CHECK(s.forked <= 2 + std::uint64_t(hostile_files));
  CHECK(s.fallbacks == 0);
  // The records fork-per-file gives, spelled out.
  CHECK(pool.run(as_bytes("segv"), Format::obj, limits, "p")->status().message.find("crashed") != std::string::npos);
  CHECK(pool.run(as_bytes("spin"), Format::obj, limits, "p")->status().message.rfind("limit:", 0) == 0);
  CHECK(pool.run(as_bytes("refuse"), Format::obj, limits, "x/y")->status().message == "refused: x/y");
}

TEST_CASE("pool limits are per file: CPU time and memory start again for each", "[io][pool]") {
  LoadLimits limits = small_limits();
  limits.max_seconds = 3;  // wall time too: room for a loaded machine
  IsolationPoolOptions o;
  o.workers = 1;
  IsolationPool pool(o, hostile);
  // Ten files of 0.35 s CPU each in one worker: 3.5 s in all, past a
  // lifetime limit of 3 s but within each file's.
  for (int i = 0; i < 10; ++i) {
    const auto r = pool.run(as_bytes("cpu 0.35"), Format::obj, limits, "p");
    REQUIRE(r.has_value());
    INFO(i << ": " << (r->ok() ? std::string("ok") : r->status().message));
    CHECK(r->ok());
  }
  CHECK(pool.stats().killed == 0);
  // And one of 5 s is stopped.
  const auto late = pool.run(as_bytes("cpu 5"), Format::obj, limits, "p");
  REQUIRE(late.has_value());
  REQUIRE_FALSE(late->ok());
  CHECK(late->status().code == ErrorCode::limit);
  // 300 MiB is within each file's 512 MiB, twice in a row: the first
  // worker's growth (kept on purpose) retires it, so the second file gets
  // its whole budget in a fresh one.
  const auto first = pool.run(as_bytes("leak 300"), Format::obj, small_limits(), "p");
  const auto second = pool.run(as_bytes("leak 300"), Format::obj, small_limits(), "p");
  REQUIRE(first.has_value());
  REQUIRE(second.has_value());
  CHECK(first->ok());
  CHECK(second->ok());
  CHECK(pool.stats().retired >= 2);
  // Memory past the budget is refused as in a forked child.
  const auto big = pool.run(as_bytes("leak 700"), Format::obj, small_limits(), "p");
  REQUIRE(big.has_value());
  REQUIRE_FALSE(big->ok());
  check_same(*big, forked("leak 700", small_limits()));
}

TEST_CASE("pool workers are replaced after max_files", "[io][pool]") {
  IsolationPoolOptions o;
  o.workers = 1;
  o.max_files = 3;
  IsolationPool pool(o, hostile);
  for (int i = 0; i < 10; ++i) {
    const std::string f(std::size_t(i + 1), char('a' + i));
    const auto r = pool.run(as_bytes(f), Format::obj, small_limits(), "p");
    REQUIRE(r.has_value());
    REQUIRE(r->ok());
    CHECK((*r)->mesh.vertices[0][0] == float(i + 1));
  }
  const IsolationPoolStats s = pool.stats();
  CHECK(s.retired == 3);
  CHECK(s.forked == 4);
  CHECK(s.killed == 0);
}

TEST_CASE("pool: a scan of many Assimp files with a crasher among them", "[io][pool][cli]") {
  TempDir d;
  const Mesh m = cube();
  for (int i = 0; i < 24; ++i) {
    const Mesh part = transformed(m, {1, 0, 0, 0, 1, 0, 0, 0, 1}, {float(i), 0, 0});
    if (i % 2) write_obj(part, d.path / ("part" + std::to_string(i) + ".obj"));
    else write_ply_binary(part, d.path / ("part" + std::to_string(i) + ".ply"));
  }
  std::filesystem::copy_file(source_dir() / "tests/data/traps/assimp-crash.ply", d.path / "part05_crash.ply");
  write_bytes(d.path / "part07_garbage.obj", "v 1 2\nf 1 2 9999999999\n\x01\x02");
  const std::string sig = quoted(source_dir() / "signatures/demo.msig");
  for (const char* threads : {"-j1", "-j3"}) {
    INFO(threads);
    const CliRun pool = run_scan("--signatures " + sig + " --format jsonl " + threads + " " + quoted(d.path));
    const CliRun fork =
        run_scan("--signatures " + sig + " --format jsonl --fork-per-file " + threads + " " + quoted(d.path));
    CHECK(pool.code == 2);  // the crasher's error; nothing flagged
    CHECK(pool.out == fork.out);
    std::size_t clean = 0, crashed = 0, lines = 0;
    for (std::size_t at = 0; (at = pool.out.find('\n', at)) != std::string::npos; ++at) ++lines;
    for (std::size_t at = 0; (at = pool.out.find("\"verdict\":\"clean\"", at)) != std::string::npos; ++at) ++clean;
    for (std::size_t at = 0; (at = pool.out.find("loader crashed on this file", at)) != std::string::npos; ++at)
      ++crashed;
    CHECK(lines == 26);
    CHECK(clean == 24);  // every good file after the crash still read: the pool went on
    CHECK(crashed == 1);
  }
}
