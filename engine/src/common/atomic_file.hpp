// SPDX-License-Identifier: MIT
// Replacing a file so that a reader sees the old bytes or the new ones,
// never a torn mix: a temporary file in the same folder, written, synced,
// then renamed over the target (and the folder synced). An interrupted
// write leaves the old file as it was.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "meshsentry/status.hpp"

namespace meshsentry {

// `mode`: the new file's permission bits, applied as given (no umask).
Status write_file_atomically(const std::string& path, std::span<const std::byte> bytes, unsigned mode = 0644);

}  // namespace meshsentry
