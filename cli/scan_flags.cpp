// SPDX-License-Identifier: MIT
#include "scan_flags.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

namespace meshsentry::cli {
namespace {

// The scan limits (ClamAV's set): flag, what it takes, lowest value, setter.
struct Limit {
  const char* flag;
  const char* what;
  double min;
  void (*set)(ScanOptions&, double);
};
constexpr Limit kLimits[] = {
    {"--max-file-size", "a number of bytes", 1, [](ScanOptions& o, double n) { o.load.max_file_bytes = std::uint64_t(n); }},
    {"--max-triangles", "a number", 1, [](ScanOptions& o, double n) { o.load.max_triangles = std::uint64_t(n); }},
    {"--max-seconds", "a number of seconds", 1, [](ScanOptions& o, double n) { o.load.max_seconds = unsigned(std::min(n, 1e6)); }},
    {"--max-scan-size", "a number of bytes", 1, [](ScanOptions& o, double n) { o.archive.max_total_bytes = std::uint64_t(n); }},
    {"--max-member-size", "a number of bytes", 1, [](ScanOptions& o, double n) { o.archive.max_member_bytes = std::uint64_t(n); }},
    {"--max-files", "a number", 1, [](ScanOptions& o, double n) { o.archive.max_members = std::uint32_t(std::min(n, 4e9)); }},
    {"--max-recursion", "a number", 0, [](ScanOptions& o, double n) { o.max_archive_depth = std::uint32_t(std::min(n, 64.0)); }},
    {"--max-ratio", "a number of at least 1", 1, [](ScanOptions& o, double n) { o.archive.max_ratio = n; }},
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

bool take_scan_flag(const Args& args, std::size_t& i, ScanOptions& opt, std::string& error) {
  const std::string& a = args[i];
  std::string v;
  double num = 0;
  if (a == "--no-isolation") opt.load.isolate = false;
  else if (a == "--no-fused") opt.partial = false;
  else if (a == "--no-pieces") opt.pieces = false;
  else if (a == "--pieces") opt.pieces = true;  // the default now; kept for scripts
  else if (a == "--global-only") opt.verify = opt.partial = false;
  else if (is_flag(a, "--threshold")) {
    if (!take_value(args, i, "--threshold", v) || !parse_number(v, num) || num < 0 || num > 1)
      error = "--threshold takes a number in [0, 1]";
    else opt.match_threshold = num;
  } else if (is_flag(a, "--candidates")) {
    if (!take_value(args, i, "--candidates", v) || !parse_number(v, num) || num < 0 || num > 100)
      error = "--candidates takes a number from 0 to 100";
    else opt.candidates = static_cast<std::uint32_t>(num);
  } else if (is_flag(a, "--allow")) {
    if (!take_value(args, i, "--allow", v)) {
      error = "--allow takes a file";
    } else if (auto list = read_allow_list(v); !list) {
      error = list.status().message;
    } else {
      opt.allow = std::make_shared<const AllowList>(std::move(list.value()));
    }
  } else {
    const Limit* l = nullptr;
    for (const Limit& x : kLimits)
      if (is_flag(a, x.flag)) l = &x;
    if (!l) return false;
    if (!take_value(args, i, l->flag, v) || !parse_number(v, num) || !(num >= l->min) || num > 1e18)
      error = std::string(l->flag) + " takes " + l->what;
    else l->set(opt, num);
  }
  return true;
}

bool take_trust_flag(const Args& args, std::size_t& i, TrustOptions& trust) {
  std::string v;
  if (!take_value(args, i, "--trusted-key", v)) return false;
  trust.trusted_keys.push_back(v);
  return true;
}

bool wants_help(const Args& args) {
  for (const std::string& a : args) {
    if (a == "--") return false;
    if (a == "-h" || a == "--help") return true;
  }
  return false;
}

}  // namespace meshsentry::cli
