// SPDX-License-Identifier: MIT
// GLB files whose JSON chunk is not padded to four bytes, laid out again as
// the glTF 2.0 specification says, for Assimp.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace meshsentry {

// A copy of `glb` with its JSON chunk padded with spaces to a multiple of
// four bytes and the header's length set to match, when the JSON chunk's
// length is not a multiple of four and the BIN chunk (or the end of the
// file) follows it at once; nullopt for any other bytes, left as they are.
// trimesh wrote such files: its loader reads the next chunk where the JSON
// ends, Assimp 5.2 skips to the next four-byte boundary, misses the BIN
// chunk and finds no reader for the file.
std::optional<std::vector<std::byte>> pad_glb_json_chunk(std::span<const std::byte> glb);

}  // namespace meshsentry
