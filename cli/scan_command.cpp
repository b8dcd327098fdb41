// SPDX-License-Identifier: MIT
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
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

#include "arguments.hpp"
#include "common/atomic_file.hpp"
#include "common/mapped_file.hpp"
#include "common/sha256.hpp"
#include "common/text.hpp"
#include "isolation_workers.hpp"
#include "meshsentry/engine.hpp"
#include "meshsentry/report.hpp"
#include "progress_bar.hpp"
#include "scan_inputs.hpp"
#include "scan_summary.hpp"

namespace meshsentry::cli {
namespace {

std::string now_utc() { return iso8601_utc(std::time(nullptr)); }

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

// An error line of --infected, on stderr, whole.
void write_err(std::string_view s) {
  while (!s.empty()) {
    const ssize_t n = ::write(STDERR_FILENO, s.data(), s.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    s.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Prints each result as it comes and counts them.
struct Printer {
  const ScanArgs& c;
  ProgressBar& bar;
  bool color, shared_terminal;
  RunSummary summary;
  ScanTally tally;
  std::vector<ScanResult> kept;  // for --report

  void operator()(const ScanResult& r) {
    bar.advance(r.path);
    std::string out;
    bool to_stderr = false;
    if (c.format == "jsonl") out = to_jsonl(r) + "\n";
    else if (c.format == "json") out = json_document_item(r, summary.files == 0);
    else if (!c.infected || is_flagged(r.verdict)) out = to_text(r, color) + "\n";
    else if (r.verdict == Verdict::error) {
      out = to_text(r, false) + "\n";
      to_stderr = true;
    }
    summary.add(r);
    tally.add(r);
    if (!out.empty()) {
      auto write = [&] { to_stderr ? write_err(out) : write_now(out); };
      if (shared_terminal) bar.above(write);
      else write();
    }
    if (!c.report.empty()) kept.push_back(r);
  }

  // A path passed over: counted; listed in JSON's "skipped", and as a line
  // of text or JSONL with --list-skipped (default JSONL stays as it was).
  void operator()(const SkippedFile& s) {
    summary.add(s);
    if (c.format == "json" || !c.report.empty()) skipped.push_back(s);
    if (c.format == "json" || !c.list_skipped) return;
    const std::string out = (c.format == "jsonl" ? skipped_to_jsonl(s) : skipped_to_text(s)) + "\n";
    if (shared_terminal) bar.above([&] { write_now(out); });
    else write_now(out);
  }
  std::vector<SkippedFile> skipped;  // for JSON's "skipped" and the report's inventory
};

// The report, then its SHA-256 beside it in sha256sum's format (both
// written atomically), so that a copy can be checked with `sha256sum -c`.
int write_report(const ScanArgs& c, const Engine& engine, const Printer& print, const RunInfo& info, bool bar_on) {
  if (bar_on) std::fputs("writing the report...", stderr);
  HtmlReportOptions options;
  options.skipped = print.skipped;
  options.md5 = c.md5;
  options.sha1 = c.sha1;
  std::string html;
  Status written = Status::success();
  try {
    html = to_html_report(print.kept, engine, info, options);
  } catch (const std::exception& e) {
    written = make_error(ErrorCode::io, std::string("report: ") + e.what());
  }
  const std::string hex = sha256_hex(std::as_bytes(std::span(html)));
  const std::string line = hex + "  " + std::filesystem::path(c.report).filename().string() + "\n";
  if (written.ok()) written = write_file_atomically(c.report, std::as_bytes(std::span(html)));
  if (written.ok()) written = write_file_atomically(c.report + ".sha256", std::as_bytes(std::span(line)));
  if (bar_on) std::fputs("\r\033[K", stderr);
  if (!written.ok()) {
    std::fprintf(stderr, "meshsentry scan: %s\n", written.message.c_str());
    return kError;
  }
  if (!c.quiet) std::fprintf(stderr, "report written to %s (SHA-256 %s, in %s.sha256)\n", c.report.c_str(), hex.c_str(),
                             c.report.c_str());
  return kClean;
}

// Where, by whom and how the run was made, for the report's case record.
void describe_run(const ScanArgs& c, RunInfo& info) {
  info.command_line = c.command_line;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0) info.host = host;
  if (const passwd* pw = getpwuid(geteuid())) info.user = pw->pw_name;
  info.user += " (uid " + std::to_string(geteuid()) + ")";
  std::error_code ec;
  info.working_directory = std::filesystem::current_path(ec).string();
  info.allow_list = c.allow_list;
  if (!c.allow_list.empty())
    if (auto file = MappedFile::open(c.allow_list, c.opt.load.max_file_bytes)) info.allow_list_sha256 = sha256_hex(file->bytes());
}

// Standard input (`scan -`) as one file, through the engine's in-memory
// scan as serve's uploads are; an unreadable or oversized input is an error
// record of its own.
void scan_stdin(const Engine& engine, const ScanArgs& c, const StdinFile& in, Printer& print) {
  if (!in.error.empty()) {
    ScanResult r;
    r.path = c.stdin_name;
    r.verdict = Verdict::error;
    r.error = in.error;
    print(r);
    return;
  }
  for (const ScanResult& r : engine.scan_buffer(in.bytes, c.stdin_name, c.opt)) print(r);
}

}  // namespace

int scan_command(const ScanArgs& args) {
  const auto t0 = std::chrono::steady_clock::now();  // the summary's time: from the start, as clamscan's
  ScanArgs c = args;
  // '-' on the command line is standard input; in a --files-from list it
  // is a file name like any other.
  const auto dash = std::find(c.paths.begin(), c.paths.end(), "-");
  const bool from_stdin = dash != c.paths.end();
  if (from_stdin) c.paths.erase(dash);
  if (!c.files_from.empty())
    if (std::string error = read_path_list(c.files_from, c.null_separated, c.paths); !error.empty()) {
      std::fprintf(stderr, "meshsentry scan: %s\n", error.c_str());
      return kError;
    }
  if (c.paths.empty() && !from_stdin) {
    std::fprintf(stderr, "meshsentry scan: no files or folders given\n");
    return kError;
  }
  if (c.sig_path.empty()) c.sig_path = default_signatures();
  auto engine = Engine::open(c.sig_path, c.trust);
  if (!engine) {
    std::fprintf(stderr, "meshsentry scan: %s\n", engine.status().message.c_str());
    return kError;
  }
  // Before the signal handlers: a Ctrl-C while a terminal is read ends the
  // process at once, with nothing written yet.
  const StdinFile in = from_stdin ? read_stdin_file(c.opt.load.max_file_bytes) : StdinFile{};

  RunInfo info;
  info.signature_name = engine->signatures().name;
  info.signature_checksum = engine->signatures().checksum;
  info.signature_entries = engine->signatures().entries.size();
  info.threshold = c.opt.match_threshold;
  info.options = c.opt;
  info.started = now_utc();
  info.case_id = c.case_id;  // the case fields go into json too; the rest only into the report
  info.exhibit = c.exhibit;
  info.examiner = c.examiner;
  info.notes = c.notes;
  if (!c.report.empty()) describe_run(c, info);
  g_stop.store(false);
  c.opt.cancel = &g_stop;
  // Forked at first use: a folder of STL files needs none.
  IsolationWorkers workers(c.opt.load.isolate && !c.fork_per_file, c.opt.threads, false);
  std::optional<StopSignals> signals(std::in_place);
  // The total costs a second walk of the tree: counted only for the bar.
  const bool bar_on = progress_wanted(c.quiet);
  std::vector<FoundFile> found = bar_on ? collect_files(c.paths, c.opt.follow_symlinks) : std::vector<FoundFile>{};
  if (bar_on && from_stdin) found.insert(found.begin(), FoundFile{c.stdin_name, {}, false});
  ProgressBar bar(bar_on, found);
  Printer print{c, bar, c.format == "text" && isatty(STDOUT_FILENO), bar_on && isatty(STDOUT_FILENO), {}, {}, {}, {}};
  if (c.format == "json") write_now(json_document_head(info));
  if (from_stdin) scan_stdin(*engine, c, in, print);
  if (!c.paths.empty()) engine->scan_paths(c.paths, c.opt, std::ref(print), [&](const SkippedFile& f) { print(f); });
  signals.reset();
  bar.stop();
  info.finished = now_utc();
  info.interrupted = g_stop.load();
  const RunSummary& sum = print.summary;
  if (c.format == "json") write_now(json_document_tail(sum, info, print.skipped) + "\n");
  if (!c.report.empty())
    if (const int code = write_report(c, *engine, print, info, bar_on); code != kClean) return code;
  if (c.format == "text" && c.summary && !c.quiet) {
    SummaryInfo s;
    s.signatures = info.signature_entries;
    s.signature_name = info.signature_name;
    s.skipped = sum.skipped;
    s.interrupted = info.interrupted;
    s.timing = c.opt.timing;
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    write_now(summary_text(print.tally, s));
  }
  // The one-line count on stderr stays beside the summary: scripts and the
  // README read it, and it is the only one json and jsonl runs get.
  if (!c.quiet && (c.format == "text" || info.interrupted))
    std::fprintf(stderr, "%zu results: %zu flagged, %zu errors%s%s%s\n", sum.files, sum.flagged, sum.errors,
                 sum.skipped ? "; " : "", sum.skipped_text().c_str(),
                 info.interrupted ? "; interrupted, files not yet started were not scanned" : "");
  if (sum.flagged) return kFlagged;
  return sum.errors || info.interrupted ? kError : kClean;
}

}  // namespace meshsentry::cli
