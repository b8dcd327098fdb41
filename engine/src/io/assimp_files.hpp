// SPDX-License-Identifier: MIT
// What Assimp may open while it parses one scanned file: that file's bytes
// and, when they came from a folder on disk, side files (.bin, .mtl) named
// plainly beside it. Everything else is "not found": absolute paths, "..",
// subfolders, symlinks, FIFOs, devices, and any other name at all for bytes
// from an upload or an archive member. A file's result then never depends
// on the scanning host, and no reference makes the scanner open or wait on
// a file outside what it was given.
#pragma once

#include <assimp/IOSystem.hpp>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace meshsentry {

class AssimpFiles final : public Assimp::IOSystem {
 public:
  // `name`: what the scanned bytes are served as. `folder`: where side
  // files are looked up; empty for none.
  AssimpFiles(std::span<const std::byte> bytes, std::string name, std::string folder, std::uint64_t max_side_bytes);

  bool Exists(const char* file) const override;
  char getOsSeparator() const override { return '/'; }
  Assimp::IOStream* Open(const char* file, const char* mode = "rb") override;
  void Close(Assimp::IOStream* stream) override;
  // The base class would touch the real file system for these.
  bool CreateDirectory(const std::string&) override { return false; }
  bool ChangeDirectory(const std::string&) override { return false; }
  bool DeleteFile(const std::string&) override { return false; }

 private:
  std::span<const std::byte> bytes_;
  std::string name_;
  std::string folder_;
  std::uint64_t max_side_bytes_;
};

// A side file's name as a plain name in the scanned file's folder, or empty
// when it is anything else (absolute, "..", in a subfolder, a backslash).
std::string plain_side_name(std::string_view requested);

}  // namespace meshsentry
