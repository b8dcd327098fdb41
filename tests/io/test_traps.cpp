// SPDX-License-Identifier: MIT
// Hostile input made by code: zip bombs, deep nesting, archives of thousands
// of entries, lying STL headers, random bytes, a 3MF pointing at objects that
// do not exist, symlinks, FIFOs and devices in scanned folders, and loaders
// that crash, hang or blow up. Each must give a clear per-file error while
// the rest of the batch is scanned, in bounded memory and time.
#include <archive.h>
#include <archive_entry.h>
#include <csignal>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "io/isolation.hpp"
#include "meshsentry/engine.hpp"
#include "support/fixtures.hpp"

using namespace meshsentry;
using namespace fixtures;

namespace {

std::span<const std::byte> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

// A deflated zip (or gzip when `gzip`) holding `zeros` zero bytes as `name`.
std::string deflated(const std::string& name, std::size_t zeros, bool gzip = false) {
  std::string out(8u << 20, '\0');
  std::size_t used = 0;
  archive* a = archive_write_new();
  if (gzip) {
    archive_write_set_format_raw(a);
    archive_write_add_filter_gzip(a);
  } else {
    archive_write_set_format_zip(a);
    archive_write_zip_set_compression_deflate(a);
  }
  REQUIRE(archive_write_open_memory(a, out.data(), out.size(), &used) == ARCHIVE_OK);
  archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, name.c_str());
  archive_entry_set_size(e, static_cast<la_int64_t>(zeros));
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  REQUIRE(archive_write_header(a, e) == ARCHIVE_OK);
  const std::string chunk(1u << 20, '\0');
  for (std::size_t done = 0; done < zeros; done += chunk.size())
    REQUIRE(archive_write_data(a, chunk.data(), std::min(chunk.size(), zeros - done)) > 0);
  archive_entry_free(e);
  REQUIRE(archive_write_close(a) == ARCHIVE_OK);
  archive_write_free(a);
  out.resize(used);
  return out;
}

struct Cli {
  int code = -1;
  long max_rss_kb = 0;
  std::vector<nlohmann::json> results;
};

// Runs the meshsentry command with its output in `dir`, and reports its
// peak memory from wait4.
Cli run_cli(const std::vector<std::string>& args, const std::filesystem::path& dir) {
  const std::string out = (dir / "out.jsonl").string();
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int null = ::open("/dev/null", O_WRONLY);
    dup2(fd, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    std::vector<char*> argv{const_cast<char*>(MESHSENTRY_CLI)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(MESHSENTRY_CLI, argv.data());
    _exit(127);
  }
  int status = 0;
  rusage ru{};
  REQUIRE(wait4(pid, &status, 0, &ru) == pid);
  Cli c;
  c.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  c.max_rss_kb = ru.ru_maxrss;
  std::ifstream in(out);
  std::string line;
  while (std::getline(in, line)) c.results.push_back(nlohmann::json::parse(line));
  return c;
}

const nlohmann::json* find(const Cli& c, const std::string& path_suffix) {
  for (const auto& r : c.results) {
    const std::string p = r["path"];
    if (p.size() >= path_suffix.size() && p.compare(p.size() - path_suffix.size(), path_suffix.size(), path_suffix) == 0)
      return &r;
  }
  return nullptr;
}

std::vector<std::string> scan_args(const std::filesystem::path& target) {
  return {"scan", "--signatures", (source_dir() / "signatures/demo.msig").string(), "--format", "jsonl",
          "--no-timing", target.string()};
}

std::string stl_bytes(const Mesh& m) {
  TempDir d;
  write_binary_stl(m, d.path / "m.stl");
  return read_bytes(d.path / "m.stl");
}

std::vector<ScanResult> scan(const std::string& bytes, const std::string& name, ScanOptions opt = {}) {
  SignatureSet set;  // the point is the per-file record, not detection
  Engine engine(set);
  opt.timing = false;
  return engine.scan_buffer(as_bytes(bytes), name, opt);
}

}  // namespace

