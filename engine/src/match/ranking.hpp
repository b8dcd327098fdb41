// SPDX-License-Identifier: MIT
// The order of a file's matches, shared by the matcher and the archive
// summary: best score first, ties by signature id.
#pragma once

#include "meshsentry/engine.hpp"

namespace meshsentry {

inline bool ranks_before(const Match& a, const Match& b) {
  if (a.score != b.score) return a.score > b.score;
  return a.signature < b.signature;
}

}  // namespace meshsentry
