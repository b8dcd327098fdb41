// SPDX-License-Identifier: MIT
#pragma once
// The child side of the isolation pool: a loop that takes one file at a
// time from the parent, reads it under that file's limits and writes the
// answer back. The parent is trusted; what comes back is not.
#include <cstdint>
#include <type_traits>

#include "io/isolation_pool.hpp"

namespace meshsentry::isolation {

// Parent to worker: this header, the path's bytes, then the file's bytes.
struct PoolRequest {
  Format format = Format::unknown;
  LoadLimits limits;
  std::uint64_t path_size = 0;
  std::uint64_t bytes_size = 0;
};
static_assert(std::is_trivially_copyable_v<PoolRequest>, "sent as bytes between a process and its fork");

// Worker to parent: the answer's size (8 bytes), the answer as the
// fork-per-file child writes it, then one byte, 1 when the worker leaves
// after this file (max_files or max_growth_bytes reached).

// Runs in the forked child until the parent closes its end; never returns.
[[noreturn]] void worker_main(int sock, const PoolLoader& loader, const IsolationPoolOptions& options);

}  // namespace meshsentry::isolation