TEST_CASE("a zip bomb is a limit error, in bounded memory, and the batch goes on", "[io][traps]") {
  TempDir d;
  // 1 GiB of zeros deflates to about 1 MiB: a ratio near 1:1000.
  write_bytes(d.path / "bomb.zip", deflated("zeros.stl", std::size_t(1) << 30));
  write_bytes(d.path / "bomb.stl.gz", deflated("zeros.stl", std::size_t(1) << 30, true));
  write_binary_stl(cube(), d.path / "good.stl");
  const Cli c = run_cli(scan_args(d.path), d.path);
  CHECK(c.code == 2);  // errors, nothing flagged
  const auto* good = find(c, "good.stl");
  REQUIRE(good);
  CHECK((*good)["verdict"] == "clean");
  for (const char* member : {"bomb.zip!/zeros.stl", "bomb.stl.gz!/zeros.stl", "bomb.stl.gz!/bomb.stl"}) {
    const auto* r = find(c, member);
    if (!r) continue;  // gzip members are named after the outer file
    CHECK((*r)["verdict"] == "error");
    CHECK(std::string((*r)["error"]).rfind("limit: expansion ratio", 0) == 0);
  }
  int bombs = 0;
  for (const auto& r : c.results)
    bombs += r["verdict"] == "error" && std::string(r.value("error", "")).find("expansion ratio") != std::string::npos;
  CHECK(bombs == 2);
  INFO("peak RSS " << c.max_rss_kb / 1024 << " MiB");
#ifndef __SANITIZE_ADDRESS__  // ASan's own pools take the process past 500 MiB
  CHECK(c.max_rss_kb < 300 * 1024);
#endif
}

TEST_CASE("archives nested past the depth limit stop with a limit error", "[io][traps]") {
  std::string inner = stl_bytes(cube());
  std::string name = "part.stl";
  for (int level = 0; level < 8; ++level) {
    inner = stored_zip({{name, inner}});
    name = "level" + std::to_string(level) + ".zip";
  }
  auto results = scan(inner, "outer.zip");
  bool limited = false, reached = false;
  for (const auto& r : results) {
    limited = limited || r.error.rfind("limit: archive nesting deeper than 3", 0) == 0;
    reached = reached || r.triangles == 12;
  }
  CHECK(limited);
  CHECK_FALSE(reached);
  ScanOptions deep;
  deep.max_archive_depth = 10;
  results = scan(inner, "outer.zip", deep);
  REQUIRE_FALSE(results.empty());
  CHECK(results.back().path == "outer.zip!/level6.zip!/level5.zip!/level4.zip!/level3.zip!/level2.zip!/level1.zip!/"
                               "level0.zip!/part.stl");
  CHECK(results.back().triangles == 12);
}

TEST_CASE("an archive of thousands of tiny entries stops at the member limit", "[io][traps]") {
  std::vector<std::pair<std::string, std::string>> members;
  for (int i = 0; i < 3000; ++i) members.push_back({"tiny" + std::to_string(i) + ".stl", "solid"});
  ScanOptions opt;
  opt.archive.max_members = 1000;
  const auto results = scan(stored_zip(members), "many.zip", opt);
  int limit_errors = 0;
  for (const auto& r : results) limit_errors += r.error.rfind("limit: more than 1000 members", 0) == 0;
  CHECK(limit_errors == 1);
  CHECK(results.size() <= 1002);  // the archive, 1000 members, the limit record
  CHECK(results.front().path == "many.zip");
}

TEST_CASE("lying headers, random bytes and endless lines are per-file errors", "[io][traps]") {
  // A binary STL whose header claims 4 billion triangles.
  std::string liar(84 + 50, '\0');
  const std::uint32_t huge = 0xFFFFFFFFu;
  std::memcpy(liar.data() + 80, &huge, 4);
  auto r = scan(liar, "liar.stl");
  REQUIRE(r.size() == 1);
  CHECK(r[0].verdict == Verdict::error);
  CHECK_FALSE(r[0].error.empty());

  std::mt19937 rng(7);
  std::string noise(1 << 16, '\0');
  for (char& ch : noise) ch = static_cast<char>(rng());
  r = scan(noise, "random.stl");
  REQUIRE(r.size() == 1);
  CHECK(r[0].verdict == Verdict::error);
  CHECK_FALSE(r[0].error.empty());

  // 64 MiB of one line with no newline: linear time, an error.
  std::string endless = "solid x ";
  endless.append(64u << 20, '1');
  r = scan(endless, "endless.stl");
  REQUIRE(r.size() == 1);
  CHECK(r[0].verdict == Verdict::error);

  std::string nan_stl = stl_bytes(cube());
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::memcpy(nan_stl.data() + 84 + 12, &nan, 4);
  r = scan(nan_stl, "nan.stl");
  REQUIRE(r.size() == 1);
  CHECK(r[0].verdict == Verdict::error);
  CHECK(r[0].error.find("finite") != std::string::npos);
}

