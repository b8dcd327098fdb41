// SPDX-License-Identifier: MIT
#include "scan_inputs.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>

namespace meshsentry::cli {

StdinFile read_stdin_file(std::uint64_t max_bytes) {
  StdinFile f;
  constexpr std::size_t kChunk = 1 << 16;
  for (;;) {
    const std::size_t at = f.bytes.size();
    // Never more than one byte past the limit: enough to know it was passed.
    const std::uint64_t room = max_bytes + 1 - at;
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, room));
    f.bytes.resize(at + want);
    const ssize_t n = ::read(STDIN_FILENO, f.bytes.data() + at, want);
    if (n < 0 && errno == EINTR) {
      f.bytes.resize(at);
      continue;
    }
    if (n < 0) {
      f.error = std::string("cannot read standard input: ") + std::strerror(errno);
      break;
    }
    f.bytes.resize(at + static_cast<std::size_t>(n));
    if (n == 0) break;
    if (f.bytes.size() > max_bytes) {
      f.error = "limit: file size over " + std::to_string(max_bytes) + " bytes (standard input)";
      break;
    }
  }
  if (!f.error.empty()) std::vector<std::byte>().swap(f.bytes);
  return f;
}

std::string read_path_list(const std::string& list, bool nul, std::vector<std::string>& paths) {
  std::string text;
  if (list == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    if (std::cin.bad()) return "--files-from -: cannot read standard input";
  } else {
    std::ifstream in(list, std::ios::binary);
    if (!in) return "--files-from " + list + ": " + std::strerror(errno);
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (in.bad()) return "--files-from " + list + ": cannot read it";
  }
  const char sep = nul ? '\0' : '\n';
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(sep, start);
    if (end == std::string::npos) end = text.size();
    if (end > start) paths.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return {};
}

}  // namespace meshsentry::cli
