// SPDX-License-Identifier: MIT
// The meshsentry command: flag parsing and printing only; all work is the engine's.
// The commands other than serve are declared in arguments.hpp with what they take.
#pragma once

#include <string>
#include <vector>

namespace meshsentry::cli {

using Args = std::vector<std::string>;

// Exit codes follow ClamAV: 0 nothing flagged, 1 something flagged, 2 error.
inline constexpr int kClean = 0;
inline constexpr int kFlagged = 1;
inline constexpr int kError = 2;

// serve_command.cpp: the HTTP API. It parses its own arguments (the other
// commands get theirs from arguments.cpp, with CLI11).
int serve_command(const Args& args);

// The demo set: $MESHSENTRY_SIGNATURES, then next to an installed binary,
// then the source tree this binary was built from.
std::string default_signatures();

// Value of "--flag VALUE" or "--flag=VALUE" at args[i]; advances i.
bool take_value(const Args& args, std::size_t& i, const std::string& flag, std::string& value);

}  // namespace meshsentry::cli
