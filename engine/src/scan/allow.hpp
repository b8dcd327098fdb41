// SPDX-License-Identifier: MIT
// Internal: applying the allow-list to a scan result (reading one is public,
// read_allow_list in scan.hpp).
#pragma once

#include "meshsentry/scan.hpp"

namespace meshsentry {

// A match or suspect whose file sha256 or geometry hash is on
// options.allow becomes "allowed", naming the rule; matches are kept.
void apply_allow_list(const ScanOptions& options, ScanResult& result);

}  // namespace meshsentry