TEST_CASE("a 3MF whose build references missing objects is an error, not a crash", "[io][traps]") {
  const std::string model =
      R"(<?xml version="1.0" encoding="UTF-8"?><model unit="millimeter" xmlns="http://schemas.microsoft.com/3dmanufacturing/core/2015/02">)"
      R"(<resources><object id="1" type="model"><components><component objectid="9"/></components></object></resources>)"
      R"(<build><item objectid="7"/><item objectid="1"/></build></model>)";
  const std::string pkg = three_mf_package(model);
  CHECK(sniff(as_bytes(pkg), "bad.3mf") == Format::threemf);
  const auto r = scan(pkg, "bad.3mf");
  REQUIRE(r.size() == 1);
  CHECK(r[0].verdict == Verdict::error);
  CHECK_FALSE(r[0].error.empty());
}

TEST_CASE("symlinks, FIFOs and devices in a scanned folder are never read", "[io][traps]") {
  TempDir outside, d;
  // The file outside the tree is a demo reference: reading it would flag.
  std::filesystem::copy_file(source_dir() / "models/refs/gear_rack_m2.stl", outside.path / "ref.stl");
  std::filesystem::create_directory(d.path / "tree");
  const auto tree = d.path / "tree";
  write_binary_stl(cube(), tree / "good.stl");
  std::filesystem::create_symlink(outside.path / "ref.stl", tree / "link_out.stl");
  std::filesystem::create_directory_symlink(tree, tree / "loop");
  std::filesystem::create_symlink("/dev/zero", tree / "zero.stl");
  REQUIRE(mkfifo((tree / "pipe.stl").c_str(), 0600) == 0);

  Cli c = run_cli(scan_args(tree), d.path);
  CHECK(c.code == 0);
  REQUIRE(c.results.size() == 1);
  CHECK(find(c, "good.stl"));

  // Following symlinks reaches the outside file, but still never a device,
  // a FIFO, or a loop forever.
  auto args = scan_args(tree);
  args.insert(args.begin() + 1, "--follow-symlinks");
  c = run_cli(args, d.path);
  CHECK(c.code == 1);
  CHECK(find(c, "link_out.stl"));
  CHECK_FALSE(find(c, "zero.stl"));
  CHECK_FALSE(find(c, "pipe.stl"));

  // Named on the command line, a FIFO or device is a clear error.
  c = run_cli({"scan", "--format", "jsonl", (tree / "pipe.stl").string(), "/dev/zero"}, d.path);
  CHECK(c.code == 2);
  REQUIRE(c.results.size() == 2);
  for (const auto& r : c.results) CHECK(r["verdict"] == "error");
}

