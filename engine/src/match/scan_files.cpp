// SPDX-License-Identifier: MIT
// The scan pipeline around matching: read -> sniff -> (archive: recurse) ->
// load -> prepare -> Engine::match_mesh, for buffers, files and folder
// walks. Folder scans run in parallel and are emitted in path order, so the
// output does not depend on the thread count.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <system_error>
#include <thread>

#include "common/mapped_file.hpp"
#include "common/parallel.hpp"
#include "common/sha256.hpp"
#include "match/ranking.hpp"
#include "policy/allow.hpp"
#include "meshsentry/engine.hpp"

namespace meshsentry {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

ScanResult error_result(const std::string& path, const Status& s) {
  ScanResult r;
  r.path = path;
  r.verdict = Verdict::error;
  r.error = s.message;
  return r;
}

// Files at least this large are hashed beside their preparation (above).
constexpr std::size_t kConcurrentBytes = std::size_t{4} << 20;

void scan_bytes(const Engine& engine, std::span<const std::byte> bytes, const std::string& name,
                const std::string& disk_path, const ScanOptions& opt, std::uint32_t depth,
                std::vector<ScanResult>& out) {
  const auto t0 = Clock::now();
  ScanResult r;
  r.path = name;
  r.bytes = bytes.size();
  r.format = sniff(bytes, name);
  if (is_archive(r.format)) {
    r.sha256 = sha256_hex(bytes);
    const std::size_t at = out.size();
    out.push_back(r);
    if (depth >= opt.max_archive_depth) {
      out[at].verdict = Verdict::error;
      out[at].error = "limit: archive nesting deeper than " + std::to_string(opt.max_archive_depth);
    } else if (auto members = list_archive(bytes, opt.archive); !members) {
      out[at].verdict = Verdict::error;
      out[at].error = members.status().message;
    } else {
      for (const ArchiveMember& m : *members) {
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
        scan_bytes(engine, m.bytes, inner, {}, opt, depth + 1, out);
      }
      // The archive's own line sums up its members.
      ScanResult& a = out[at];
      for (std::size_t i = at + 1; i < out.size(); ++i) {
        ++a.members;
        if (out[i].verdict == Verdict::match || out[i].verdict == Verdict::suspect)
          for (const Match& m : out[i].matches) a.matches.push_back(m);
      }
      std::stable_sort(a.matches.begin(), a.matches.end(), ranks_before);
      a.verdict = Verdict::clean;
      for (const Match& m : a.matches)
        if (a.verdict != Verdict::match) a.verdict = m.verdict;
      // Nothing found, but something could not be looked at: not clean.
      std::size_t failed = 0;
      for (std::size_t i = at + 1; i < out.size(); ++i) failed += out[i].verdict == Verdict::error;
      if (a.verdict == Verdict::clean && failed) {
        a.verdict = Verdict::error;
        a.error = std::to_string(failed) + " of " + std::to_string(a.members) + " members could not be scanned";
      }
      apply_allow_list(opt, a);
    }
    if (opt.timing) out[at].elapsed_ms = ms_since(t0);
    return;
  }
  auto loaded = load_mesh(bytes, name, opt.load, disk_path);
  if (!loaded) {
    r.sha256 = sha256_hex(bytes);
    r.verdict = Verdict::error;
    r.error = loaded.status().message;
  } else {
    r.format = loaded->format;
    PrepareOptions prep = opt.prepare;
    prep.from_toolpath = loaded->format == Format::gcode;
    const double layer_height = loaded->layer_height;
    // The file's SHA-256 on a second thread while a large mesh is prepared,
    // when this file has the machine to itself (loading, which may fork a
    // child for Assimp, is over by then). A plain thread, not an OpenMP
    // section, so that prepare() can use one too once the hash is done.
    prep.concurrent = opt.threads != 1 && !in_parallel_region();
    struct Joined {  // joined however this block is left
      std::thread t;
      ~Joined() {
        if (t.joinable()) t.join();
      }
    } hasher;
    bool hashed = false;
    if (prep.concurrent && bytes.size() >= kConcurrentBytes) try {
        hasher.t = std::thread([&] { r.sha256 = sha256_hex(bytes); });
        hashed = true;
      } catch (const std::system_error&) {  // no thread to be had: hash here
      }
    if (!hashed) r.sha256 = sha256_hex(bytes);
    auto prepared = prepare(std::move(loaded->mesh), prep);
    if (hasher.t.joinable()) hasher.t.join();
    if (prepared) prepared->layer_height = layer_height;
    if (!prepared) {
      r.verdict = Verdict::error;
      r.error = prepared.status().message;
    } else {
      engine.match_mesh(*prepared, opt, r);
      apply_allow_list(opt, r);
    }
  }
  if (opt.timing) r.elapsed_ms = ms_since(t0);
  out.push_back(std::move(r));
}

}  // namespace

