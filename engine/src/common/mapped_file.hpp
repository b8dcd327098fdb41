// SPDX-License-Identifier: MIT
// A whole file's bytes, read once into memory through one descriptor: what
// is hashed is what is parsed, a file truncated or unreadable while it is
// read is an error instead of a SIGBUS (which a memory map gives), and
// FIFOs, devices and sockets are refused before a byte is read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "meshsentry/status.hpp"

namespace meshsentry {

class MappedFile {
 public:
  // Refuses non-regular files and files over max_bytes (ErrorCode::limit).
  // Without follow_symlinks, a path that is itself a symlink is refused
  // (whatever it points at, or swapped in after a folder walk); the folders
  // above it are followed either way.
  static Result<MappedFile> open(const std::string& path, std::uint64_t max_bytes, bool follow_symlinks = true);

  // What open() would say, without reading the bytes.
  static Status check(const std::string& path, std::uint64_t max_bytes, bool follow_symlinks = true);

  std::span<const std::byte> bytes() const noexcept { return {data_.get(), size_}; }

  // Gives the memory of bytes [0, n) back to the system, in whole 2 MiB
  // blocks of a large file (a small one keeps its memory): the caller will
  // not read them again (they would read as zeros). A scan calls it as the
  // weld of a big STL moves on, once the file is hashed.
  void drop_prefix(std::size_t n) noexcept;

 private:
  struct Free {
    void operator()(std::byte* p) const noexcept;
  };
  std::unique_ptr<std::byte[], Free> data_;
  std::size_t size_ = 0;
  std::size_t dropped_ = 0;
};

}  // namespace meshsentry
