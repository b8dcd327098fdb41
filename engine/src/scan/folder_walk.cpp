// SPDX-License-Identifier: MIT
// Folder walks: the files under the given paths, in sorted order, and
// Engine::scan_paths, which scans them in parallel and emits the results in
// path order, so the output does not depend on the thread count.
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <set>
#include <system_error>
#include <utility>

#include "common/parallel.hpp"
#include "meshsentry/engine.hpp"
#include "meshsentry/io.hpp"
#include "scan/pipeline.hpp"

namespace meshsentry {

bool has_scannable_extension(std::string_view path) {
  static constexpr std::string_view kExts[] = {
      "stl", "obj", "ply", "off", "3mf", "amf", "gltf", "glb", "dae", "fbx", "x3d", "3ds", "zip",
      "tar", "gz", "tgz", "bz2", "xz", "7z", "gcode", "gco", "bgcode", "step", "stp", "iges", "igs", "brep", "brp",
      "wrl", "vrml"};
  const std::string ext = file_extension(path);
  for (std::string_view e : kExts)
    if (ext == e) return true;
  return unsupported_3d_format(ext) != nullptr;  // reported as unsupported, never skipped
}

namespace {

namespace fs = std::filesystem;

// A folder by device and inode: one reached again through a followed
// symlink is walked once, so a loop ends without an error.
using FolderId = std::pair<dev_t, ino_t>;

// An entry of a walked folder: a regular file is kept, a folder queued, a
// symlink skipped unless followed. Whatever cannot be looked at gets an
// error record, so nothing under a scanned folder goes unreported; only a
// followed symlink to nothing is passed over (there is nothing to scan).
void take_entry(const fs::directory_entry& entry, bool follow_symlinks, std::vector<fs::path>& todo,
                std::vector<FoundFile>& files) {
  std::error_code ec;
  fs::file_status st = entry.symlink_status(ec);
  if (!ec && fs::is_symlink(st)) {
    if (!follow_symlinks) return;
    st = entry.status(ec);
    if (ec == std::errc::no_such_file_or_directory) return;
  }
  if (ec)
    files.push_back({entry.path().string(), "cannot read: " + ec.message(), true});
  else if (fs::is_directory(st))
    todo.push_back(entry.path());
  else if (fs::is_regular_file(st))
    files.push_back({entry.path().string(), "", true});
}

// The files under one folder; a folder that cannot be listed (permissions,
// removed during the walk, an I/O error) is an error record of its own.
void walk_folder(const std::string& root, bool follow_symlinks, std::vector<FoundFile>& files) {
  std::vector<fs::path> todo{root};
  std::set<FolderId> seen;
  while (!todo.empty()) {
    const fs::path dir = std::move(todo.back());
    todo.pop_back();
    struct stat st {};
    if (follow_symlinks && ::stat(dir.c_str(), &st) == 0 && !seen.insert({st.st_dev, st.st_ino}).second) continue;
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    for (const fs::directory_iterator end; !ec && it != end; it.increment(ec)) take_entry(*it, follow_symlinks, todo, files);
    if (ec) files.push_back({dir.string(), "cannot read folder: " + ec.message(), true});
  }
}

}  // namespace

std::vector<FoundFile> collect_files(const std::vector<std::string>& paths, bool follow_symlinks) {
  std::vector<FoundFile> files;
  for (const std::string& p : paths) {
    std::error_code ec;
    const fs::file_status st = follow_symlinks ? fs::status(p, ec) : fs::symlink_status(p, ec);
    if (ec)
      files.push_back({p, "cannot read: " + ec.message(), false});
    else if (fs::is_regular_file(st))
      files.push_back({p, "", false});
    else if (!fs::is_directory(st))
      files.push_back({p, fs::is_symlink(st) ? "symlink not followed" : "not a regular file", false});
    else
      walk_folder(p, follow_symlinks, files);
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end(),
                          [](const FoundFile& a, const FoundFile& b) { return a.path == b.path; }),
              files.end());
  return files;
}

namespace {

// A walked file named and made like no 3D format is skipped: its bytes were
// read and are foreign, or it is over the size limit (a drive's videos).
// One that could not be opened or read is reported: it might be anything.
bool skippable(const ScanResult& r) { return !r.sha256.empty() || r.error.rfind("limit:", 0) == 0; }

}  // namespace

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
    else if (auto r = scan_file(f.path, options); !(r.size() == 1 && r[0].format == Format::unknown && skippable(r[0])))
      res = std::move(r);  // content says 3D whatever the name, or it could not be read: report it
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
