// SPDX-License-Identifier: MIT
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
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

struct ScanCli {
  ScanOptions opt;
  std::string sig_path, format = "text";
  TrustOptions trust;
  std::vector<std::string> paths;
  std::string report;  // --report: the HTML evidence report, only where asked
  bool quiet = false;  // --quiet: no progress bar, no summary line
  bool list_skipped = false;  // --list-skipped: text and JSONL list the paths passed over too
};

// Fills `c` from the arguments; kClean when they are usable, else the exit code.
int parse_scan_args(const Args& args, ScanCli& c) {
  std::string v;
  for (std::size_t i = 0; i < args.size(); ++i) {
    double num = 0;
    auto bad = [&](const char* what) {
      std::fprintf(stderr, "meshsentry scan: %s\n", what);
      return kError;
    };
    if (take_value(args, i, "--signatures", v)) c.sig_path = v;
    else if (take_trust_flag(args, i, c.trust)) continue;
    else if (take_value(args, i, "--format", v)) c.format = v;
    else if (take_value(args, i, "--threads", v)) {
      if (!parse_number(v, num) || num < 0 || num > 1024) return bad("--threads takes a number from 0 to 1024");
      c.opt.threads = static_cast<int>(num);
    } else if (std::string error; take_scan_flag(args, i, c.opt, error)) {
      if (!error.empty()) return bad(error.c_str());
    } else if (args[i] == "--no-timing") c.opt.timing = false;
    else if (take_value(args, i, "--report", v)) {
      if (v.empty()) return bad("--report takes a file name");
      c.report = v;
    } else if (args[i] == "--quiet") c.quiet = true;
    else if (args[i] == "--follow-symlinks") c.opt.follow_symlinks = true;
    else if (args[i] == "--list-skipped") c.list_skipped = true;
    else if (args[i] == "--") {
      c.paths.insert(c.paths.end(), args.begin() + static_cast<long>(i) + 1, args.end());
      break;
    } else if (!args[i].empty() && args[i][0] == '-') {
      std::fprintf(stderr, "meshsentry scan: unknown or incomplete option '%s'\n", args[i].c_str());
      return kError;
    } else c.paths.push_back(args[i]);
  }
  if (c.format != "text" && c.format != "jsonl" && c.format != "json") {
    std::fprintf(stderr, "meshsentry scan: --format is text, jsonl or json\n");
    return kError;
  }
  if (c.paths.empty()) {
    std::fprintf(stderr, "meshsentry scan: no files or folders given\n");
    return kError;
  }
  if (!c.report.empty()) {
    // Fail now rather than after a long scan.
    std::error_code ec;
    const std::filesystem::path dir = std::filesystem::path(c.report).parent_path();
    if (std::filesystem::is_directory(c.report, ec) || !std::filesystem::is_directory(dir.empty() ? "." : dir, ec)) {
      std::fprintf(stderr, "meshsentry scan: --report %s: not a file name in an existing folder\n", c.report.c_str());
      return kError;
    }
  }
  return kClean;
}

// SIGINT and SIGTERM stop the scan (ScanOptions::cancel) rather than the
// process, so the results so far are written and the JSON document closed.
// The handler only sets a lock-free flag, which is async-signal-safe; it
// resets itself, so a second signal ends the process at once.
std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void on_stop_signal(int) { g_stop.store(true); }

