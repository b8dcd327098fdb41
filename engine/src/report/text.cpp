// SPDX-License-Identifier: MIT
// One line per file for people: the verdict first, then why. Strings that
// come from files (names, error messages) or a signature set are escaped, so
// a line is always one line and never drives the terminal.
#include <cstdio>

#include "meshsentry/report.hpp"
#include "report/names.hpp"

namespace meshsentry {

std::string to_text(const ScanResult& r, bool color) {
  const char* red = color ? "\033[1;31m" : "";
  const char* yellow = color ? "\033[1;33m" : "";
  const char* dim = color ? "\033[2m" : "";
  const char* off = color ? "\033[0m" : "";
  std::string s = escape_name(r.path) + ": ";
  char buf[256];
  switch (r.verdict) {
    case Verdict::match:
    case Verdict::suspect: {
      s += std::string(r.verdict == Verdict::match ? red : yellow) +
           (r.verdict == Verdict::match ? "MATCH " : "SUSPECT ") + off;
      bool first = true;
      for (const Match& m : r.matches) {
        s += std::string(first ? "" : "; ") + escape_name(m.signature) + " (" + escape_name(m.label) + ")";
        std::snprintf(buf, sizeof buf, " score %.2f scale %.3g%s", m.score, m.scale, m.mirrored ? " mirrored" : "");
        s += buf;
        if (m.body >= 0) s += " body " + std::to_string(m.body);
        // A part inside a larger file (a plate, dummy material): how much of it.
        if (m.explained > 0 && m.explained < 0.95) {
          std::snprintf(buf, sizeof buf, ", %.0f%% of the file", 100 * m.explained);
          s += buf;
        }
        first = false;
      }
      break;
    }
    case Verdict::clean:
      s += "clean";
      if (!r.candidates.empty()) {
        std::snprintf(buf, sizeof buf, " %s(nearest: %s %.2f)%s", dim, escape_name(r.candidates[0].signature).c_str(),
                      r.candidates[0].score, off);
        s += buf;
      }
      break;
    case Verdict::error: s += std::string(yellow) + "ERROR " + off + escape_name(r.error); break;
    case Verdict::allowed:
      s += "allowed by " + escape_name(r.allowed_by) +
           (r.matches.empty() ? "" : " (matches " + escape_name(r.matches[0].signature) + ")");
      break;
  }
  // Forensic tools flag a file renamed to pass as something else.
  if (!r.mismatch_extension.empty())
    s += std::string(dim) + " [named ." + escape_name(r.mismatch_extension) + ", content " + r.mismatch_content + "]" + off;
  return s;
}

}  // namespace meshsentry
