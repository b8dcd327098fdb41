// SPDX-License-Identifier: MIT
// What `scan` reads besides the paths it is given: one file from standard
// input (`scan -`) and lists of paths (`--files-from`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace meshsentry::cli {

struct StdinFile {
  std::vector<std::byte> bytes;
  std::string error;  // set when it could not be read whole: over the limit or a read error
};

// Standard input as one file. Reading stops one byte past `max_bytes`, so
// an endless stream costs no more memory than the largest file allowed.
StdinFile read_stdin_file(std::uint64_t max_bytes);

// Appends the paths listed in `list` ("-": standard input), one per line
// or, with `nul`, NUL-separated; empty entries are skipped. Returns the
// error message, or empty.
std::string read_path_list(const std::string& list, bool nul, std::vector<std::string>& paths);

}  // namespace meshsentry::cli
