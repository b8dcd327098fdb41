// SPDX-License-Identifier: MIT
// Internal to the scan pipeline: what folder_walk.cpp and the HTML report
// share with pipeline.cpp, the load and preparation of one file's bytes
// (reopen) and an error result.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>

#include "meshsentry/io.hpp"
#include "meshsentry/mesh.hpp"
#include "meshsentry/scan.hpp"
#include "meshsentry/status.hpp"

namespace meshsentry {

// Steps a caller of reopen runs at its stages; each may be empty.
struct ReopenHooks {
  // After a successful load, before preparing, with the format loaded.
  std::function<void(Format)> loaded;
  // Run exactly once: beside the preparation (on a second thread for a
  // large file when the machine is free, else before it), or after a failed
  // load. A scan hashes the file here.
  std::function<void()> beside;
  // The first n bytes will not be read again, and `beside` is done with
  // them: a caller that owns them may give their memory back. Told as a
  // large binary STL is welded (straight from the bytes), and with all of
  // them once it is prepared.
  std::function<void(std::size_t n)> release;
};

// Loads `bytes` and prepares the mesh as a scan does: G-code as a toolpath,
// its layer height kept, with the scan's PrepareOptions. The HTML report
// re-reads flagged files through it, so that it draws what was matched and
// Match::body names the same body. `side` (a path on disk, the members of
// the archive the bytes came from, or none) lets Assimp resolve side files. The load is charged to `budget` when given (the
// scanned file's, for a member of an archive), else to one of its own.
Result<PreparedMesh> reopen(std::span<const std::byte> bytes, const std::string& name, const ScanOptions& options,
                            const SideFiles& side, const ReopenHooks& hooks = {},
                            ScanBudget* budget = nullptr);

// A result that reports `s` as the file's error.
ScanResult error_result(const std::string& path, const Status& s);

}  // namespace meshsentry
