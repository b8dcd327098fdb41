// SPDX-License-Identifier: MIT
#include "serve_auth.hpp"

#include <strings.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace meshsentry::cli {

bool constant_time_equal(const std::string& a, const std::string& b) {
  // Every byte of the longer string is looked at; no early exit.
  const std::size_t n = std::max(a.size(), b.size());
  unsigned diff = a.size() != b.size();
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= unsigned(x ^ y);
  }
  return diff == 0;
}

std::string TokenAuth::load(const std::string& path, std::string& warning) {
  warning.clear();
  std::ifstream in(path);
  if (!in) return "cannot read the token file " + path + ": " + std::strerror(errno);
  auto tokens = std::make_shared<std::vector<std::string>>();
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    const auto last = line.find_last_not_of(" \t\r");
    std::string token = line.substr(first, last - first + 1);
    for (char c : token)
      if (!std::isgraph(static_cast<unsigned char>(c)))
        return path + ":" + std::to_string(number) + ": a token has white space or control characters in it";
    tokens->push_back(std::move(token));
  }
  if (tokens->empty()) return "the token file " + path + " has no token (one per line)";
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IROTH | S_IWOTH)))
    warning = "the token file " + path + " can be read or written by every user on this machine (chmod 600 it)";
  std::lock_guard<std::mutex> lock(mu_);
  tokens_ = std::move(tokens);
  // Set once, at start-up, before any request thread reads it; a reload
  // passes the same path.
  if (path_.empty()) path_ = path;
  return {};
}

bool TokenAuth::accepts(const std::string& authorization) const {
  // The scheme is case-insensitive (RFC 9110 11.1); one space after it.
  if (authorization.size() < 8 || strncasecmp(authorization.c_str(), "Bearer ", 7) != 0) return false;
  const std::string presented = authorization.substr(7);
  std::shared_ptr<const std::vector<std::string>> tokens;
  {
    std::lock_guard<std::mutex> lock(mu_);
    tokens = tokens_;
  }
  if (!tokens) return false;
  bool ok = false;
  for (const std::string& t : *tokens) ok |= constant_time_equal(presented, t);  // all of them, always
  return ok;
}

}  // namespace meshsentry::cli
