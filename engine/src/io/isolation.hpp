// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "meshsentry/io.hpp"

namespace meshsentry {

// Runs `load` in a forked child under `limits` (address space, CPU and wall
// time, output cap) and brings its mesh or error back through a pipe. A
// crash, hang or blow-up of `load` is an error here, never a crash of the
// caller. read_with_assimp_isolated is this around Assimp; tests pass
// loaders that crash on purpose.
Result<LoadedMesh> run_isolated(const std::function<Result<LoadedMesh>()>& load, const LoadLimits& limits);

// The child's memory budget for a file of `bytes`: 512 MiB + 64 per byte
// (see read_with_assimp_isolated), for Assimp and OpenCASCADE alike.
std::uint64_t isolation_budget(std::uint64_t bytes);

// The Assimp reader, or OpenCASCADE's for STEP/IGES/BREP, under `child`
// limits: in a worker of the process's pool when one is started and free,
// else in a child forked for this file.
Result<LoadedMesh> load_isolated(std::span<const std::byte> bytes, Format format, const LoadLimits& child,
                                 const std::string& path);

}  // namespace meshsentry
