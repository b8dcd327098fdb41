// SPDX-License-Identifier: MIT
// The flags `scan` and `serve` share: what to scan for and the limits. One
// table and one place that checks values, used by CLI11's parser for `scan`
// (arguments.cpp) and by the hand parser of `serve`.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "commands.hpp"
#include "meshsentry/scan.hpp"
#include "meshsentry/signatures.hpp"

namespace meshsentry::cli {

// A whole string as a number.
bool parse_number(const std::string& s, double& out);

// A whole string as a number of bytes: a number as parse_number reads it, or
// one with a K/M/G/T (KiB ...) suffix (common/byte_size.hpp).
bool parse_bytes(const std::string& s, double& out);

// One shared scan flag: its name, the value it takes (empty for a switch)
// and a line of help.
struct ScanFlag {
  const char* name;
  const char* value;
  const char* help;
};
std::span<const ScanFlag> scan_flags();

// Applies shared flag `name` (with `value` where it takes one) to `options`.
// Returns false when `name` is not one; sets `error` when its value is bad.
bool apply_scan_flag(std::string_view name, const std::string& value, ScanOptions& options, std::string& error);

// Takes args[i] (and its value) if it is a shared scan flag: --threshold,
// --candidates, --no-isolation, --no-fused, --global-only, --allow FILE and
// the limits (--max-file-size ... --max-ratio). Returns false when args[i]
// is not one; sets `error` when it is one but its value is bad.
bool take_scan_flag(const Args& args, std::size_t& i, ScanOptions& options, std::string& error);

// Takes `--trusted-key FILE` (a public key whose signature a set must carry;
// repeatable) into `trust`.
bool take_trust_flag(const Args& args, std::size_t& i, TrustOptions& trust);

}  // namespace meshsentry::cli