TEST_CASE("a loader that crashes, hangs or blows up is an error and the caller goes on", "[io][traps]") {
  LoadLimits limits;
  limits.max_seconds = 2;
  limits.isolation_max_bytes = 512ull << 20;
  auto crash = run_isolated([]() -> Result<LoadedMesh> { std::raise(SIGSEGV); return LoadedMesh{}; }, limits);
  REQUIRE_FALSE(crash.ok());
  CHECK(crash.status().message.find("crashed") != std::string::npos);

  auto abort_ = run_isolated([]() -> Result<LoadedMesh> { std::abort(); }, limits);
  REQUIRE_FALSE(abort_.ok());
  // The same words whatever the signal: a loader reading garbage dies by
  // one or another from run to run.
  CHECK(abort_.status().message == crash.status().message);
  CHECK(abort_.status().code == ErrorCode::format);

  auto hang = run_isolated([]() -> Result<LoadedMesh> { volatile unsigned spin = 0; for (;;) spin = spin + 1u; }, limits);
  REQUIRE_FALSE(hang.ok());
  CHECK(hang.status().message.rfind("limit:", 0) == 0);

  auto sleeper = run_isolated([]() -> Result<LoadedMesh> { pause(); return LoadedMesh{}; }, limits);
  REQUIRE_FALSE(sleeper.ok());
  CHECK(sleeper.status().message.rfind("limit:", 0) == 0);

  auto hog = run_isolated(
      []() -> Result<LoadedMesh> {
        std::vector<std::vector<char>> keep;
        for (;;) keep.emplace_back(64u << 20, 'x');
      },
      limits);
  REQUIRE_FALSE(hog.ok());

  // And a real Assimp crasher from Assimp's own test suite, beside a good
  // file: the scan reports one error and goes on.
  const auto crasher = source_dir() / "tests/data/traps/assimp-crash.ply";
  REQUIRE(std::filesystem::exists(crasher));
  TempDir d;
  std::filesystem::copy_file(crasher, d.path / "crash.ply");
  write_binary_stl(cube(), d.path / "good.stl");
  const Cli c = run_cli(scan_args(d.path), d.path);
  CHECK(c.code == 2);
  REQUIRE(c.results.size() == 2);
  const auto* bad = find(c, "crash.ply");
  REQUIRE(bad);
  CHECK((*bad)["verdict"] == "error");
  CHECK(find(c, "good.stl"));
}

namespace {

// A cube as 36 unindexed float positions: the bytes of a glTF buffer.
std::string cube_positions() {
  const Mesh m = cube();
  std::string out;
  for (const Tri& t : m.triangles)
    for (int c = 0; c < 3; ++c)
      for (int k = 0; k < 3; ++k) {
        const float x = static_cast<float>(m.vertices[t[c]][k]);
        out.append(reinterpret_cast<const char*>(&x), 4);
      }
  return out;
}

std::string gltf_with_buffer(const std::string& uri, std::size_t bytes) {
  nlohmann::json j = {
      {"asset", {{"version", "2.0"}}},
      {"scene", 0},
      {"scenes", {{{"nodes", {0}}}}},
      {"nodes", {{{"mesh", 0}}}},
      {"meshes", {{{"primitives", {{{"attributes", {{"POSITION", 0}}}}}}}}},
      {"accessors", {{{"bufferView", 0}, {"componentType", 5126}, {"count", bytes / 12}, {"type", "VEC3"},
                      {"min", {0, 0, 0}}, {"max", {1, 1, 1}}}}},
      {"bufferViews", {{{"buffer", 0}, {"byteLength", bytes}}}},
      {"buffers", {{{"uri", uri}, {"byteLength", bytes}}}}};
  return j.dump();
}

std::string obj_with_mtllib(const std::string& mtllib) {
  const Mesh m = cube();
  std::ostringstream s;
  s << "mtllib " << mtllib << "\n";
  for (const auto& v : m.vertices) s << "v " << v[0] << ' ' << v[1] << ' ' << v[2] << "\n";
  s << "usemtl red\n";
  for (const Tri& t : m.triangles) s << "f " << t[0] + 1 << ' ' << t[1] + 1 << ' ' << t[2] + 1 << "\n";
  return s.str();
}

// What a scan says about a file, all of it that could leak what it read.
std::string outcome(const ScanResult& r) {
  return r.path + " " + to_string(r.verdict) + " " + std::to_string(r.triangles) + " " + r.hash.hex() + " " +
         r.sha256 + " [" + r.error + "]";
}

// A 3MF model whose object 1 has `vertices` vertices and one triangle and
// whose object 2 (never placed) defines `spare` triangles, so that the build
// may place 256 times that many; object 3 + k places object 2 + k (object 1
// for k = 0) `fan` times, `levels` deep, and the build places the last one.
std::string amplifying_model(int vertices, int spare, int fan, int levels) {
  std::string m =
      R"(<?xml version="1.0" encoding="UTF-8"?><model unit="millimeter" xmlns="http://schemas.microsoft.com/3dmanufacturing/core/2015/02"><resources>)"
      R"(<object id="1" type="model"><mesh><vertices>)";
  for (int i = 0; i < vertices; ++i) m += R"(<vertex x="0" y="0" z="0"/>)";
  m += R"(</vertices><triangles><triangle v1="0" v2="1" v3="2"/></triangles></mesh></object>)";
  m += R"(<object id="2" type="model"><mesh><vertices><vertex x="0" y="0" z="0"/><vertex x="1" y="0" z="0"/>)"
       R"(<vertex x="0" y="1" z="0"/></vertices><triangles>)";
  for (int i = 0; i < spare; ++i) m += R"(<triangle v1="0" v2="1" v3="2"/>)";
  m += "</triangles></mesh></object>";
  for (int k = 0; k < levels; ++k) {
    m += "<object id=\"" + std::to_string(3 + k) + "\" type=\"model\"><components>";
    for (int i = 0; i < fan; ++i) m += "<component objectid=\"" + std::to_string(k == 0 ? 1 : 2 + k) + "\"/>";
    m += "</components></object>";
  }
  return m + "</resources><build><item objectid=\"" + std::to_string(2 + levels) + "\"/></build></model>";
}

}  // namespace

