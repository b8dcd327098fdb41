// SPDX-License-Identifier: MIT
// Folder walks: the files under the given paths, in sorted order, and
// Engine::scan_paths, which scans them in parallel and emits the results in
// path order, so the output does not depend on the thread count.
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <optional>
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
// error record, so nothing under a scanned folder goes unreported; what is
// passed over (symlinks, devices, FIFOs, sockets, a followed symlink to
// nothing) goes to `skipped`.
void take_entry(const fs::directory_entry& entry, bool follow_symlinks, std::vector<fs::path>& todo,
                std::vector<FoundFile>& files, std::vector<SkippedFile>& skipped) {
  std::error_code ec;
  fs::file_status st = entry.symlink_status(ec);
  if (!ec && fs::is_symlink(st)) {
    if (!follow_symlinks) return skipped.push_back({entry.path().string(), SkipReason::symlink_not_followed, "", 0});
    st = entry.status(ec);
    if (ec == std::errc::no_such_file_or_directory)
      return skipped.push_back({entry.path().string(), SkipReason::dangling_symlink, "", 0});
  }
  if (ec)
    files.push_back({entry.path().string(), "cannot read: " + ec.message(), true});
  else if (fs::is_directory(st))
    todo.push_back(entry.path());
  else if (fs::is_regular_file(st))
    files.push_back({entry.path().string(), "", true});
  else
    skipped.push_back({entry.path().string(), SkipReason::device_or_fifo, "", 0});
}

// The files under one folder; a folder that cannot be listed (permissions,
// removed during the walk, an I/O error) is an error record of its own.
void walk_folder(const std::string& root, bool follow_symlinks, std::vector<FoundFile>& files,
                 std::vector<SkippedFile>& skipped) {
  std::vector<fs::path> todo{root};
  std::set<FolderId> seen;
  while (!todo.empty()) {
    const fs::path dir = std::move(todo.back());
    todo.pop_back();
    struct stat st {};
    if (follow_symlinks && ::stat(dir.c_str(), &st) == 0 && !seen.insert({st.st_dev, st.st_ino}).second) continue;
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    for (const fs::directory_iterator end; !ec && it != end; it.increment(ec))
      take_entry(*it, follow_symlinks, todo, files, skipped);
    if (ec) files.push_back({dir.string(), "cannot read folder: " + ec.message(), true});
  }
}

}  // namespace

std::vector<FoundFile> collect_files(const std::vector<std::string>& paths, bool follow_symlinks,
                                     std::vector<SkippedFile>* skipped) {
  std::vector<FoundFile> files;
  std::vector<SkippedFile> passed;
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
      walk_folder(p, follow_symlinks, files, passed);
  }
  if (skipped) {
    std::sort(passed.begin(), passed.end());
    passed.erase(std::unique(passed.begin(), passed.end(),
                             [](const SkippedFile& a, const SkippedFile& b) { return a.path == b.path; }),
                 passed.end());
    *skipped = std::move(passed);
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end(),
                          [](const FoundFile& a, const FoundFile& b) { return a.path == b.path; }),
              files.end());
  return files;
}

const char* to_string(SkipReason reason) noexcept {
  switch (reason) {
    case SkipReason::not_3d: return "not_3d";
    case SkipReason::empty: return "empty";
    case SkipReason::over_limit: return "over_limit";
    case SkipReason::symlink_not_followed: return "symlink_not_followed";
    case SkipReason::dangling_symlink: return "dangling_symlink";
    case SkipReason::device_or_fifo: return "device_or_fifo";
  }
  return "not_3d";
}

