// SPDX-License-Identifier: MIT
// The flags `scan` and `serve` share: what to scan for and the limits.
#pragma once

#include <string>

#include "commands.hpp"
#include "meshsentry/scan.hpp"
#include "meshsentry/signatures.hpp"

namespace meshsentry::cli {

// A whole string as a number.
bool parse_number(const std::string& s, double& out);

// Takes args[i] (and its value) if it is a shared scan flag: --threshold,
// --candidates, --no-isolation, --no-fused, --global-only, --allow FILE and
// the limits (--max-file-size ... --max-ratio). Returns false when args[i]
// is not one; sets `error` when it is one but its value is bad.
bool take_scan_flag(const Args& args, std::size_t& i, ScanOptions& options, std::string& error);

// Takes `--trusted-key FILE` (a public key whose signature a set must carry;
// repeatable) into `trust`.
bool take_trust_flag(const Args& args, std::size_t& i, TrustOptions& trust);

}  // namespace meshsentry::cli