TEST_CASE("glTF buffers and OBJ material files outside the scanned files are never opened", "[io][traps]") {
  TempDir outside, d;
  const std::string cube_bin = cube_positions();
  const auto secret_bin = outside.path / "secret.bin";
  const auto secret_mtl = outside.path / "secret.mtl";
  const std::string up = "../" + outside.path.filename().string() + "/secret.bin";
  const std::vector<std::pair<std::string, std::string>> files = {
      {"absolute.gltf", gltf_with_buffer(secret_bin.string(), cube_bin.size())},
      {"dotdot.gltf", gltf_with_buffer(up, cube_bin.size())},
      {"absolute.obj", obj_with_mtllib(secret_mtl.string())},
  };
  for (const auto& [name, bytes] : files) write_bytes(d.path / name, bytes);
  const std::string zip = stored_zip(files);
  SignatureSet set;
  Engine engine(set);
  // Every way in: from disk (side files beside it may resolve) and from
  // memory (an upload, an archive member), in the child and in process.
  auto scan_all = [&] {
    std::vector<std::string> out;
    for (bool isolate : {true, false}) {
      ScanOptions opt;
      opt.timing = false;
      opt.load.isolate = isolate;
      for (const auto& [name, bytes] : files) {
        for (const ScanResult& r : engine.scan_file((d.path / name).string(), opt)) out.push_back(outcome(r));
        for (const ScanResult& r : engine.scan_buffer(as_bytes(bytes), name, opt)) out.push_back(outcome(r));
      }
      for (const ScanResult& r : engine.scan_buffer(as_bytes(zip), "up.zip", opt)) out.push_back(outcome(r));
    }
    return out;
  };

  write_bytes(secret_bin, cube_bin);
  write_bytes(secret_mtl, "newmtl red\nKd 1 0 0\n");
  const auto present = scan_all();
  std::filesystem::remove(secret_bin);
  std::filesystem::remove(secret_mtl);
  const auto absent = scan_all();
  CHECK(present == absent);
  // A FIFO would hold whoever opens it until a writer comes.
  REQUIRE(mkfifo(secret_bin.c_str(), 0600) == 0);
  REQUIRE(mkfifo(secret_mtl.c_str(), 0600) == 0);
  const auto t0 = std::chrono::steady_clock::now();
  const auto fifo = scan_all();
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
  CHECK(fifo == absent);
  // The glTFs have no geometry but the outside buffer: an error, every way.
  int gltf_errors = 0;
  for (const std::string& o : present) gltf_errors += o.find(".gltf error 0 ") != std::string::npos;
  CHECK(gltf_errors == 2 * 3 * 2);  // 2 files, 3 ways, 2 loaders
}

