// SPDX-License-Identifier: MIT
// Small text helpers shared by the readers.
#pragma once

#include <cctype>
#include <string>

namespace meshsentry {

// ASCII lower case (extensions, keywords, hex digests); other bytes as they are.
inline std::string to_lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace meshsentry
