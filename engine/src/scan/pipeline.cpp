// SPDX-License-Identifier: MIT
// The scan pipeline around matching, for one buffer or file: read -> sniff
// -> (archive, or a 3MF print project's G-code plates: recurse) -> load ->
// prepare -> Engine::match_mesh -> the allow-list. One ScanBudget per
// scanned file holds all of its nesting to the limits of one file; its
// deadline is checked between members and stages.
// Folder walks are in folder_walk.cpp.
#include "scan/pipeline.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>

#include "common/mapped_file.hpp"
#include "common/parallel.hpp"
#include "common/sha256.hpp"
#include "io/stl_records.hpp"
#include "match/ranking.hpp"
#include "mesh/mesh_ops.hpp"
#include "meshsentry/engine.hpp"
#include "scan/allow.hpp"

namespace meshsentry {
namespace {

using Clock = std::chrono::steady_clock;

// Files at least this large have ReopenHooks::beside run on a second thread.
constexpr std::size_t kConcurrentBytes = std::size_t{4} << 20;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

using Release = std::function<void(std::size_t)>;

void scan_within(const Engine& engine, std::span<const std::byte> bytes, const std::string& name,
                 const SideFiles& side, const ScanOptions& opt, std::uint32_t depth, ScanBudget& budget,
                 std::vector<ScanResult>& out, const Release& release = {});

// Each member scanned as a file of its own, named outer!/member, one level deeper.
void scan_members(const Engine& engine, std::vector<ArchiveMember>& members, const std::string& name,
                  const ScanOptions& opt, std::uint32_t depth, ScanBudget& budget, std::vector<ScanResult>& out) {
  for (ArchiveMember& m : members) {
    // macOS resource forks (__MACOSX/, ._name) are metadata, never meshes.
    const auto slash = m.name.rfind('/');
    const std::string_view base = std::string_view(m.name).substr(slash == std::string::npos ? 0 : slash + 1);
    if (m.name.rfind("__MACOSX/", 0) == 0 || base.rfind("._", 0) == 0) continue;
    const std::string inner = name + "!/" + m.name;
    // Textures, READMEs and other non-3D members are skipped like files in
    // a folder walk; a member named like a mesh is always reported.
    if (m.error.ok() && opt.skip_unrecognised && !has_scannable_extension(m.name) &&
        sniff(m.bytes, m.name) == Format::unknown)
      continue;
    if (!m.error.ok()) {
      out.push_back(error_result(inner, m.error));
      continue;
    }
    // Out of bytes or members (the member that breached, here or deeper,
    // reports it) or out of time (this record says so): the members left
    // go unscanned.
    if (budget.spent()) continue;
    if (Status s = budget.check_time(); !s.ok()) {
      out.push_back(error_result(inner, s));
      break;
    }
    // Its side files (a glTF's .bin) are the archive's other members.
    scan_within(engine, m.bytes, inner, SideFiles(members, m.name), opt, depth + 1, budget, out);
    std::vector<std::byte>().swap(m.bytes);  // scanned: its memory is the next member's
  }
}

// The line out[at] of an archive or print project sums up its members (the
// lines after it) on top of what it found itself: a project's own model.
void sum_up(std::vector<ScanResult>& out, std::size_t at, const ScanOptions& opt) {
  ScanResult& a = out[at];
  const bool own_failed = a.verdict == Verdict::error;
  Verdict v = own_failed ? Verdict::clean : a.verdict;
  std::size_t failed = 0;
  for (std::size_t i = at + 1; i < out.size(); ++i) {
    ++a.members;
    failed += out[i].verdict == Verdict::error;
    if (is_flagged(out[i].verdict))
      for (const Match& m : out[i].matches) {
        a.matches.push_back(m);
        v = combine(v, m.verdict);
      }
  }
  std::stable_sort(a.matches.begin(), a.matches.end(), ranks_before);
  a.verdict = v;
  // Nothing found, but something could not be looked at: not clean.
  if (a.verdict == Verdict::clean && (own_failed || failed)) {
    a.verdict = Verdict::error;
    if (!own_failed) a.error = std::to_string(failed) + " of " + std::to_string(a.members) + " members could not be scanned";
  }
  if (a.verdict != Verdict::error) a.error.clear();
  if (a.verdict != Verdict::allowed) a.allowed_by.clear();
  // The file's SHA-256 covers its members; a project model's geometry hash
  // does not, so it cannot allow what a plate holds.
  const auto own_hash = std::exchange(a.hash, {});
  apply_allow_list(opt, a);
  a.hash = own_hash;
}

void scan_archive(const Engine& engine, std::span<const std::byte> bytes, ScanResult r, const ScanOptions& opt,
                  std::uint32_t depth, ScanBudget& budget, std::vector<ScanResult>& out) {
  r.sha256 = sha256_hex(bytes);
  const std::size_t at = out.size();
  const std::string name = r.path;
  out.push_back(std::move(r));
  if (depth >= opt.max_archive_depth) {
    out[at].verdict = Verdict::error;
    out[at].error = "limit: archive nesting deeper than " + std::to_string(opt.max_archive_depth);
  } else if (auto members = list_archive(bytes, opt.archive, &budget); !members) {
    out[at].verdict = Verdict::error;
    out[at].error = members.status().message;
  } else {
    scan_members(engine, *members, name, opt, depth, budget, out);
    sum_up(out, at, opt);
    // A compressed file of one member that is no 3D file (a gzipped
    // changelog): what it holds, for a folder walk's inventory.
    const Format f = out[at].format;
    if ((f == Format::gzip || f == Format::bzip2 || f == Format::xz) && members->size() == 1 && out.size() == at + 1 &&
        (*members)[0].error.ok())
      out[at].content = std::string("compressed-") + content_kind((*members)[0].bytes);
  }
}

// A mesh: loaded, prepared and matched. With `empty_ok`, a file that holds
// no triangles is clean rather than an error (a print project's empty model).
// `release`, when given, may give the memory of bytes the scan is done with
// back (only a file read by scan_file, whose bytes it owns).
ScanResult scan_mesh(const Engine& engine, std::span<const std::byte> bytes, ScanResult r, const SideFiles& side,
                     const ScanOptions& opt, ScanBudget& budget, bool empty_ok, const Release& release = {}) {
  // The file's SHA-256 beside its preparation, and whatever happens.
  ReopenHooks hooks;
  hooks.release = release;
  hooks.loaded = [&](Format format) { r.format = format; };
  hooks.beside = [&] { r.sha256 = sha256_hex(bytes); };
  auto prepared = reopen(bytes, r.path, opt, side, hooks, &budget);
  Status late = prepared ? budget.check_time() : Status{};
  if (!prepared && empty_ok && prepared.status().code == ErrorCode::empty) return r;
  if (!prepared || !late.ok()) {
    r.verdict = Verdict::error;
    r.error = prepared ? late.message : prepared.status().message;
  } else {
    engine.match_mesh(*prepared, opt, r);
    apply_allow_list(opt, r);
  }
  return r;
}

// A 3MF print project with G-code plates (a .gcode.3mf): its own model, then
// each plate as a member, as an archive's; false when it has no plates.
bool scan_project(const Engine& engine, std::span<const std::byte> bytes, const ScanResult& r,
                  const SideFiles& side, const ScanOptions& opt, std::uint32_t depth, ScanBudget& budget,
                  std::vector<ScanResult>& out) {
  auto plates = list_gcode_plates(bytes, budget);
  if (!plates || plates->empty()) return false;
  const std::size_t at = out.size();
  out.push_back(scan_mesh(engine, bytes, r, side, opt, budget, true));
  scan_members(engine, *plates, r.path, opt, depth, budget, out);
  sum_up(out, at, opt);
  return true;
}

void scan_within(const Engine& engine, std::span<const std::byte> bytes, const std::string& name,
                 const SideFiles& side, const ScanOptions& opt, std::uint32_t depth, ScanBudget& budget,
                 std::vector<ScanResult>& out, const Release& release) {
  const auto t0 = Clock::now();
  ScanResult r;
  r.path = name;
  r.bytes = bytes.size();
  r.format = sniff(bytes, name);
  if (r.format == Format::unknown) r.content = content_kind(bytes);
  else if (const std::string ext = file_extension(name); extension_disagrees(ext, r.format)) {
    r.mismatch_extension = ext;
    r.mismatch_content = r.format == Format::stl_ascii ? "stl" : format_name(r.format);
  }
  const std::size_t at = out.size();
  if (is_archive(r.format))
    scan_archive(engine, bytes, std::move(r), opt, depth, budget, out);
  else if (r.format != Format::threemf || !scan_project(engine, bytes, r, side, opt, depth, budget, out))
    out.push_back(scan_mesh(engine, bytes, std::move(r), side, opt, budget, false, release));
  if (opt.timing) out[at].elapsed_ms = ms_since(t0);
}

// A scanned file: its budget, then the file and all it holds.
void scan_bytes(const Engine& engine, std::span<const std::byte> bytes, const std::string& name,
                const std::string& disk_path, const ScanOptions& opt, std::uint32_t depth, std::vector<ScanResult>& out,
                const Release& release = {}) {
  ScanBudget budget(opt.load, opt.archive, bytes.size());
  scan_within(engine, bytes, name, disk_path, opt, depth, budget, out, release);
}

}  // namespace

Result<PreparedMesh> reopen(std::span<const std::byte> bytes, const std::string& name, const ScanOptions& opt,
                            const SideFiles& side, const ReopenHooks& hooks, ScanBudget* budget) {
  // A binary STL (most large uploads) is welded straight from its bytes:
  // no soup beside the file and the weld's tables (prepare_stl_records).
  const bool stl = is_exact_binary_stl(bytes, name);
  std::optional<Result<LoadedMesh>> loaded;
  std::optional<Result<StlRecords>> records;
  Status failed;
  if (stl) {
    records.emplace(load_binary_stl(bytes, opt.load, budget));
    if (!*records) failed = records->status();
  } else {
    loaded.emplace(load_mesh(bytes, name, opt.load, side, budget));
    if (!*loaded) failed = loaded->status();
  }
  Status late = failed.ok() && budget ? budget->check_time() : Status{};
  if (!failed.ok() || !late.ok()) {
    if (hooks.beside) hooks.beside();
    return failed.ok() ? late : failed;
  }
  const Format format = stl ? Format::stl_binary : (*loaded)->format;
  if (hooks.loaded) hooks.loaded(format);
  PrepareOptions prep = opt.prepare;
  prep.from_toolpath = format == Format::gcode || format == Format::bgcode;
  const double layer_height = stl ? 0 : (*loaded)->layer_height;
  // `beside` on a second thread while a large mesh is prepared, when this
  // file has the machine to itself (loading, which may fork a child for
  // Assimp, is over by then). A plain thread, not an OpenMP section, so that
  // prepare() can use one too once `beside` is done.
  prep.concurrent = opt.threads != 1 && !in_parallel_region();
  struct Joined {  // joined however this block is left
    std::thread t;
    ~Joined() {
      if (t.joinable()) t.join();
    }
  } helper;
  std::atomic<bool> beside_done{!hooks.beside};
  bool started = false;
  if (hooks.beside && prep.concurrent && bytes.size() >= kConcurrentBytes) try {
      helper.t = std::thread([&] {
        hooks.beside();
        beside_done.store(true, std::memory_order_release);
      });
      started = true;
    } catch (const std::system_error&) {  // no thread to be had: run it here
    }
  if (hooks.beside && !started) {
    hooks.beside();
    beside_done.store(true, std::memory_order_release);
  }
  // What the weld is done with goes back once `beside` has hashed it too.
  const std::function<void(std::size_t)> consumed = [&](std::size_t n) {
    if (hooks.release && beside_done.load(std::memory_order_acquire)) hooks.release(n);
  };
  auto prepared = stl ? prepare_stl_records((*records)->first, (*records)->count, (*records)->bounds, prep, consumed)
                      : prepare(std::move((*loaded)->mesh), prep);
  if (helper.t.joinable()) helper.t.join();
  if (stl && hooks.release) hooks.release(bytes.size());
  if (prepared) prepared->layer_height = layer_height;
  return prepared;
}

ScanResult error_result(const std::string& path, const Status& s) {
  ScanResult r;
  r.path = path;
  r.verdict = Verdict::error;
  r.error = s.message;
  return r;
}

std::vector<ScanResult> Engine::scan_buffer(std::span<const std::byte> bytes, const std::string& name,
                                            const ScanOptions& options) const {
  std::vector<ScanResult> out;
  scan_bytes(*this, bytes, name, {}, options, 0, out);
  return out;
}

std::vector<ScanResult> Engine::scan_file(const std::string& path, const ScanOptions& options) const {
  const auto t0 = Clock::now();
  // Not following a symlink here too: one swapped in after the walk must
  // not bring another file's bytes under this path.
  auto file = MappedFile::open(path, options.load.max_file_bytes, options.follow_symlinks);
  if (!file) {
    ScanResult r = error_result(path, file.status());
    if (options.timing) r.elapsed_ms = ms_since(t0);
    return {r};
  }
  std::vector<ScanResult> out;
  // The file is this scan's own: what a big STL's weld is done with can go.
  scan_bytes(*this, file->bytes(), path, path, options, 0, out, [&](std::size_t n) { file->drop_prefix(n); });
  if (options.timing && !out.empty()) out[0].elapsed_ms = ms_since(t0);
  return out;
}

}  // namespace meshsentry