TEST_CASE("side files load only plainly beside a file on disk, never through a symlink or FIFO", "[io][traps]") {
  TempDir outside, d;
  const std::string cube_bin = cube_positions();
  write_bytes(outside.path / "secret.bin", cube_bin);
  write_bytes(d.path / "side.bin", cube_bin);
  write_bytes(d.path / "side.gltf", gltf_with_buffer("side.bin", cube_bin.size()));
  write_bytes(d.path / "dot.gltf", gltf_with_buffer("./side.bin", cube_bin.size()));
  std::filesystem::create_symlink(outside.path / "secret.bin", d.path / "link.bin");
  write_bytes(d.path / "link.gltf", gltf_with_buffer("link.bin", cube_bin.size()));
  REQUIRE(mkfifo((d.path / "pipe.bin").c_str(), 0600) == 0);
  write_bytes(d.path / "pipe.gltf", gltf_with_buffer("pipe.bin", cube_bin.size()));
  SignatureSet set;
  Engine engine(set);
  ScanOptions opt;
  opt.timing = false;
  auto one = [&](const std::string& name) {
    auto r = engine.scan_file((d.path / name).string(), opt);
    REQUIRE(r.size() == 1);
    return r[0];
  };
  CHECK(one("side.gltf").triangles == 12);
  CHECK(one("dot.gltf").triangles == 12);
  const auto t0 = std::chrono::steady_clock::now();
  for (const char* name : {"link.gltf", "pipe.gltf"}) {
    const ScanResult r = one(name);
    CHECK(r.verdict == Verdict::error);
    CHECK(r.triangles == 0);
  }
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
  // From memory (an upload), not even a plain name resolves.
  const auto mem = engine.scan_buffer(as_bytes(read_bytes(d.path / "side.gltf")), "side.gltf", opt);
  REQUIRE(mem.size() == 1);
  CHECK(mem[0].verdict == Verdict::error);
}

TEST_CASE("a scanned path is read through one descriptor: no symlink, no FIFO, the bytes hashed are parsed",
          "[io][traps]") {
  TempDir outside, d;
  // The file outside is a demo reference: its bytes under the link would flag.
  std::filesystem::copy_file(source_dir() / "models/refs/gear_rack_m2.stl", outside.path / "ref.stl");
  // A symlink in place of a walked file, as if swapped in after the walk.
  std::filesystem::create_symlink(outside.path / "ref.stl", d.path / "swapped.stl");
  REQUIRE(mkfifo((d.path / "pipe.stl").c_str(), 0600) == 0);
  const Engine& engine = demo_engine();
  ScanOptions opt;
  opt.timing = false;
  auto r = engine.scan_file((d.path / "swapped.stl").string(), opt);
  REQUIRE(r.size() == 1);
  CHECK(r[0].verdict == Verdict::error);
  CHECK(r[0].error == "symlink not followed");
  CHECK(r[0].sha256.empty());
  CHECK(r[0].bytes == 0);
  opt.follow_symlinks = true;
  r = engine.scan_file((d.path / "swapped.stl").string(), opt);
  REQUIRE(r.size() == 1);
  CHECK(r[0].verdict == Verdict::match);

  const auto t0 = std::chrono::steady_clock::now();
  r = engine.scan_file((d.path / "pipe.stl").string(), opt);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
  REQUIRE(r.size() == 1);
  CHECK(r[0].verdict == Verdict::error);
  CHECK(r[0].error == "not a regular file");

  // /proc files are regular files of size 0 that hold bytes: what was read
  // is not what fstat said, the error a file growing while read gives.
  r = engine.scan_file("/proc/self/status", opt);
  REQUIRE(r.size() == 1);
  CHECK(r[0].verdict == Verdict::error);
  CHECK(r[0].error.rfind("io: file changed while read", 0) == 0);
}

