// SPDX-License-Identifier: MIT
// Read-only memory map of a whole file (read once, no copy). Falls back to
// reading into a buffer for files that cannot be mapped (pipes are refused
// earlier by the walker; empty files map to an empty span).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "meshsentry/status.hpp"

namespace meshsentry {

class MappedFile {
 public:
  MappedFile() = default;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  ~MappedFile();

  // Refuses non-regular files and files over max_bytes (ErrorCode::limit).
  static Result<MappedFile> open(const std::string& path, std::uint64_t max_bytes);

  std::span<const std::byte> bytes() const noexcept {
    return {static_cast<const std::byte*>(data_), size_};
  }

 private:
  void* data_ = nullptr;
  std::size_t size_ = 0;
  bool mapped_ = false;
  std::vector<std::byte> fallback_;
};

}  // namespace meshsentry
