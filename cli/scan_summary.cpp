// SPDX-License-Identifier: MIT
#include "scan_summary.hpp"

#include <cstdio>

namespace meshsentry::cli {

void ScanTally::add(const ScanResult& r) {
  const bool member = !last_file_.empty() && r.path.size() > last_file_.size() + 2 &&
                      r.path.compare(0, last_file_.size(), last_file_) == 0 &&
                      r.path.compare(last_file_.size(), 2, "!/") == 0;
  errors += r.verdict == Verdict::error;
  if (member) {
    ++members;
    return;
  }
  last_file_ = r.path;
  ++files;
  bytes += r.bytes;
  matched += r.verdict == Verdict::match;
  suspect += r.verdict == Verdict::suspect;
  allowed += r.verdict == Verdict::allowed;
}

namespace {

// A set's name comes from its file: no control character reaches the terminal.
std::string printable(std::string s) {
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return s;
}

}  // namespace

std::string summary_text(const ScanTally& t, const SummaryInfo& info) {
  std::string s = "\n----------- SCAN SUMMARY -----------\n";
  char buf[160];
  auto line = [&](const char* label, std::size_t n) {
    std::snprintf(buf, sizeof buf, "%-18s %zu\n", label, n);
    s += buf;
  };
  std::snprintf(buf, sizeof buf, "%-18s %zu", "Signatures:", info.signatures);
  s += buf + (info.signature_name.empty() ? std::string() : " (" + printable(info.signature_name) + ")") + "\n";
  line("Scanned files:", t.files);
  line("Archive members:", t.members);
  std::snprintf(buf, sizeof buf, "%-18s %zu%s\n", "Skipped files:", info.skipped,
                info.interrupted ? " (not 3D, or not started before the interruption)" : " (not 3D)");
  s += buf;
  line("Flagged files:", t.matched + t.suspect);
  line("  match:", t.matched);
  line("  suspect:", t.suspect);
  line("Allowed files:", t.allowed);
  line("Errors:", t.errors);
  std::snprintf(buf, sizeof buf, "%-18s %.2f MiB\n", "Data scanned:", static_cast<double>(t.bytes) / (1024.0 * 1024.0));
  s += buf;
  if (info.timing) {
    const long whole = static_cast<long>(info.seconds);
    std::snprintf(buf, sizeof buf, "%-18s %.3f sec (%ld m %ld s)\n", "Time:", info.seconds, whole / 60, whole % 60);
    s += buf;
  }
  if (info.interrupted) s += "Interrupted:       yes, files not yet started were not scanned\n";
  return s;
}

}  // namespace meshsentry::cli
