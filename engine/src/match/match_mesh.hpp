// SPDX-License-Identifier: MIT
// The matcher's entry point below the Engine: one prepared mesh against a
// signature set and its index (whose parameters a bench tool may vary).
#pragma once

#include "match/match_index.hpp"
#include "meshsentry/engine.hpp"

namespace meshsentry {

void match_mesh(const SignatureSet& set, const MatchIndex& index, const PreparedMesh& mesh, const ScanOptions& options,
                ScanResult& result);

}  // namespace meshsentry
