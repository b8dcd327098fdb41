// SPDX-License-Identifier: MIT
// The scanning engine: owns a signature set, scans paths or byte buffers.
// An Engine is immutable after construction and safe to use from many threads
// at once; every scan function is safe on untrusted input. What it takes and
// gives (options, verdicts, results) is in scan.hpp, included here.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "meshsentry/mesh.hpp"
#include "meshsentry/scan.hpp"
#include "meshsentry/signatures.hpp"
#include "meshsentry/status.hpp"

namespace meshsentry {

const char* engine_version() noexcept;

struct MatchIndex;

class Engine {
 public:
  explicit Engine(SignatureSet set);
  // Opens a signature set: refused when it is empty, was built with other
  // descriptor parameters, or (trusted keys configured, see TrustOptions) is
  // not signed by a trusted key.
  static Result<Engine> open(const std::string& signature_path, const TrustOptions& trust = {});

  // The set as read, but for its coarse views' point samples: the matcher's
  // index holds those (moved, not copied: most of a set's bytes), moved the
  // first time a scan needs that signature. A format-6 set's samples are
  // decoded on first use (decode_entry).
  const SignatureSet& signatures() const noexcept { return set_; }

  // One file on disk. Archives give one result for the archive itself
  // followed by one per member. Never throws.
  std::vector<ScanResult> scan_file(const std::string& path, const ScanOptions& options) const;
  // Bytes in memory, `name` as the reported path and format hint.
  std::vector<ScanResult> scan_buffer(std::span<const std::byte> bytes, const std::string& name,
                                      const ScanOptions& options) const;
  // Files and folders (walked recursively, regular files only), scanned in
  // parallel; results sorted by path, identical whatever the thread count.
  std::vector<ScanResult> scan_paths(const std::vector<std::string>& paths,
                                     const ScanOptions& options) const;
  // The same, streaming: `emit` is called in path order, from one thread at a
  // time, as soon as every earlier file is done. Returns the number of files
  // found. Once options.cancel is set, files not yet started give no result.
  std::size_t scan_paths(const std::vector<std::string>& paths, const ScanOptions& options,
                         const std::function<void(const ScanResult&)>& emit) const;
  // The same, with the inventory: `skip` gets each path met but not scanned
  // (see SkippedFile), in path order among the results. Every path met is
  // thus a result (scanned, or an error) or a skip.
  std::size_t scan_paths(const std::vector<std::string>& paths, const ScanOptions& options,
                         const std::function<void(const ScanResult&)>& emit,
                         const std::function<void(const SkippedFile&)>& skip) const;

  // One entry of collect_files scanned as scan_paths scans it, for callers
  // that spread a walk's files over processes (the Python module's Dask
  // scan): its results, or none and `skipped` set for a walked file that is
  // no 3D file (ScanOptions::skip_unrecognised). Never throws.
  std::vector<ScanResult> scan_found(const FoundFile& file, const ScanOptions& options,
                                     std::optional<SkippedFile>& skipped) const;

  // A mesh already in memory (the Python module's scan_mesh): checked
  // (finite vertices, corners in range, LoadLimits' counts), prepared and
  // matched like a loaded file, `name` as the reported path. It has no file
  // bytes, so no sha256 and format "unknown". Never throws.
  ScanResult scan_mesh(Mesh mesh, const std::string& name, const ScanOptions& options) const;

  // Compare an already prepared mesh (the match stage alone).
  void match_mesh(const PreparedMesh& prepared, const ScanOptions& options,
                  ScanResult& result) const;

 private:
  SignatureSet set_;
  // The matcher's per-signature structures and parameters, built once.
  std::shared_ptr<const MatchIndex> index_;
};

}  // namespace meshsentry
