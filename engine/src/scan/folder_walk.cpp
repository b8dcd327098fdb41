// SPDX-License-Identifier: MIT
// Folder walks: the files under the given paths, in sorted order, and
// Engine::scan_paths, which scans them in parallel and emits the results in
// path order, so the output does not depend on the thread count.
#include <algorithm>
#include <filesystem>
#include <mutex>
#include <system_error>

#include "common/parallel.hpp"
#include "meshsentry/engine.hpp"
#include "meshsentry/io.hpp"
#include "scan/pipeline.hpp"

namespace meshsentry {

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
    if (options.cancel && options.cancel->load(std::memory_order_relaxed)) {
      // Cancelled before this file started: nothing to report for it.
    } else if (!f.error.empty())
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
