// SPDX-License-Identifier: MIT
#pragma once

#include "meshsentry/engine.hpp"

namespace meshsentry {

// A match or suspect whose file sha256 or geometry hash is on
// options.allow becomes "allowed", naming the rule; matches are kept.
void apply_allow_list(const ScanOptions& options, ScanResult& result);

}  // namespace meshsentry
