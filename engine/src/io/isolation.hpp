// SPDX-License-Identifier: MIT
#pragma once

#include <functional>

#include "meshsentry/io.hpp"

namespace meshsentry {

// Runs `load` in a forked child under `limits` (address space, CPU and wall
// time, output cap) and brings its mesh or error back through a pipe. A
// crash, hang or blow-up of `load` is an error here, never a crash of the
// caller. read_with_assimp_isolated is this around Assimp; tests pass
// loaders that crash on purpose.
Result<LoadedMesh> run_isolated(const std::function<Result<LoadedMesh>()>& load, const LoadLimits& limits);

}  // namespace meshsentry
