// SPDX-License-Identifier: MIT
#include "scan_flags.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

#include "common/byte_size.hpp"

namespace meshsentry::cli {
namespace {

// The scan limits (ClamAV's set): flag, what it takes, lowest value, whether
// it is a size (suffixes allowed), setter.
struct Limit {
  const char* flag;
  const char* what;
  double min;
  bool bytes;
  void (*set)(ScanOptions&, double);
};
constexpr Limit kLimits[] = {
    {"--max-file-size", "a size in bytes (suffixes K, M, G, T)", 1, true,
     [](ScanOptions& o, double n) { o.load.max_file_bytes = std::uint64_t(n); }},
    {"--max-triangles", "a number", 1, false,
     [](ScanOptions& o, double n) { o.load.max_triangles = std::uint64_t(n); }},
    {"--max-seconds", "a number of seconds", 1, false,
     [](ScanOptions& o, double n) { o.load.max_seconds = unsigned(std::min(n, 1e6)); }},
    {"--max-scan-size", "a size in bytes (suffixes K, M, G, T)", 1, true,
     [](ScanOptions& o, double n) { o.archive.max_total_bytes = std::uint64_t(n); }},
    {"--max-member-size", "a size in bytes (suffixes K, M, G, T)", 1, true,
     [](ScanOptions& o, double n) { o.archive.max_member_bytes = std::uint64_t(n); }},
    {"--max-files", "a number", 1, false,
     [](ScanOptions& o, double n) { o.archive.max_members = std::uint32_t(std::min(n, 4e9)); }},
    {"--max-recursion", "a number", 0, false,
     [](ScanOptions& o, double n) { o.max_archive_depth = std::uint32_t(std::min(n, 64.0)); }},
    {"--max-ratio", "a number of at least 1", 1, false, [](ScanOptions& o, double n) { o.archive.max_ratio = n; }},
};

constexpr ScanFlag kFlags[] = {
    {"--threshold", "T", "score a match needs, in [0, 1] (0.90)"},
    {"--candidates", "N", "near misses to list per clean file, 0 to 100 (3)"},
    {"--allow", "FILE", "allow-list of sha256:/geometry: rules: never flag those"},
    {"--no-isolation", "", "read Assimp formats in this process, not a sandboxed child"},
    {"--no-fused", "", "no point-pair voting (parts fused with other material)"},
    {"--no-pieces", "", "no search for cut pieces (verdict suspect)"},
    {"--pieces", "", "search for cut pieces (the default; kept for scripts)"},
    {"--global-only", "", "descriptors alone: no alignment, never a match"},
    {"--max-file-size", "SIZE", "largest file read (1G)"},
    {"--max-triangles", "N", "most triangles per file (50000000)"},
    {"--max-seconds", "S", "wall time per file (60)"},
    {"--max-scan-size", "SIZE", "bytes expanded from one archive (1G)"},
    {"--max-member-size", "SIZE", "largest archive member (256M)"},
    {"--max-files", "N", "archive members (10000)"},
    {"--max-recursion", "N", "archive depth (3)"},
    {"--max-ratio", "R", "archive expansion ratio (100)"},
};

bool is_flag(const std::string& arg, const char* flag) {
  const std::size_t n = std::strlen(flag);
  return arg.compare(0, n, flag) == 0 && (arg.size() == n || arg[n] == '=');
}

}  // namespace

// strtod's syntax on purpose, not common/text.hpp's from_chars one: flag
// values have always been accepted with leading white space and as hex
// floats, and values that underflow have always been refused.
bool parse_number(const std::string& s, double& out) {
  try {
    std::size_t used = 0;
    out = std::stod(s, &used);
    return used == s.size();
  } catch (...) {
    return false;
  }
}

bool parse_bytes(const std::string& s, double& out) {
  if (parse_number(s, out)) return true;
  std::uint64_t n = 0;
  if (!parse_size(s, n)) return false;
  out = static_cast<double>(n);
  return true;
}

std::span<const ScanFlag> scan_flags() { return kFlags; }

bool apply_scan_flag(std::string_view name, const std::string& v, ScanOptions& opt, std::string& error) {
  double num = 0;
  if (name == "--no-isolation") opt.load.isolate = false;
  else if (name == "--no-fused") opt.partial = false;
  else if (name == "--no-pieces") opt.pieces = false;
  else if (name == "--pieces") opt.pieces = true;
  else if (name == "--global-only") opt.verify = opt.partial = false;
  else if (name == "--threshold") {
    if (!parse_number(v, num) || num < 0 || num > 1) error = "--threshold takes a number in [0, 1]";
    else opt.match_threshold = num;
  } else if (name == "--candidates") {
    if (!parse_number(v, num) || num < 0 || num > 100) error = "--candidates takes a number from 0 to 100";
    else opt.candidates = static_cast<std::uint32_t>(num);
  } else if (name == "--allow") {
    if (v.empty()) error = "--allow takes a file";
    else if (auto list = read_allow_list(v); !list) error = list.status().message;
    else opt.allow = std::make_shared<const AllowList>(std::move(list.value()));
  } else {
    const Limit* l = nullptr;
    for (const Limit& x : kLimits)
      if (name == x.flag) l = &x;
    if (!l) return false;
    const bool read = l->bytes ? parse_bytes(v, num) : parse_number(v, num);
    if (!read || !(num >= l->min) || num > 1e18) error = std::string(l->flag) + " takes " + l->what;
    else l->set(opt, num);
  }
  return true;
}

bool take_scan_flag(const Args& args, std::size_t& i, ScanOptions& opt, std::string& error) {
  for (const ScanFlag& f : kFlags) {
    if (!is_flag(args[i], f.name)) continue;
    std::string v;
    if (*f.value && !take_value(args, i, f.name, v)) {
      error = std::string(f.name) + " takes a value";
      return true;
    }
    if (!*f.value && args[i] != f.name) return false;  // a switch given a value: not one of ours
    return apply_scan_flag(f.name, v, opt, error);
  }
  return false;
}

bool take_trust_flag(const Args& args, std::size_t& i, TrustOptions& trust) {
  std::string v;
  if (!take_value(args, i, "--trusted-key", v)) return false;
  trust.trusted_keys.push_back(v);
  return true;
}

}  // namespace meshsentry::cli