TEST_CASE("a folder or file that cannot be read is an error record, never a silent skip", "[io][traps]") {
  TempDir d;
  const auto tree = d.path / "tree";
  std::filesystem::create_directories(tree / "locked");
  write_binary_stl(cube(), tree / "good.stl");
  write_binary_stl(cube(), tree / "locked" / "hidden.stl");
  write_bytes(tree / "notes.txt", "not 3D, but who knows before reading it");
  namespace fs = std::filesystem;
  for (const auto& p : {d.path, tree}) fs::permissions(p, fs::perms::owner_all | fs::perms::group_all | fs::perms::others_all);
  fs::permissions(tree / "locked", fs::perms::none);
  fs::permissions(tree / "notes.txt", fs::perms::none);
  // Root reads everything: the walk runs in a child as nobody, on one
  // thread (OpenMP's pool does not survive a fork).
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(77);
    SignatureSet set;
    Engine engine(set);
    ScanOptions opt;
    opt.timing = false;
    opt.threads = 1;
    int errors = 0, good = 0;
    std::string seen;
    for (const ScanResult& r : engine.scan_paths({tree.string()}, opt)) {
      seen += r.path + " " + to_string(r.verdict) + " " + r.error + "\n";
      good += r.path == (tree / "good.stl").string() && r.verdict == Verdict::clean;
      errors += r.path == (tree / "locked").string() && r.error.rfind("cannot read folder: ", 0) == 0;
      errors += r.path == (tree / "notes.txt").string() && r.error.rfind("cannot open: ", 0) == 0;
    }
    const bool ok = good == 1 && errors == 2;
    if (!ok) std::fprintf(stderr, "the walk as nobody gave:\n%s", seen.c_str());
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  fs::permissions(tree / "locked", fs::perms::owner_all);
  REQUIRE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 77) {
    WARN("skipped: running as root and cannot become nobody to meet a folder it may not read");
    return;
  }
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("followed symlinks: a folder loop is walked once, a link loop is an error, a dangling link is nothing",
          "[io][traps]") {
  TempDir d;
  const auto tree = d.path / "tree";
  std::filesystem::create_directories(tree / "sub");
  write_binary_stl(cube(), tree / "sub" / "good.stl");
  std::filesystem::create_directory_symlink(tree, tree / "sub" / "up");
  std::filesystem::create_symlink(tree / "b.stl", tree / "a.stl");
  std::filesystem::create_symlink(tree / "a.stl", tree / "b.stl");
  std::filesystem::create_symlink(d.path / "nowhere.stl", tree / "dangling.stl");
  const auto files = collect_files({tree.string()}, true);
  std::vector<std::string> seen;
  for (const FoundFile& f : files) seen.push_back(f.path.substr(tree.string().size()) + " [" + f.error + "]");
  CAPTURE(seen);
  REQUIRE(files.size() == 3);
  CHECK(files[0].path == (tree / "a.stl").string());
  CHECK(files[0].error.rfind("cannot read: ", 0) == 0);
  CHECK(files[1].path == (tree / "b.stl").string());
  CHECK_FALSE(files[1].error.empty());
  CHECK(files[2].path == (tree / "sub" / "good.stl").string());
  CHECK(files[2].error.empty());
  // Not followed, the links are not files of the tree at all.
  const auto plain = collect_files({tree.string()}, false);
  REQUIRE(plain.size() == 1);
  CHECK(plain[0].path == (tree / "sub" / "good.stl").string());
}

TEST_CASE("a 3MF whose placements multiply is refused before it allocates", "[io][traps]") {
  // 20,000 vertices placed 10^4 times: 2 * 10^8 vertices, while the placed
  // triangles (10^4) are well within 256 times the file's own.
  const std::string vertex_bomb = three_mf_package(amplifying_model(20'000, 10'000, 10, 4));
  // One triangle placed 30^7 (2 * 10^10) times.
  const std::string fan_bomb = three_mf_package(amplifying_model(3, 1, 30, 7));
  for (const std::string* pkg : {&vertex_bomb, &fan_bomb}) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = scan(*pkg, "amplified.3mf");
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
    REQUIRE(r.size() == 1);
    CHECK(r[0].verdict == Verdict::error);
    CHECK(r[0].error.rfind("limit:", 0) == 0);
  }
  CHECK(scan(vertex_bomb, "v.3mf")[0].error == "limit: more than 150000000 vertices");
  // Placed 10 times, the same object fits, and its vertices are all there.
  auto small = read_3mf(as_bytes(three_mf_package(amplifying_model(20, 1, 10, 1))));
  REQUIRE(small.ok());
  CHECK(small->mesh.vertices.size() == 200);
  CHECK(small->mesh.triangles.size() == 10);

  // From the command line, beside a good file: both records, in little memory.
  TempDir d;
  write_bytes(d.path / "amplified.3mf", vertex_bomb);
  write_binary_stl(cube(), d.path / "good.stl");
  const Cli c = run_cli(scan_args(d.path), d.path);
  CHECK(c.code == 2);
  REQUIRE(c.results.size() == 2);
  CHECK((*find(c, "good.stl"))["verdict"] == "clean");
  CHECK(std::string((*find(c, "amplified.3mf"))["error"]).rfind("limit:", 0) == 0);
  INFO("peak RSS " << c.max_rss_kb / 1024 << " MiB");
