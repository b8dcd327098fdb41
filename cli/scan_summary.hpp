// SPDX-License-Identifier: MIT
// The closing summary of a text scan, like clamscan's: counts of files (an
// archive and its members are one file, with the verdict its record sums
// up), errors (every error record, members' too), data and time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "meshsentry/scan.hpp"

namespace meshsentry::cli {

struct ScanTally {
  std::size_t files = 0;    // files with a record (archives once, standard input too)
  std::size_t members = 0;  // records of archive and print-project members
  std::size_t matched = 0, suspect = 0, allowed = 0, errors = 0;
  std::uint64_t bytes = 0;  // of the files, as read (members are inside them)

  void add(const ScanResult& r);

 private:
  std::string last_file_;  // members are named last_file_!/...
};

struct SummaryInfo {
  std::size_t signatures = 0;
  std::string signature_name;
  // Files found under the paths given that got no record: named and made
  // like no 3D format (see has_scannable_extension), or, when interrupted,
  // not started.
  std::size_t skipped = 0;
  bool interrupted = false;
  bool timing = true;  // --no-timing: no time line, the same bytes every run
  double seconds = 0;
};

// The summary's lines, from "----------- SCAN SUMMARY -----------" on.
std::string summary_text(const ScanTally& tally, const SummaryInfo& info);

}  // namespace meshsentry::cli
