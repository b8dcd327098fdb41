// SPDX-License-Identifier: MIT
// The meshsentry command end to end: exit codes, JSONL fields of
// EVAL-FORMAT.md, identical output across thread counts, escaped names,
// records written as they complete and scans stopped by a signal.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "support/fixtures.hpp"

using namespace fixtures;

namespace {

struct Run {
  int code;
  std::string out;
};

// `meshsentry ARGS` through the shell (ARGS may redirect standard input);
// stderr to `err` where given, else dropped.
Run run(const std::string& args, const std::filesystem::path& err = "/dev/null") {
  const std::string cmd = std::string(MESHSENTRY_CLI) + " " + args + " 2>'" + err.string() + "'";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::vector<nlohmann::json> lines(const std::string& out) {
  std::vector<nlohmann::json> v;
  std::istringstream ss(out);
  std::string l;
  while (std::getline(ss, l)) v.push_back(nlohmann::json::parse(l));
  return v;
}

std::string q(const std::filesystem::path& p) { return "'" + p.string() + "'"; }

extern "C" char** environ;

// Starts `meshsentry scan ARGS...` with stdout to `out` (stderr to /dev/null),
// waits until `out` holds at least `bytes`, sends `sig` and returns the exit
// status as waitpid gives it.
int scan_then_signal(const std::vector<std::string>& args, const std::filesystem::path& out, std::size_t bytes,
                     int sig) {
  std::vector<std::string> argv_s = {MESHSENTRY_CLI, "scan"};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  // A test run in the background of a shell inherits SIGINT ignored: default it.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &fa, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  REQUIRE(rc == 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::error_code ec;
  while (std::filesystem::file_size(out, ec) < bytes && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  kill(pid, sig);
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

// A folder of `copies` copies of models/refs (8 files each, all flagged).
std::size_t many_refs(const std::filesystem::path& dir, int copies) {
  std::size_t n = 0;
  for (int i = 0; i < copies; ++i) {
    const auto sub = dir / ("copy" + std::to_string(100 + i));
    std::filesystem::create_directories(sub);
    for (const auto& f : std::filesystem::directory_iterator(source_dir() / "models/refs"))
      if (f.path().extension() == ".stl") {
        std::filesystem::copy_file(f.path(), sub / f.path().filename());
        ++n;
      }
  }
  return n;
}

}  // namespace

TEST_CASE("scan exit codes follow ClamAV", "[cli]") {
  TempDir d;
  const auto sigs = q(source_dir() / "signatures/demo.msig");
  CHECK(run("scan --signatures " + sigs + " " + q(source_dir() / "models/benign")).code == 0);
  CHECK(run("scan --signatures " + sigs + " " + q(source_dir() / "models/refs")).code == 1);
  write_bytes(d.path / "broken.stl", "solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0");
  CHECK(run("scan --signatures " + sigs + " " + q(d.path / "broken.stl")).code == 2);
  // An error beside a match: the match decides.
  std::filesystem::copy_file(source_dir() / "models/refs/gear_rack_m2.stl", d.path / "rack.stl");
  CHECK(run("scan --signatures " + sigs + " " + q(d.path)).code == 1);
  CHECK(run("scan --bogus-flag x").code == 2);
  CHECK(run("scan --signatures " + q(d.path / "broken.stl") + " " + q(d.path)).code == 2);
  CHECK(run("").code == 2);
}

TEST_CASE("scan --format jsonl has the contract's fields", "[cli]") {
  const auto r =
      run("scan --format jsonl " + q(source_dir() / "models/refs") + " " + q(source_dir() / "models/benign"));
  REQUIRE(r.code == 1);
  const auto v = lines(r.out);
  REQUIRE(v.size() == 18);
  std::size_t matched = 0;
  for (const auto& j : v) {
    INFO(j.dump());
    REQUIRE(j["path"].is_string());
    const std::string verdict = j["verdict"];
    CHECK((verdict == "match" || verdict == "clean"));
    REQUIRE(j["matches"].is_array());
    REQUIRE(j["candidates"].is_array());
    CHECK(j["sha256"].get<std::string>().size() == 64);
    CHECK(j["format"] == "stl");
    CHECK(j["triangles"].get<int>() > 0);
    CHECK(j["bodies"].get<int>() >= 1);
    CHECK(j.contains("elapsed_ms"));
    CHECK_FALSE(j.contains("error"));
    if (verdict == "match") {
      ++matched;
      const auto& m = j["matches"][0];
      for (const char* k : {"signature", "score", "label", "class", "scale", "mirrored", "body", "coverage", "fit",
                            "explained", "transform"})
        CHECK(m.contains(k));
      CHECK(m["score"].get<double>() <= 1.0);
      CHECK(j["path"].get<std::string>().find(m["signature"].get<std::string>()) != std::string::npos);
    } else {
      CHECK(j["matches"].empty());
      CHECK(j["candidates"].size() == 3);
    }
  }
  CHECK(matched == 8);
}

TEST_CASE("output is identical with 1, 2 and 8 threads", "[cli]") {
  // models/ plus an archive, a broken file and an Assimp crasher, so errors
  // and archive members are ordered too.
  TempDir d;
  write_bytes(d.path / "broken.stl", "solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0");
  std::filesystem::copy_file(source_dir() / "tests/data/traps/assimp-crash.ply", d.path / "crash.ply");
  write_bytes(d.path / "parts.zip", stored_zip({{"rack.stl", read_bytes(source_dir() / "models/refs/gear_rack_m2.stl")},
                                                {"bad.stl", "solid"}}));
  const std::string args = "scan --format jsonl --no-timing " + q(source_dir() / "models") + " " + q(d.path);
  const auto a = run(args + " --threads 1");
  const auto b = run(args + " --threads 2");
  const auto c = run(args + " --threads 8");
  CHECK(a.code == 1);
  CHECK(a.out == b.out);
  CHECK(a.out == c.out);
  CHECK(a.out.find("elapsed_ms") == std::string::npos);
  CHECK(a.out.find("crash.ply") != std::string::npos);
}

TEST_CASE("sig build, info and verify", "[cli]") {
  TempDir d;
  const auto out = q(d.path / "s.msig");
  REQUIRE(run("sig build --manifest " + q(source_dir() / "signatures/demo.tsv") + " --out " + out).code == 0);
  const auto info = run("sig info " + out);
  CHECK(info.code == 0);
  CHECK(info.out.find("flange_3hole") != std::string::npos);
  CHECK(run("sig verify " + out).code == 0);
  std::string bytes = read_bytes(d.path / "s.msig");
  bytes[bytes.size() / 2] ^= 0x40;
  write_bytes(d.path / "bad.msig", bytes);
  CHECK(run("sig verify " + q(d.path / "bad.msig")).code == 2);
  CHECK(run("sig build --manifest " + q(d.path / "nope.tsv") + " --out " + out).code == 2);
}

TEST_CASE("sig keygen, sign, and scans that trust a key", "[cli][signing]") {
  TempDir d;
  const auto set = q(d.path / "s.msig");
  std::filesystem::copy_file(source_dir() / "signatures/demo.msig", d.path / "s.msig");
  REQUIRE(run("sig keygen --out " + q(d.path / "k.pem")).code == 0);
  REQUIRE(run("sig keygen --out " + q(d.path / "other.pem")).code == 0);
  const auto refs = q(source_dir() / "models/refs");
  // Unsigned: refused as soon as a key is trusted.
  CHECK(run("scan --signatures " + set + " --trusted-key " + q(d.path / "k.pub.pem") + " " + refs).code == 2);
  REQUIRE(run("sig sign --key " + q(d.path / "k.pem") + " " + set).code == 0);
  CHECK(run("sig verify --trusted-key " + q(d.path / "k.pub.pem") + " " + set).out.find("signature key") !=
        std::string::npos);
  CHECK(run("scan --signatures " + set + " --trusted-key " + q(d.path / "k.pub.pem") + " " + refs).code == 1);
  CHECK(run("scan --signatures " + set + " --trusted-key " + q(d.path / "other.pub.pem") + " " + refs).code == 2);
  CHECK(run("sig verify --trusted-key " + q(d.path / "other.pub.pem") + " " + set).code == 2);
}

TEST_CASE("sig add, remove and merge: same bytes as a build, refusals that write nothing", "[cli][edit]") {
  TempDir d;
  auto manifest = [&](const std::string& name, const std::vector<std::string>& refs) {
    std::string text = "id\tlabel\tclass\tpath\n";
    for (const auto& r : refs)
      text += r + "\t" + r + "\tstand-in\t" + (source_dir() / "models/refs" / (r + ".stl")).string() + "\n";
    write_bytes(d.path / name, text);
    return q(d.path / name);
  };
  const auto a = manifest("a.tsv", {"flange_3hole", "gear_rack_m2"});
  const auto b = manifest("b.tsv", {"star_knob_5lobe"});
  const auto ab = manifest("ab.tsv", {"flange_3hole", "gear_rack_m2", "star_knob_5lobe"});
  auto p = [&](const char* name) { return q(d.path / name); };
  auto bytes = [&](const char* name) { return read_bytes(d.path / name); };
  ::setenv("SOURCE_DATE_EPOCH", "1764547200", 1);
  REQUIRE(run("sig build -n parts -m " + ab + " -o " + p("ab.msig")).code == 0);
  REQUIRE(run("sig build -n parts -m " + a + " -o " + p("a.msig")).code == 0);
  REQUIRE(run("sig build -n other -m " + b + " -o " + p("b.msig")).code == 0);
  REQUIRE(run("sig add " + p("a.msig") + " " + b + " -o " + p("added.msig")).code == 0);
  REQUIRE(run("sig merge " + p("merged.msig") + " " + p("a.msig") + " " + p("b.msig")).code == 0);
  std::filesystem::copy_file(d.path / "a.msig", d.path / "inplace.msig");
  REQUIRE(run("sig add " + p("inplace.msig") + " " + b).code == 0);
  ::unsetenv("SOURCE_DATE_EPOCH");
  CHECK(bytes("added.msig") == bytes("ab.msig"));
  CHECK(bytes("merged.msig") == bytes("ab.msig"));
  CHECK(bytes("inplace.msig") == bytes("ab.msig"));
  CHECK(run("sig info " + p("merged.msig")).out.find("name:            parts\n") != std::string::npos);

  // Refusals: exit status 2, the reason on stderr, the set left as it was.
  const auto before = bytes("added.msig");
  CHECK(run("sig add " + p("added.msig") + " " + b, d.path / "err").code == 2);
  CHECK(read_bytes(d.path / "err").find("'star_knob_5lobe' is already in the set") != std::string::npos);
  CHECK(run("sig remove " + p("added.msig") + " gear_rack_m2 no_such_part", d.path / "err").code == 2);
  CHECK(read_bytes(d.path / "err").find("'no_such_part'") != std::string::npos);
  CHECK(run("sig remove " + p("added.msig") + " flange_3hole gear_rack_m2 star_knob_5lobe").code == 2);
  CHECK(run("sig merge " + p("dup.msig") + " " + p("a.msig") + " " + p("added.msig"), d.path / "err").code == 2);
  const std::string dup = read_bytes(d.path / "err");
  CHECK(dup.find("'flange_3hole' is in both " + (d.path / "a.msig").string() + " and " +
                 (d.path / "added.msig").string()) != std::string::npos);
  CHECK(!std::filesystem::exists(d.path / "dup.msig"));
  CHECK(run("sig merge " + p("one.msig") + " " + p("a.msig")).code == 2);
  CHECK(bytes("added.msig") == before);

  // --replace keeps the entry's place; remove drops by id, in place.
  REQUIRE(run("sig add --replace -n renamed " + p("added.msig") + " " + b).code == 0);
  const auto info = run("sig info " + p("added.msig")).out;
  CHECK(info.find("name:            renamed") != std::string::npos);
  CHECK(info.find("signatures:      3") != std::string::npos);
  REQUIRE(run("sig remove " + p("added.msig") + " gear_rack_m2").code == 0);
  const auto fewer = run("sig info " + p("added.msig")).out;
  CHECK(fewer.find("gear_rack_m2") == std::string::npos);
  CHECK(fewer.find("signatures:      2") != std::string::npos);

  // A signed set edited: told to re-sign, its stale signature gone, the input's kept.
  REQUIRE(run("sig keygen -o " + p("k.pem")).code == 0);
  REQUIRE(run("sig sign -k " + p("k.pem") + " " + p("a.msig")).code == 0);
  std::filesystem::copy_file(d.path / "a.msig.sig", d.path / "out.msig.sig");
  REQUIRE(run("sig add " + p("a.msig") + " " + b + " -o " + p("out.msig"), d.path / "err").code == 0);
  CHECK(read_bytes(d.path / "err").find("re-sign with meshsentry sig sign") != std::string::npos);
  CHECK(!std::filesystem::exists(d.path / "out.msig.sig"));
  CHECK(run("sig verify -k " + p("k.pub.pem") + " " + p("a.msig")).code == 0);
  REQUIRE(run("sig remove " + p("a.msig") + " flange_3hole", d.path / "err").code == 0);
  CHECK(read_bytes(d.path / "err").find("re-sign with meshsentry sig sign") != std::string::npos);
  CHECK(!std::filesystem::exists(d.path / "a.msig.sig"));
  CHECK(run("sig verify -k " + p("k.pub.pem") + " " + p("a.msig"), d.path / "err").code == 2);
  CHECK(read_bytes(d.path / "err").find("not signed") != std::string::npos);
}

TEST_CASE("every command and subcommand answers --help on stdout with status 0", "[cli]") {
  for (const char* cmd :
       {"--help", "-h", "help", "scan --help", "scan -h", "sig --help", "sig -h", "sig build --help", "sig build -h",
        "sig add --help", "sig remove -h", "sig merge --help", "sig info --help", "sig verify --help", "sig verify -h",
        "sig sign --help", "sig keygen --help", "serve --help", "serve -h"}) {
    INFO(cmd);
    const auto r = run(cmd);
    CHECK(r.code == 0);
    CHECK(r.out.find("usage: meshsentry") != std::string::npos);
  }
  // Each help is its command's: the options it lists are its own.
  const auto scan = run("scan --help").out;
  for (const char* flag : {"--files-from", "--stdin-name", "-i,--infected", "-j,--threads", "-s,--signatures",
                           "-f,--format", "--max-file-size", "--no-summary"})
    CHECK(scan.find(flag) != std::string::npos);
  CHECK(run("sig build --help").out.find("--manifest") != std::string::npos);
  CHECK(run("serve --help").out.find("--listen") != std::string::npos);
  CHECK(run("--version").out.rfind("meshsentry ", 0) == 0);
  // Usage errors are status 2, with nothing on stdout.
  for (const char* cmd :
       {"sig", "sig build", "sig info", "sig frobnicate", "frobnicate", "scan --format xml x", "scan --threads many x",
        "scan --threshold 2 x", "sig info a b", "sig add x", "sig remove x", "sig merge x"}) {
    INFO(cmd);
    const auto r = run(cmd);
    CHECK(r.code == 2);
    CHECK(r.out.empty());
  }
  // After "--", -h is a file name like any other.
  CHECK(run("scan -- -h").code == 2);
}

TEST_CASE("text and json formats", "[cli]") {
  const auto t = run("scan " + q(source_dir() / "models/refs/star_knob_5lobe.stl"));
  CHECK(t.code == 1);
  CHECK(t.out.find("MATCH star_knob_5lobe") != std::string::npos);
  // A part found inside a larger shape says how much of the file it is.
  const auto f = run("scan " + q(source_dir() / "models/test/fused_ratchet.stl"));
  CHECK(f.out.find("MATCH ratchet_wheel_18t") != std::string::npos);
  CHECK(f.out.find("% of the file") != std::string::npos);
  CHECK(t.out.find("% of the file") == std::string::npos);
  const auto j = run("scan --format json " + q(source_dir() / "models/test") + " " + q(source_dir() / "models/benign"));
  // The fused_* files (a part in dummy material, on a raft, in a box) match; piece_flange.stl is suspect.
  CHECK(j.code == 1);
  const auto doc = nlohmann::json::parse(j.out);
  CHECK(doc["signatures"]["name"] == "demo");
  std::size_t stl = 0;
  for (const char* dir : {"models/test", "models/benign"})
    for (const auto& f : std::filesystem::directory_iterator(source_dir() / dir)) stl += f.path().extension() == ".stl";
  CHECK(doc["summary"]["files"] == stl);
  CHECK(doc["files"].size() == stl);
  std::size_t positives = 0;
  for (const auto& f : std::filesystem::directory_iterator(source_dir() / "models/test")) {
    const std::string name = f.path().filename().string();
    positives += name.rfind("fused_", 0) == 0 || name.rfind("piece_", 0) == 0;
  }
  CHECK(positives == 4);
  CHECK(doc["summary"]["flagged"] == positives);
  CHECK(doc["settings"]["limits"]["max_ratio"] == 100.0);
}

TEST_CASE("--allow turns a flagged file into allowed, by sha256 or geometry hash", "[cli]") {
  TempDir d;
  const auto sigs = q(source_dir() / "signatures/demo.msig");
  const auto rack = source_dir() / "models/refs/gear_rack_m2.stl";
  auto first = lines(run("scan --format jsonl --no-timing --signatures " + sigs + " " + q(rack)).out);
  REQUIRE(first.size() == 1);
  REQUIRE(first[0]["verdict"] == "match");
  const std::string sha = first[0]["sha256"], geometry = first[0]["geometry_hash"];

  write_bytes(d.path / "by_sha.txt", "# appeal 17: a lawful prop\nsha256:" + sha + "\n");
  auto r = run("scan --format jsonl --no-timing --signatures " + sigs + " --allow " + q(d.path / "by_sha.txt") + " " +
               q(rack));
  CHECK(r.code == 0);
  auto l = lines(r.out);
  REQUIRE(l.size() == 1);
  CHECK(l[0]["verdict"] == "allowed");
  CHECK(l[0]["allowed_by"] == "sha256:" + sha);
  CHECK(l[0]["matches"][0]["signature"] == "gear_rack_m2");  // what was matched stays visible

  // A geometry rule allows the same geometry in another encoding too.
  write_bytes(d.path / "by_geometry.txt", geometry + "\n");
  write_ascii_stl(load_or_die(rack.string()), d.path / "rack_ascii.stl");
  r = run("scan --format jsonl --no-timing --signatures " + sigs + " --allow " + q(d.path / "by_geometry.txt") + " " +
          q(d.path / "rack_ascii.stl") + " " + q(source_dir() / "models/refs/flange_3hole.stl"));
  CHECK(r.code == 1);  // the flange is still flagged
  l = lines(r.out);
  REQUIRE(l.size() == 2);
  for (const auto& x : l) {
    const bool ascii = std::string(x["path"]).find("rack_ascii") != std::string::npos;
    CHECK(x["verdict"] == (ascii ? "allowed" : "match"));
    if (ascii) CHECK(x["allowed_by"] == "geometry:" + geometry);
  }

  write_bytes(d.path / "bad.txt", "sha256:not-hex\n");
  CHECK(run("scan --allow " + q(d.path / "bad.txt") + " " + q(rack)).code == 2);
  CHECK(run("scan --allow " + q(d.path / "missing.txt") + " " + q(rack)).code == 2);
}

TEST_CASE("names: text escapes control characters, JSON keeps bytes that are not UTF-8 distinct", "[cli]") {
  TempDir d;
  const std::string knob = read_bytes(source_dir() / "models/benign/knob_fluted.stl");
  write_bytes(d.path / "a\xff.stl", knob);
  write_bytes(d.path / "a\xfe.stl", knob);
  write_bytes(d.path / "x\nforged.stl: MATCH evil.stl", knob);
  write_bytes(d.path / "e\x1b[31mred\xc2\x9b.stl", knob);
  write_bytes(d.path / "back\\slash.stl", knob);
  const auto t = run("scan --no-timing --no-summary " + q(d.path));
  CHECK(t.code == 0);
  CHECK(std::count(t.out.begin(), t.out.end(), '\n') == 5);  // one line per file, the newline did not forge one
  // Every line is a whole record of one of the files: none starts with the forged part.
  std::istringstream ls(t.out);
  for (std::string l; std::getline(ls, l);) CHECK(l.rfind(d.path.string() + "/", 0) == 0);
  CHECK(t.out.find("/x\\nforged.stl: MATCH evil.stl: clean") != std::string::npos);
  CHECK(t.out.find('\x1b') == std::string::npos);  // no raw ESC reaches the terminal
  CHECK(t.out.find("e\\x1b[31mred\\xc2\\x9b.stl: clean") != std::string::npos);
  CHECK(t.out.find("a\\xff.stl: clean") != std::string::npos);
  CHECK(t.out.find("a\\xfe.stl: clean") != std::string::npos);
  CHECK(t.out.find("back\\\\slash.stl: clean") != std::string::npos);

  const auto j = lines(run("scan --format jsonl --no-timing " + q(d.path)).out);
  REQUIRE(j.size() == 5);
  std::set<std::string> paths;
  for (const auto& r : j) {
    const std::string p = r["path"];
    paths.insert(p);
    const bool utf8 = p.find("\\x") == std::string::npos || p.find("e\x1b") != std::string::npos;
    CHECK(r.contains("path_bytes_escaped") == !utf8);
  }
  CHECK(paths.size() == 5);
  CHECK(paths.count((d.path / "a\\xff.stl").string()) == 1);
  CHECK(paths.count((d.path / "a\\xfe.stl").string()) == 1);
  CHECK(paths.count((d.path / "x\nforged.stl: MATCH evil.stl").string()) == 1);  // valid UTF-8: as it is
}

TEST_CASE("records are written whole as they complete: a killed scan keeps them", "[cli]") {
  TempDir d;
  const std::size_t total = many_refs(d.path / "in", 12);
  for (const char* format : {"jsonl", "text"}) {
    INFO(format);
    const auto out = d.path / (std::string("out.") + format);
    // SIGKILL cannot be caught: what is in the file is what was written.
    const int status =
        scan_then_signal({"--format", format, "--threads", "1", (d.path / "in").string()}, out, 1, SIGKILL);
    CHECK(WIFSIGNALED(status));
    const std::string text = read_bytes(out);
    REQUIRE(!text.empty());
    CHECK(text.back() == '\n');
    const auto n = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    CHECK(n < total);
    if (std::string(format) == "jsonl") CHECK(lines(text).size() == n);
  }
}

TEST_CASE("SIGINT and SIGTERM end a scan with the records so far and a closed JSON document", "[cli]") {
  TempDir d;
  const std::size_t total = many_refs(d.path / "in", 12);
  for (const int sig : {SIGINT, SIGTERM}) {
    for (const char* format : {"json", "jsonl", "text"}) {
      INFO(format << " signal " << sig);
      const auto out = d.path / (std::string("out.") + format);
      const int status = scan_then_signal({"--format", format, "--threads", "2", (d.path / "in").string()}, out,
                                          std::string(format) == "json" ? 2000 : 1, sig);
      REQUIRE(WIFEXITED(status));
      CHECK(WEXITSTATUS(status) == 1);  // every file scanned was flagged
      const std::string text = read_bytes(out);
      REQUIRE(!text.empty());
      CHECK(text.back() == '\n');
      if (std::string(format) == "json") {
        const auto doc = nlohmann::json::parse(text);
        CHECK(doc["summary"]["interrupted"] == true);
        CHECK(doc["files"].size() == doc["summary"]["files"]);
        CHECK(doc["files"].size() > 0);
        CHECK(doc["files"].size() < total);
      } else {
        std::string records = text;
        if (std::string(format) == "text") {
          // The closing summary is there, whole, and says the scan was cut short.
          const auto at = text.find("\n----------- SCAN SUMMARY -----------\n");
          REQUIRE(at != std::string::npos);
          CHECK(text.find("Interrupted:") != std::string::npos);
          records = text.substr(0, at + 1);
        }
        const auto n = static_cast<std::size_t>(std::count(records.begin(), records.end(), '\n'));
        CHECK(n > 0);
        CHECK(n < total);
        if (std::string(format) == "jsonl") CHECK(lines(text).size() == n);
      }
    }
  }
  // A scan that ran to its end says so.
  const auto doc = nlohmann::json::parse(run("scan --format json " + q(source_dir() / "models/refs")).out);
  CHECK(doc["summary"]["interrupted"] == false);
  // Nothing flagged before the signal: 2, the scan is incomplete.
  const auto benign = d.path / "benign";
  std::filesystem::create_directories(benign);
  for (int i = 0; i < 40; ++i)
    std::filesystem::copy_file(source_dir() / "models/benign/knob_fluted.stl",
                               benign / ("k" + std::to_string(i) + ".stl"));
  const int status =
      scan_then_signal({"--format", "jsonl", "--threads", "1", benign.string()}, d.path / "b.jsonl", 1, SIGINT);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 2);
}

TEST_CASE("scan - reads one file from standard input, within --max-file-size", "[cli]") {
  const auto rack = source_dir() / "models/refs/gear_rack_m2.stl";
  auto r = run("scan --format jsonl --no-timing - < " + q(rack));
  CHECK(r.code == 1);
  auto l = lines(r.out);
  REQUIRE(l.size() == 1);
  CHECK(l[0]["path"] == "stdin");
  CHECK(l[0]["verdict"] == "match");
  CHECK(l[0]["matches"][0]["signature"] == "gear_rack_m2");
  // The same record as the file on disk, but for its name.
  auto disk = lines(run("scan --format jsonl --no-timing " + q(rack)).out);
  REQUIRE(disk.size() == 1);
  disk[0]["path"] = "stdin";
  CHECK(disk[0] == l[0]);

  // --stdin-name names it; files and '-' mix.
  l = lines(run("scan -f jsonl --stdin-name upload/rack.stl - " + q(source_dir() / "models/benign/wall_hook.stl") +
                " < " + q(rack))
                .out);
  REQUIRE(l.size() == 2);
  CHECK(l[0]["path"] == "upload/rack.stl");
  CHECK(l[1]["verdict"] == "clean");

  // Over the limit: an error record, and reading stops there (an endless
  // stream ends the scan instead of filling memory).
  r = run("scan -f jsonl --max-file-size 10K - < " + q(rack));
  CHECK(r.code == 2);
  l = lines(r.out);
  REQUIRE(l.size() == 1);
  CHECK(l[0]["verdict"] == "error");
  CHECK(l[0]["error"].get<std::string>().rfind("limit:", 0) == 0);
  r = run("scan -f jsonl --max-file-size 1M - < /dev/zero");
  CHECK(r.code == 2);
  CHECK(r.out.find("limit: file size over 1048576 bytes") != std::string::npos);
  CHECK(run("scan - - < " + q(rack)).code == 2);  // standard input is read once
}

TEST_CASE("--files-from lists paths one a line or NUL-separated, from a file or stdin", "[cli]") {
  TempDir d;
  const auto rack = (source_dir() / "models/refs/gear_rack_m2.stl").string();
  const auto hook = (source_dir() / "models/benign/wall_hook.stl").string();
  write_bytes(d.path / "odd name\n.stl", read_bytes(source_dir() / "models/benign/knob_fluted.stl"));
  const auto odd = (d.path / "odd name\n.stl").string();
  write_bytes(d.path / "lines.txt", rack + "\n\n" + hook + "\n");
  write_bytes(d.path / "nul.txt", rack + std::string(1, '\0') + odd + std::string(1, '\0'));
  auto paths = [](const Run& r) {
    std::set<std::string> p;
    for (const auto& j : lines(r.out)) p.insert(j["path"].get<std::string>());
    return p;
  };
  auto r = run("scan -f jsonl --files-from " + q(d.path / "lines.txt"));
  CHECK(r.code == 1);
  CHECK(paths(r) == std::set<std::string>{rack, hook});
  r = run("scan -f jsonl -0 --files-from " + q(d.path / "nul.txt"));
  CHECK(r.code == 1);
  CHECK(paths(r) == std::set<std::string>{rack, odd});  // a newline in a name survives -0
  r = run("scan -f jsonl --null --files-from - " + q(hook) + " < " + q(d.path / "nul.txt"));
  CHECK(paths(r) == std::set<std::string>{rack, odd, hook});
  CHECK(run("scan --files-from " + q(d.path / "missing.txt")).code == 2);
  write_bytes(d.path / "empty.txt", "\n\n");
  CHECK(run("scan --files-from " + q(d.path / "empty.txt")).code == 2);  // nothing to scan
  CHECK(run("scan --files-from - - < " + q(d.path / "lines.txt")).code == 2);
  // In a list, '-' names a file; standard input is only the command line's '-'.
  write_bytes(d.path / "dash.txt", "-\n");
  r = run("scan -f jsonl --files-from " + q(d.path / "dash.txt") + " < " + q(rack));
  CHECK(r.code == 2);
  REQUIRE(lines(r.out).size() == 1);
  CHECK(lines(r.out)[0]["path"] == "-");
  CHECK(lines(r.out)[0]["verdict"] == "error");
}

TEST_CASE("sizes take K, M, G, T suffixes", "[cli]") {
  const auto rack = q(source_dir() / "models/refs/gear_rack_m2.stl");  // 16284 bytes
  CHECK(run("scan " + rack + " --max-file-size 16K").code == 1);
  CHECK(run("scan " + rack + " --max-file-size 15.9KiB").code == 2);  // 16281 bytes: over
  CHECK(run("scan " + rack + " --max-file-size=1G --max-scan-size 2g --max-member-size 256MiB").code == 1);
  CHECK(run("scan " + rack + " --max-file-size 16284").code == 1);
  CHECK(run("scan " + rack + " --max-file-size 16283").code == 2);
  for (const char* bad : {"1X", "K", "-1K", "1KB", "1 K", "0"}) {
    INFO(bad);
    CHECK(run("scan " + rack + " --max-file-size '" + bad + "'").code == 2);
  }
  // serve reads its sizes with the same parser: a good one gets past the
  // flags to the (missing) signature set, a bad one does not.
  TempDir d;
  for (const char* flag : {"--max-request-size", "--max-file-size"}) {
    INFO(flag);
    CHECK(run(std::string("serve --signatures /nonexistent.msig ") + flag + " 64M", d.path / "ok.txt").code == 2);
    CHECK(read_bytes(d.path / "ok.txt").find("cannot open signatures") != std::string::npos);
    CHECK(run(std::string("serve --signatures /nonexistent.msig ") + flag + " 64Q", d.path / "bad.txt").code == 2);
    CHECK(read_bytes(d.path / "bad.txt").find(std::string(flag) + " takes a size") != std::string::npos);
  }
  const auto j = nlohmann::json::parse(run("scan -f json --max-scan-size 3M --max-member-size 1.5K " + rack).out);
  CHECK(j["settings"]["limits"]["max_scan_bytes"] == 3 * 1024 * 1024);
  CHECK(j["settings"]["limits"]["max_member_bytes"] == 1536);
}

TEST_CASE("-i prints flagged files only; errors go to stderr", "[cli]") {
  TempDir d;
  write_bytes(d.path / "broken.stl", "solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0");
  const auto r = run("scan -i --no-summary " + q(source_dir() / "models/refs") + " " +
                         q(source_dir() / "models/benign") + " " + q(d.path / "broken.stl"),
                     d.path / "err.txt");
  CHECK(r.code == 1);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 8);
  CHECK(r.out.find(": MATCH ") != std::string::npos);
  CHECK(r.out.find("clean") == std::string::npos);
  CHECK(r.out.find("broken.stl") == std::string::npos);
  CHECK(read_bytes(d.path / "err.txt").find("broken.stl: ERROR") != std::string::npos);
  // Without -i every file has its line.
  const auto all = run("scan --no-summary " + q(source_dir() / "models/benign")).out;
  const auto benign = std::distance(std::filesystem::directory_iterator(source_dir() / "models/benign"), {});
  CHECK(std::count(all.begin(), all.end(), '\n') == benign);
}

TEST_CASE("text ends with a scan summary that counts files, members, skipped, verdicts and errors", "[cli]") {
  TempDir d;
  const auto rack = read_bytes(source_dir() / "models/refs/gear_rack_m2.stl");
  const auto knob = read_bytes(source_dir() / "models/benign/knob_fluted.stl");
  write_bytes(d.path / "broken.stl", "solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0");
  write_bytes(d.path / "notes.txt", "not a model\n");  // skipped by the folder walk
  write_bytes(d.path / "parts.zip", stored_zip({{"rack.stl", rack}, {"knob.stl", knob}, {"bad.stl", "solid"}}));
  write_bytes(d.path / "knob.stl", knob);
  std::filesystem::copy_file(source_dir() / "models/refs/hinge_leaf_3knuckle.stl", d.path / "hinge.stl");
  const auto hinge = lines(run("scan -f jsonl " + q(d.path / "hinge.stl")).out);
  REQUIRE(hinge.size() == 1);
  write_bytes(d.path / "allow.txt", "sha256:" + hinge[0]["sha256"].get<std::string>() + "\n");
  const auto r = run("scan --no-timing --allow " + q(d.path / "allow.txt") + " " + q(d.path) + " " +
                     q(source_dir() / "models/refs/flange_3hole.stl") + " - < " +
                     q(source_dir() / "models/test/piece_flange.stl"));
  INFO(r.out);
  CHECK(r.code == 1);
  const auto at = r.out.find("\n----------- SCAN SUMMARY -----------\n");
  REQUIRE(at != std::string::npos);
  const std::string sum = r.out.substr(at);
  auto count = [&](const std::string& label) {
    const auto p = sum.find("\n" + label);
    REQUIRE(p != std::string::npos);
    return std::stol(sum.substr(p + 1 + label.size()));
  };
  // Scanned: stdin, broken.stl, hinge.stl, knob.stl, parts.zip, flange_3hole.stl;
  // notes.txt and allow.txt, found in the folder and not 3D, are skipped.
  CHECK(count("Signatures:") == 8);
  CHECK(count("Scanned files:") == 6);
  CHECK(count("Archive members:") == 3);
  CHECK(count("Skipped files:") == 2);
  CHECK(count("Flagged files:") == 3);  // parts.zip, flange_3hole.stl, stdin (a piece: suspect)
  CHECK(count("  match:") == 2);
  CHECK(count("  suspect:") == 1);
  CHECK(count("Allowed files:") == 1);  // hinge.stl
  CHECK(count("Errors:") == 2);         // broken.stl and parts.zip!/bad.stl
  CHECK(sum.find("Data scanned:") != std::string::npos);
  CHECK(sum.find("Time:") == std::string::npos);  // --no-timing: the same bytes every run
  CHECK(run("scan " + q(d.path / "knob.stl")).out.find("Time:") != std::string::npos);
  // --quiet and --no-summary leave it out; json and jsonl never have it.
  for (const char* flag : {"--quiet", "--no-summary", "-q", "-f jsonl", "-f json"})
    CHECK(run(std::string("scan ") + flag + " " + q(d.path / "knob.stl")).out.find("SCAN SUMMARY") ==
          std::string::npos);
}
