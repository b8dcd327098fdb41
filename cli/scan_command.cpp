// SPDX-License-Identifier: MIT
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "commands.hpp"
#include "common/text.hpp"
#include "meshsentry/engine.hpp"
#include "meshsentry/report.hpp"
#include "progress_bar.hpp"
#include "scan_flags.hpp"

namespace meshsentry::cli {
namespace {

std::string now_utc() { return iso8601_utc(std::time(nullptr)); }

}  // namespace

int scan_command(const Args& args) {
  ScanOptions opt;
  std::string sig_path, format = "text", v;
  TrustOptions trust;
  std::vector<std::string> paths;
  std::string report;  // --report: the HTML evidence report, only where asked
  bool quiet = false;  // --quiet: no progress bar, no summary line
  for (std::size_t i = 0; i < args.size(); ++i) {
    double num = 0;
    auto bad = [&](const char* what) {
      std::fprintf(stderr, "meshsentry scan: %s\n", what);
      return kError;
    };
    if (take_value(args, i, "--signatures", v)) sig_path = v;
    else if (take_trust_flag(args, i, trust)) continue;
    else if (take_value(args, i, "--format", v)) format = v;
    else if (take_value(args, i, "--threads", v)) {
      if (!parse_number(v, num) || num < 0 || num > 1024) return bad("--threads takes a number from 0 to 1024");
      opt.threads = static_cast<int>(num);
    } else if (std::string error; take_scan_flag(args, i, opt, error)) {
      if (!error.empty()) return bad(error.c_str());
    } else if (args[i] == "--no-timing") opt.timing = false;
    else if (take_value(args, i, "--report", v)) {
      if (v.empty()) return bad("--report takes a file name");
      report = v;
    } else if (args[i] == "--quiet") quiet = true;
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
  if (!report.empty()) {
    // Fail now rather than after a long scan.
    std::error_code ec;
    const std::filesystem::path dir = std::filesystem::path(report).parent_path();
    if (std::filesystem::is_directory(report, ec) || !std::filesystem::is_directory(dir.empty() ? "." : dir, ec)) {
      std::fprintf(stderr, "meshsentry scan: --report %s: not a file name in an existing folder\n", report.c_str());
      return kError;
    }
  }
  if (sig_path.empty()) sig_path = default_signatures();
  auto engine = Engine::open(sig_path, trust);
  if (!engine) {
    std::fprintf(stderr, "meshsentry scan: %s\n", engine.status().message.c_str());
    return kError;
  }

  const bool color = format == "text" && isatty(STDOUT_FILENO);
  std::size_t flagged = 0, errors = 0, files = 0;
  std::vector<ScanResult> kept;  // for --format json and --report
  const bool keep = format == "json" || !report.empty();
  const std::string started = now_utc();
  // The total costs a second walk of the tree: counted only for the bar.
  const bool bar_on = progress_wanted(quiet);
  ProgressBar bar(bar_on, bar_on ? collect_files(paths, opt.follow_symlinks) : std::vector<FoundFile>{});
  const bool shared_terminal = bar_on && isatty(STDOUT_FILENO);
  auto print = [&](auto&& f) {
    if (shared_terminal) bar.above(f);
    else f();
  };
  engine->scan_paths(paths, opt, [&](const ScanResult& r) {
    ++files;
    flagged += is_flagged(r.verdict);
    errors += r.verdict == Verdict::error;
    bar.advance(r.path);
    if (format == "jsonl") {
      std::string line = to_jsonl(r);
      line.push_back('\n');
      print([&] { std::fwrite(line.data(), 1, line.size(), stdout); });
    } else if (format == "text") {
      print([&] { std::printf("%s\n", to_text(r, color).c_str()); });
    }
    if (keep) kept.push_back(r);
  });
  bar.stop();
  RunInfo info;
  info.signature_name = engine->signatures().name;
  info.signature_checksum = engine->signatures().checksum;
  info.signature_entries = engine->signatures().entries.size();
  info.threshold = opt.match_threshold;
  info.options = opt;
  info.started = started;
  info.finished = now_utc();
  if (format == "json") std::printf("%s\n", to_json_document(kept, info).c_str());
  std::fflush(stdout);
  if (!report.empty()) {
    if (bar_on) std::fputs("writing the report...", stderr);
    const Status written = write_html_report(report, kept, *engine, info);
    if (bar_on) std::fputs("\r\033[K", stderr);
    if (!written.ok()) {
      std::fprintf(stderr, "meshsentry scan: %s\n", written.message.c_str());
      return kError;
    }
    if (!quiet) std::fprintf(stderr, "report written to %s\n", report.c_str());
  }
  if (format == "text" && !quiet)
    std::fprintf(stderr, "%zu results: %zu flagged, %zu errors\n", files, flagged, errors);
  std::fflush(stdout);
  if (flagged) return kFlagged;
  return errors ? kError : kClean;
}

}  // namespace meshsentry::cli
