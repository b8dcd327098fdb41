// SPDX-License-Identifier: MIT
#pragma once
// What the fork-per-file child and the pool's workers share: how a child
// is cut off from its parent's streams and signal handlers, its memory
// limit, and the answer it writes back (a code, then the mesh or the error
// message) with how the parent reads it. One decoder for both paths keeps
// every per-file record the same whichever ran the loader.
#include <sys/resource.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "meshsentry/io.hpp"

namespace meshsentry::isolation {

// stdin/stdout/stderr to /dev/null, crash signals back to their default
// action, a sanitizer's death callback off: in the child, after fork.
void detach_from_parent();

// The address-space limit for a loader that may use `max_bytes` more than
// this process has mapped now.
rlim_t address_space_limit(std::uint64_t max_bytes);

// Grows the heap once on transparent huge pages (see the .cpp).
void heap_on_huge_pages();

bool write_all(int fd, const void* p, std::size_t n);

// The answer: its size in bytes, and writing it to `fd`.
std::uint64_t answer_size(const Result<LoadedMesh>& r);
bool write_answer(int fd, const Result<LoadedMesh>& r);

// The most bytes an answer under `limits` may take.
std::uint64_t answer_cap(const LoadLimits& limits);

// The parent's reading of what a child left: `complete` is false when it
// ran past its deadline or its output cap (then it was killed);
// `wait_status` is waitpid's. `well_formed`, when given, says whether the
// answer was whole and readable (a worker that sent anything else is not
// trusted with another file).
Result<LoadedMesh> decode_answer(const std::string& data, bool complete, int wait_status, const LoadLimits& limits,
                                 bool* well_formed = nullptr);

}  // namespace meshsentry::isolation
