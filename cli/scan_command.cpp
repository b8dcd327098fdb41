// SPDX-License-Identifier: MIT
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <ctime>
#include <string>

#include "commands.hpp"
#include "meshsentry/engine.hpp"
#include "meshsentry/report.hpp"

namespace meshsentry::cli {
namespace {

std::string now_utc() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool parse_number(const std::string& s, double& out) {
  try {
    std::size_t used = 0;
    out = std::stod(s, &used);
    return used == s.size();
  } catch (...) {
    return false;
  }
}

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
const Limit* limit_flag(const std::string& arg) {
  for (const Limit& l : kLimits) {
    const std::size_t n = std::strlen(l.flag);
    if (arg.compare(0, n, l.flag) == 0 && (arg.size() == n || arg[n] == '=')) return &l;
  }
  return nullptr;
}

}  // namespace

int scan_command(const Args& args) {
  ScanOptions opt;
  std::string sig_path, format = "text", v;
  std::vector<std::string> paths;
  for (std::size_t i = 0; i < args.size(); ++i) {
    double num = 0;
    auto bad = [&](const char* what) {
      std::fprintf(stderr, "meshsentry scan: %s\n", what);
      return kError;
    };
    if (take_value(args, i, "--signatures", v)) sig_path = v;
    else if (take_value(args, i, "--format", v)) format = v;
    else if (take_value(args, i, "--threads", v)) {
      if (!parse_number(v, num) || num < 0 || num > 1024) return bad("--threads takes a number from 0 to 1024");
      opt.threads = static_cast<int>(num);
    } else if (take_value(args, i, "--threshold", v)) {
      if (!parse_number(v, num) || num < 0 || num > 1) return bad("--threshold takes a number in [0, 1]");
      opt.match_threshold = num;
    } else if (take_value(args, i, "--candidates", v)) {
      if (!parse_number(v, num) || num < 0 || num > 100) return bad("--candidates takes a number from 0 to 100");
      opt.candidates = static_cast<std::uint32_t>(num);
    } else if (const Limit* l = limit_flag(args[i])) {
      if (!take_value(args, i, l->flag, v) || !parse_number(v, num) || !(num >= l->min) || num > 1e18)
        return bad((std::string(l->flag) + " takes " + l->what).c_str());
      l->set(opt, num);
    } else if (args[i] == "--no-timing") opt.timing = false;
    else if (args[i] == "--no-isolation") opt.load.isolate = false;
    else if (args[i] == "--no-fused") opt.partial = false;
    else if (args[i] == "--follow-symlinks") opt.follow_symlinks = true;
    else if (args[i] == "--") {
      paths.insert(paths.end(), args.begin() + static_cast<long>(i) + 1, args.end());
      break;
    } else if (!args[i].empty() && args[i][0] == '-') {
      std::fprintf(stderr, "meshsentry scan: unknown or incomplete option '%s'\n", args[i].c_str());
      return kError;
    } else paths.push_back(args[i]);
  }
  if (format != "text" && format != "jsonl" && format != "json") {
    std::fprintf(stderr, "meshsentry scan: --format is text, jsonl or json\n");
    return kError;
  }
  if (paths.empty()) {
    std::fprintf(stderr, "meshsentry scan: no files or folders given\n");
    return kError;
  }
  if (sig_path.empty()) sig_path = default_signatures();
  auto engine = Engine::open(sig_path);
  if (!engine) {
    std::fprintf(stderr, "meshsentry scan: %s\n", engine.status().message.c_str());
    return kError;
  }

  const bool color = format == "text" && isatty(STDOUT_FILENO);
  std::size_t flagged = 0, errors = 0, files = 0;
  std::vector<ScanResult> kept;  // only for --format json
  const std::string started = now_utc();
  engine->scan_paths(paths, opt, [&](const ScanResult& r) {
    ++files;
    flagged += r.verdict == Verdict::match || r.verdict == Verdict::suspect;
    errors += r.verdict == Verdict::error;
    if (format == "jsonl") {
      std::string line = to_jsonl(r);
      line.push_back('\n');
      std::fwrite(line.data(), 1, line.size(), stdout);
    } else if (format == "text") {
      std::printf("%s\n", to_text(r, color).c_str());
    } else {
      kept.push_back(r);
    }
  });
  if (format == "json") {
    RunInfo info;
    info.signature_name = engine->signatures().name;
    info.signature_checksum = engine->signatures().checksum;
    info.signature_entries = engine->signatures().entries.size();
    info.threshold = opt.match_threshold;
    info.started = started;
    info.finished = now_utc();
    std::printf("%s\n", to_json_document(kept, info).c_str());
  }
  if (format == "text")
    std::fprintf(stderr, "%zu results: %zu flagged, %zu errors\n", files, flagged, errors);
  std::fflush(stdout);
  if (flagged) return kFlagged;
  return errors ? kError : kClean;
}

}  // namespace meshsentry::cli
