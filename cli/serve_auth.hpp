// SPDX-License-Identifier: MIT
// Bearer-token authentication for `meshsentry serve` (--token-file): off
// unless configured; the tokens are re-read on SIGHUP so one can be rotated
// without a restart.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace meshsentry::cli {

class TokenAuth {
 public:
  // Reads FILE: one token per line, blank lines and lines starting with '#'
  // skipped, white space around a token dropped. Returns an error message
  // (no tokens, unreadable, a token with spaces) and keeps the tokens it
  // had; on success `warning` may say the file is readable by everyone.
  // The first successful load fixes the path; later ones (SIGHUP) re-read it.
  std::string load(const std::string& path, std::string& warning);

  bool enabled() const { return !path_.empty(); }
  const std::string& path() const { return path_; }

  // Whether an Authorization header value carries a configured token
  // ("Bearer <token>"). Each comparison takes the same time whatever the
  // bytes, so the answer's timing does not tell how much of a guess is right.
  bool accepts(const std::string& authorization) const;

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const std::vector<std::string>> tokens_;
  std::string path_;
};

// Equal strings, in a time that depends on their lengths only.
bool constant_time_equal(const std::string& a, const std::string& b);

}  // namespace meshsentry::cli