#ifndef __SANITIZE_ADDRESS__
  CHECK(c.max_rss_kb < 300 * 1024);
#endif
}

TEST_CASE("archives of archives share one budget: members and bytes across all nesting", "[io][traps]") {
  // 30 zips of 30 zips of 30 text members of 1 KiB: every archive alone is
  // within the limits, 27,930 members and 87 MB expanded are not.
  std::vector<std::pair<std::string, std::string>> notes, leaves, middles;
  for (int i = 0; i < 30; ++i) notes.push_back({"note" + std::to_string(i) + ".txt", std::string(1024, 'a' + i % 26)});
  const std::string leaf = stored_zip(notes);
  for (int i = 0; i < 30; ++i) leaves.push_back({"leaf" + std::to_string(i) + ".zip", leaf});
  const std::string middle = stored_zip(leaves);
  for (int i = 0; i < 30; ++i) middles.push_back({"middle" + std::to_string(i) + ".zip", middle});
  const std::string outer = stored_zip(middles);

  auto limited = [](const std::vector<ScanResult>& results, const std::string& prefix) {
    int n = 0;
    for (const auto& r : results) n += r.error.rfind(prefix, 0) == 0;
    return n;
  };
  const auto t0 = std::chrono::steady_clock::now();
  auto results = scan(outer, "outer.zip");
  CHECK(limited(results, "limit: more than 10000 members") == 1);
  REQUIRE_FALSE(results.empty());
  CHECK(results.front().verdict == Verdict::error);

  ScanOptions bytes;
  bytes.archive.max_total_bytes = 40ull << 20;  // over any one archive's 30 MB
  results = scan(outer, "outer.zip", bytes);
  // One record where the bytes ran out; the archives around it stop there.
  CHECK(limited(results, "limit: archive expands past 41943040 bytes") == 1);
  CHECK(limited(results, "limit:") == 1);
  CHECK(results.size() < 400);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
}

TEST_CASE("a scanned file's deadline covers its members and its loading", "[io][traps]") {
  ScanOptions none;
  none.load.max_seconds = 0;  // spent as soon as the scan starts
  const std::string stl = stl_bytes(cube());
  auto r = scan(stl, "cube.stl", none);
  REQUIRE(r.size() == 1);
  CHECK(r[0].error == "limit: scanning took longer than 0 s");
  r = scan(stored_zip({{"a.stl", stl}, {"b.stl", stl}}), "two.zip", none);
  REQUIRE(r.size() == 2);  // the archive, and one record for what was left
  CHECK(r[0].verdict == Verdict::error);
  CHECK(r[1].path == "two.zip!/a.stl");
  CHECK(r[1].error.rfind("limit: scanning took longer", 0) == 0);
  // With time, both members are scanned.
  CHECK(scan(stored_zip({{"a.stl", stl}, {"b.stl", stl}}), "two.zip").size() == 3);

  // The readers that amplify check it too.
  LoadLimits zero;
  zero.max_seconds = 0;
  ScanBudget gone(zero);
  const std::string gcode = "G1 Z0.2\nG1 X5 Y0 E1\nG1 X5 Y5 E2\n";
  CHECK(read_gcode(as_bytes(gcode)).ok());
  auto late = read_gcode(as_bytes(gcode), zero, &gone);
  REQUIRE_FALSE(late.ok());
  CHECK(late.status().message.rfind("limit: scanning took longer", 0) == 0);
  const std::string model = amplifying_model(3, 1, 2, 1);
  CHECK(read_3mf(as_bytes(model)).ok());
  auto placed = read_3mf(as_bytes(model), zero, &gone);
  REQUIRE_FALSE(placed.ok());
  CHECK(placed.status().message.rfind("limit: scanning took longer", 0) == 0);
}
