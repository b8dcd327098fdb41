// SPDX-License-Identifier: MIT
// Writers for scan results: JSONL for pipelines, text for people, one JSON
// document for archiving a run, one HTML evidence report with pictures. The
// JSONL fields follow EVAL-FORMAT.md.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "meshsentry/engine.hpp"

namespace meshsentry {

// One JSON object on one line, no trailing newline. A `path` that is not
// valid UTF-8 is written in the escaped form of to_text (each byte outside a
// valid sequence as "\xHH", '\' as "\\") with "path_bytes_escaped": true,
// so that distinct names stay distinct; a valid one is written as it is.
std::string to_jsonl(const ScanResult& result);

// One line for a person, without its newline; `color` adds ANSI highlighting
// of matches. Names, error messages and signature labels are escaped: '\' as
// "\\", newline, CR and tab as "\n", "\r", "\t", other control characters
// (C0, DEL, C1) and bytes that are not UTF-8 as "\xHH", so a line never
// breaks in two nor carries a terminal escape sequence.
std::string to_text(const ScanResult& result, bool color);

struct RunInfo {
  std::string signature_name, signature_checksum;
  std::size_t signature_entries = 0;
  double threshold = 0;
  ScanOptions options;  // the settings the run used (limits, isolation, stages)
  std::string started, finished;  // ISO 8601 UTC
  bool interrupted = false;       // stopped early (ScanOptions::cancel): files not started are not listed
  // The forensic record of the HTML report (the CLI fills them; empty ones
  // are shown as "-"): the examiner's case fields, where and by whom the
  // run was made, and the allow-list used ("" for none) with its SHA-256.
  std::string case_id, exhibit, examiner, notes;
  std::string host, user, command_line, working_directory;
  std::string allow_list, allow_list_sha256;
};

// Counts of a run's results and of the paths it passed over, for the JSON
// summary and the text summary line.
struct RunSummary {
  std::size_t files = 0, flagged = 0, errors = 0, allowed = 0;
  std::size_t skipped = 0;
  std::array<std::size_t, 6> skipped_by{};  // indexed by SkipReason
  void add(const ScanResult& result) noexcept;
  void add(const SkippedFile& skipped) noexcept;
  // "12 skipped (not_3d 10, symlink_not_followed 2)", or "" when none.
  std::string skipped_text() const;
};

// A path passed over, as one JSON object on one line (JSONL with
// --list-skipped): {"path", "skipped": reason, "content" (not_3d), "bytes"}.
std::string skipped_to_jsonl(const SkippedFile& skipped);
// The same for a person: "PATH: skipped (not 3D: text)".
std::string skipped_to_text(const SkippedFile& skipped);

// The whole run as one JSON document (pretty-printed), no trailing newline:
// the results under "files", the paths passed over under "skipped".
std::string to_json_document(const std::vector<ScanResult>& results, const RunInfo& info,
                             const std::vector<SkippedFile>& skipped = {});

// The same document in pieces, to write each result as it comes, so that a
// run that dies early has put out every result it finished: the head (up to
// the opening of "files"), one item per result (`first` for the first), and
// the tail (closing "files", then "skipped", the end time and the summary).
// Their concatenation is to_json_document.
std::string json_document_head(const RunInfo& info);
std::string json_document_item(const ScanResult& result, bool first);
std::string json_document_tail(const RunSummary& summary, const RunInfo& info,
                               const std::vector<SkippedFile>& skipped = {});

// The HTML evidence report. The scan keeps no meshes, so pictures re-read
// each flagged file (archive members from their archive) with the loaders,
// limits, prepare options and threads of RunInfo::options, and only when its
// SHA-256 still matches the scanned bytes.
struct HtmlReportOptions {
  bool pictures = true;  // front, top and isometric views per flagged file
  int view_width = 480, view_height = 360;  // pixels per view
  // The paths the run passed over, listed in the inventory with their reason.
  std::vector<SkippedFile> skipped;
  // MD5 and SHA-1 beside SHA-256 in the inventory, for hash-set lookups:
  // computed from each named file re-read from disk, and only where its
  // SHA-256 still matches the scanned bytes (archive members: SHA-256 only).
  bool md5 = false, sha1 = false;
};

// One self-contained HTML document (inline CSS, pictures as data: URIs, a
// Content-Security-Policy that forbids any network access): run header
// with the case record, summary table (an archive and its members count as
// one file), one card per flagged file with its best match and pictures
// of the scanned geometry with the signature's points overlaid in the found
// pose, a table of errors, an inventory of every file met (scanned, members,
// skipped) with sizes and hashes, and a legend of the numbers. Every string from files is escaped. Same
// inputs, same bytes. Safe on untrusted files; `engine` must be the one that
// produced `results` (its signatures give the overlay points).
std::string to_html_report(const std::vector<ScanResult>& results, const Engine& engine, const RunInfo& info,
                           const HtmlReportOptions& options = {});

// The same, written to `path` (through a temporary file beside it, renamed
// into place, so a failed write leaves no half report). ErrorCode::io on failure.
Status write_html_report(const std::string& path, const std::vector<ScanResult>& results, const Engine& engine,
                         const RunInfo& info, const HtmlReportOptions& options = {});

}  // namespace meshsentry