std::vector<ScanResult> Engine::scan_buffer(std::span<const std::byte> bytes, const std::string& name,
                                            const ScanOptions& options) const {
  std::vector<ScanResult> out;
  scan_bytes(*this, bytes, name, {}, options, 0, out);
  return out;
}

std::vector<ScanResult> Engine::scan_file(const std::string& path, const ScanOptions& options) const {
  const auto t0 = Clock::now();
  auto file = MappedFile::open(path, options.load.max_file_bytes);
  if (!file) {
    ScanResult r = error_result(path, file.status());
    if (options.timing) r.elapsed_ms = ms_since(t0);
    return {r};
  }
  std::vector<ScanResult> out;
  scan_bytes(*this, file->bytes(), path, path, options, 0, out);
  if (options.timing && !out.empty()) out[0].elapsed_ms = ms_since(t0);
  return out;
}

bool has_scannable_extension(std::string_view path) {
  static constexpr std::string_view kExts[] = {
      "stl", "obj", "ply", "off", "3mf", "amf", "gltf", "glb", "dae", "fbx", "x3d", "3ds", "zip",
      "tar", "gz", "tgz", "bz2", "xz", "7z", "gcode", "gco", "step", "stp", "iges", "igs"};
  const std::string ext = file_extension(path);
  for (std::string_view e : kExts)
    if (ext == e) return true;
  return false;
}

std::vector<FoundFile> collect_files(const std::vector<std::string>& paths, bool follow_symlinks) {
  namespace fs = std::filesystem;
  std::vector<FoundFile> files;
  for (const std::string& p : paths) {
    std::error_code ec;
    const fs::file_status st = follow_symlinks ? fs::status(p, ec) : fs::symlink_status(p, ec);
    if (ec) {
      files.push_back({p, "cannot read: " + ec.message(), false});
      continue;
    }
    if (fs::is_regular_file(st)) {
      files.push_back({p, "", false});
      continue;
    }
    if (!fs::is_directory(st)) {
      files.push_back({p, fs::is_symlink(st) ? "symlink not followed" : "not a regular file", false});
      continue;
    }
    auto opts = fs::directory_options::skip_permission_denied;
    if (follow_symlinks) opts |= fs::directory_options::follow_directory_symlink;
    for (fs::recursive_directory_iterator it(p, opts, ec), end; !ec && it != end; it.increment(ec)) {
      std::error_code e2;
      const fs::file_status s = it->symlink_status(e2);
      if (fs::is_symlink(s) && !follow_symlinks) continue;
      if (fs::is_regular_file(follow_symlinks ? it->status(e2) : s)) files.push_back({it->path().string(), "", true});
    }
    if (ec) files.push_back({p, "cannot walk: " + ec.message(), false});
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end(),
                          [](const FoundFile& a, const FoundFile& b) { return a.path == b.path; }),
              files.end());
  return files;
}

std::size_t Engine::scan_paths(const std::vector<std::string>& paths, const ScanOptions& options,
                               const std::function<void(const ScanResult&)>& emit) const {
  const auto files = collect_files(paths, options.follow_symlinks);
  std::vector<std::vector<ScanResult>> per_file(files.size());
  std::vector<char> done(files.size(), 0);
  std::size_t next = 0;  // first file not yet emitted
  std::mutex mu;
  parallel_for(files.size(), options.threads, [&](std::size_t i) {
    std::vector<ScanResult> res;
    const FoundFile& f = files[i];
    if (!f.error.empty())
      res = {error_result(f.path, make_error(ErrorCode::io, f.error))};
    else if (!(f.from_walk && options.skip_unrecognised && !has_scannable_extension(f.path)))
      res = scan_file(f.path, options);
    else if (auto r = scan_file(f.path, options); !(r.size() == 1 && r[0].format == Format::unknown))
      res = std::move(r);  // content says 3D whatever the name: report it
    std::lock_guard<std::mutex> lock(mu);
    per_file[i] = std::move(res);
    done[i] = 1;
    while (next < files.size() && done[next]) {
      for (const ScanResult& r : per_file[next]) emit(r);
      per_file[next].clear();
      per_file[next].shrink_to_fit();
      ++next;
    }
  });
  return files.size();
}

std::vector<ScanResult> Engine::scan_paths(const std::vector<std::string>& paths,
                                           const ScanOptions& options) const {
  std::vector<ScanResult> out;
  scan_paths(paths, options, [&](const ScanResult& r) { out.push_back(r); });
  return out;
}

}  // namespace meshsentry