class StopSignals {
 public:
  StopSignals() {
    take(SIGINT, old_int_);
    take(SIGTERM, old_term_);
  }
  ~StopSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  static void take(int sig, struct sigaction& old) {
    sigaction(sig, nullptr, &old);
    // An ignored signal stays ignored (a background job of a shell, nohup).
    if (old.sa_handler == SIG_IGN) return;
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND | SA_RESTART;  // reads and writes under way resume after it
    sigaction(sig, &sa, nullptr);
  }

  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

// Writes `s` to stdout at once, in one write(2) where the system allows, so
// that a record is out whole the moment it is complete: a process killed
// later (or a reader of a pipe) never holds half a line of it.
void write_now(std::string_view s) {
  std::fflush(stdout);  // anything stdio still holds goes first
  while (!s.empty()) {
    const ssize_t n = ::write(STDOUT_FILENO, s.data(), s.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // stdout is gone (EPIPE, full disk): nothing more can be said there
    s.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Prints each result as scan_paths emits it and counts them.
struct Printer {
  const ScanCli& c;
  ProgressBar& bar;
  bool color, shared_terminal;
  RunSummary summary;
  std::vector<ScanResult> kept;  // for --report

  void operator()(const ScanResult& r) {
    bar.advance(r.path);
    std::string out;
    if (c.format == "jsonl") out = to_jsonl(r) + "\n";
    else if (c.format == "text") out = to_text(r, color) + "\n";
    else out = json_document_item(r, summary.files == 0);
    summary.add(r);
    if (shared_terminal) bar.above([&] { write_now(out); });
    else write_now(out);
    if (!c.report.empty()) kept.push_back(r);
  }

  // A path passed over: counted; listed in JSON's "skipped", and as a line
  // of text or JSONL with --list-skipped (default JSONL stays as it was).
  void operator()(const SkippedFile& s) {
    summary.add(s);
    if (c.format == "json") return skipped.push_back(s);
    if (!c.list_skipped) return;
    const std::string out = (c.format == "jsonl" ? skipped_to_jsonl(s) : skipped_to_text(s)) + "\n";
    if (shared_terminal) bar.above([&] { write_now(out); });
    else write_now(out);
  }
  std::vector<SkippedFile> skipped;  // for JSON's "skipped"
};

int write_report(const ScanCli& c, const Engine& engine, const std::vector<ScanResult>& kept, const RunInfo& info,
                 bool bar_on) {
  if (bar_on) std::fputs("writing the report...", stderr);
  const Status written = write_html_report(c.report, kept, engine, info);
  if (bar_on) std::fputs("\r\033[K", stderr);
  if (!written.ok()) {
    std::fprintf(stderr, "meshsentry scan: %s\n", written.message.c_str());
    return kError;
  }
  if (!c.quiet) std::fprintf(stderr, "report written to %s\n", c.report.c_str());
  return kClean;
}

}  // namespace

constexpr const char* kScanUsage =
    "usage: meshsentry scan [options] PATH...\n"
    "  --signatures FILE        signature set (default: $MESHSENTRY_SIGNATURES, else the demo set)\n"
    "  --trusted-key PUB.pem    refuse a set not signed by this key (repeatable)\n"
    "  --format text|jsonl|json output format (default text); --report FILE.html an evidence report\n"
    "  --threads N              files in parallel (0: every core); --no-timing: no elapsed_ms\n"
    "  --threshold T            score a match needs (0.90); --candidates N near misses to list (3)\n"
    "  --allow FILE             allow-list of sha256:/geometry: rules; --quiet: no bar or summary\n"
    "  --follow-symlinks        follow symlinks; --no-isolation: Assimp formats in process\n"
    "  --list-skipped           text and jsonl also list the files passed over (json always does)\n"
    "  --no-fused, --no-pieces, --global-only   turn matching stages off\n"
    "  limits, per scanned file: --max-file-size BYTES --max-triangles N --max-seconds S\n"
    "    --max-scan-size BYTES --max-member-size BYTES --max-files N --max-recursion N --max-ratio R\n"
    "exit status: 0 nothing flagged, 1 something flagged, 2 error (and nothing flagged)\n";

int scan_command(const Args& args) {
  if (wants_help(args)) {
    std::fputs(kScanUsage, stdout);
    return kClean;
  }
  ScanCli c;
  if (const int code = parse_scan_args(args, c); code != kClean) return code;
  if (c.sig_path.empty()) c.sig_path = default_signatures();
  auto engine = Engine::open(c.sig_path, c.trust);
  if (!engine) {
    std::fprintf(stderr, "meshsentry scan: %s\n", engine.status().message.c_str());
    return kError;
  }

  RunInfo info;
  info.signature_name = engine->signatures().name;
  info.signature_checksum = engine->signatures().checksum;
  info.signature_entries = engine->signatures().entries.size();
  info.threshold = c.opt.match_threshold;
  info.options = c.opt;
  info.started = now_utc();
  g_stop.store(false);
  c.opt.cancel = &g_stop;
  std::optional<StopSignals> signals(std::in_place);
  // The total costs a second walk of the tree: counted only for the bar.
  const bool bar_on = progress_wanted(c.quiet);
  ProgressBar bar(bar_on, bar_on ? collect_files(c.paths, c.opt.follow_symlinks) : std::vector<FoundFile>{});
  Printer print{c, bar, c.format == "text" && isatty(STDOUT_FILENO), bar_on && isatty(STDOUT_FILENO), {}, {}, {}};
  if (c.format == "json") write_now(json_document_head(info));
  engine->scan_paths(c.paths, c.opt, std::ref(print), [&](const SkippedFile& s) { print(s); });
  signals.reset();
  bar.stop();
  info.finished = now_utc();
  info.interrupted = g_stop.load();
  const RunSummary& sum = print.summary;
  if (c.format == "json") write_now(json_document_tail(sum, info, print.skipped) + "\n");
  if (!c.report.empty())
    if (const int code = write_report(c, *engine, print.kept, info, bar_on); code != kClean) return code;
  if (!c.quiet && (c.format == "text" || info.interrupted))
    std::fprintf(stderr, "%zu results: %zu flagged, %zu errors%s%s%s\n", sum.files, sum.flagged, sum.errors,
                 sum.skipped ? "; " : "", sum.skipped_text().c_str(),
                 info.interrupted ? "; interrupted, files not yet started were not scanned" : "");
  if (sum.flagged) return kFlagged;
  return sum.errors || info.interrupted ? kError : kClean;
}

}  // namespace meshsentry::cli