namespace {

// Whether a walked file's results say it is no 3D file and may be passed
// over: an archive or compressed file holding nothing 3D (a gzipped
// changelog, a .docx), or a file named and made like no 3D format whose
// bytes were read and are foreign, that is empty, or that is over the size
// limit (a drive's videos). One that could not be opened or read is
// reported: it might be anything. So is one named as a 3D format.
std::optional<SkippedFile> as_skipped(const std::vector<ScanResult>& res, const std::string& path) {
  if (res.size() != 1) return std::nullopt;
  const ScanResult& r = res[0];
  if (is_archive(r.format) && r.members == 0 && r.verdict == Verdict::clean) {
    const bool stream = r.format == Format::gzip || r.format == Format::bzip2 || r.format == Format::xz;
    const std::string held = !r.content.empty() ? r.content : stream ? "compressed" : "archive";
    return SkippedFile{path, SkipReason::not_3d, held, r.bytes};
  }
  if (r.format != Format::unknown || has_scannable_extension(path)) return std::nullopt;
  if (r.sha256.empty() && r.error.rfind("limit:", 0) == 0) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    return SkippedFile{path, SkipReason::over_limit, "", ec ? 0 : static_cast<std::uint64_t>(size)};
  }
  if (r.sha256.empty()) return std::nullopt;
  if (r.bytes == 0) return SkippedFile{path, SkipReason::empty, "", 0};
  return SkippedFile{path, SkipReason::not_3d, r.content, r.bytes};
}

// One path of the walk, in path order: a file to scan, or one the walk
// passed over.
struct Item {
  const FoundFile* file = nullptr;
  const SkippedFile* passed = nullptr;
  const std::string& path() const { return file ? file->path : passed->path; }
};

// What an item gave, held until every earlier item is emitted.
struct Slot {
  std::vector<ScanResult> results;
  std::optional<SkippedFile> skipped;
  bool done = false;
};

}  // namespace

std::vector<ScanResult> Engine::scan_found(const FoundFile& f, const ScanOptions& options,
                                           std::optional<SkippedFile>& skipped) const {
  skipped.reset();
  if (!f.error.empty()) return {error_result(f.path, make_error(ErrorCode::io, f.error))};
  std::vector<ScanResult> results = scan_file(f.path, options);
  // Content says 3D whatever the name, or it could not be read, or it is
  // named as 3D: reported; else skipped, with the reason.
  if (f.from_walk && options.skip_unrecognised)
    if ((skipped = as_skipped(results, f.path))) results.clear();
  return results;
}

std::size_t Engine::scan_paths(const std::vector<std::string>& paths, const ScanOptions& options,
                               const std::function<void(const ScanResult&)>& emit) const {
  return scan_paths(paths, options, emit, {});
}

std::size_t Engine::scan_paths(const std::vector<std::string>& paths, const ScanOptions& options,
                               const std::function<void(const ScanResult&)>& emit,
                               const std::function<void(const SkippedFile&)>& skip) const {
  std::vector<SkippedFile> passed;
  const auto files = collect_files(paths, options.follow_symlinks, &passed);
  std::vector<Item> items;
  items.reserve(files.size() + passed.size());
  for (const FoundFile& f : files) items.push_back({&f, nullptr});
  for (const SkippedFile& p : passed) items.push_back({nullptr, &p});
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.path() < b.path(); });
  std::vector<Slot> slots(items.size());
  std::size_t next = 0;  // first item not yet emitted
  std::mutex mu;
  parallel_for(items.size(), options.threads, [&](std::size_t i) {
    Slot slot;
    if (options.cancel && options.cancel->load(std::memory_order_relaxed)) {
      // Cancelled before this file started: nothing to report for it.
    } else if (items[i].passed)
      slot.skipped = *items[i].passed;
    else
      slot.results = scan_found(*items[i].file, options, slot.skipped);
    slot.done = true;
    std::lock_guard<std::mutex> lock(mu);
    slots[i] = std::move(slot);
    while (next < items.size() && slots[next].done) {
      for (const ScanResult& r : slots[next].results) emit(r);
      if (slots[next].skipped && skip) skip(*slots[next].skipped);
      slots[next].results.clear();
      slots[next].results.shrink_to_fit();
      slots[next].skipped.reset();
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
