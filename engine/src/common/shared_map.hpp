// SPDX-License-Identifier: MIT
// A whole file mapped read-only and shared (MAP_SHARED): its pages are the
// page cache's, so every process that maps the same file shares one copy,
// and only the pages touched are read. For files written by rename (a
// signature set): one truncated in place while mapped would fault on the
// lost pages, which an atomically replaced file never is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "meshsentry/status.hpp"

namespace meshsentry {

class SharedMap {
 public:
  // Refuses non-regular files and files over max_bytes (ErrorCode::limit).
  static Result<std::shared_ptr<const SharedMap>> open(const std::string& path, std::uint64_t max_bytes);
  SharedMap(const SharedMap&) = delete;
  SharedMap& operator=(const SharedMap&) = delete;
  ~SharedMap();

  std::span<const std::byte> bytes() const noexcept { return {data_, size_}; }

 private:
  SharedMap(const std::byte* data, std::size_t size) : data_(data), size_(size) {}
  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

// The first `n` bytes of a regular file (fewer when it is shorter): what a
// reader looks at to choose how to open it.
Result<std::string> read_file_head(const std::string& path, std::size_t n);

}  // namespace meshsentry
