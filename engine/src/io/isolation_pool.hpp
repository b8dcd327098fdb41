// SPDX-License-Identifier: MIT
#pragma once
// A pool of pre-forked isolation workers. Each is a child process that reads
// files for the parent one at a time, under the same limits the
// fork-per-file child gets (set again for every file: address space from
// what it has mapped now, CPU time from now, the parent's wall deadline);
// one that crashes, runs past a limit or sends anything but a whole answer
// is killed and a fresh one forked for the next file. A worker also leaves
// after IsolationPoolOptions::max_files files or when it has grown by more
// than max_growth_bytes, so one file's heap never loosens a later file's
// limit. See docs/service.md.
#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "meshsentry/io.hpp"

namespace meshsentry {

// What a worker runs for one file (with the limits for this file).
using PoolLoader = std::function<Result<LoadedMesh>(std::span<const std::byte> bytes, Format format,
                                                    const LoadLimits& limits, const std::string& path)>;

class IsolationPool {
 public:
  // The loader is copied into every worker at fork.
  IsolationPool(const IsolationPoolOptions& options, PoolLoader loader);
  ~IsolationPool();  // kills and reaps the workers
  IsolationPool(const IsolationPool&) = delete;
  IsolationPool& operator=(const IsolationPool&) = delete;

  // Forks every worker now rather than at first use.
  void prestart();

  // The loader's answer for this file from a worker, exactly as the
  // fork-per-file child would give it; nullopt when no worker could take it
  // (all busy, or a fork failed, or the worker had died idle): the caller
  // then forks a child for this file.
  std::optional<Result<LoadedMesh>> run(std::span<const std::byte> bytes, Format format, const LoadLimits& limits,
                                        const std::string& path);

  IsolationPoolStats stats() const;

 private:
  struct Worker {
    pid_t pid = -1;
    int sock = -1;   // the parent's end, non-blocking
    int pidfd = -1;  // readable once the worker has exited; -1 without pidfd_open
  };
  struct Slot {
    std::optional<Worker> worker;
    bool busy = false;
  };
  std::optional<Worker> spawn();
  void end(Worker& w, bool kill_first);
  // One exchange; `reusable` says whether the worker may take another file.
  std::optional<Result<LoadedMesh>> exchange(Worker& w, std::span<const std::byte> bytes, Format format,
                                             const LoadLimits& limits, const std::string& path, bool& reusable);

  IsolationPoolOptions options_;
  PoolLoader loader_;
  mutable std::mutex mutex_;
  std::vector<Slot> slots_;
  IsolationPoolStats stats_;
};

// The process's pool (see start_isolation_pool), or null when files are
// read by a child forked for each.
std::shared_ptr<IsolationPool> isolation_pool();

}  // namespace meshsentry
