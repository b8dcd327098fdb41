// SPDX-License-Identifier: MIT
// What Assimp may open while it parses one scanned file: that file's bytes
// and its side files (.bin, .mtl). From a folder on disk: files named
// plainly beside it. From an archive: the other members of that archive, by
// a relative name that stays inside it. Everything else is "not found":
// absolute paths, URIs with a scheme, ".." out of the folder or archive,
// subfolders on disk, symlinks, FIFOs, devices, and any other name at all
// for bytes from an upload. A file's result then never depends on the
// scanning host, and no reference makes the scanner open or wait on a file
// outside what it was given.
#pragma once

#include <assimp/IOSystem.hpp>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "meshsentry/io.hpp"

namespace meshsentry {

class AssimpFiles final : public Assimp::IOSystem {
 public:
  // `name`: what the scanned bytes are served as. `side`: where side files
  // are looked up (its path's folder, or its archive's members); `use_side`
  // false for none.
  AssimpFiles(std::span<const std::byte> bytes, std::string name, const SideFiles& side, bool use_side,
              std::uint64_t max_side_bytes);

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
  std::string folder_;                                  // on disk; empty for none
  const std::vector<ArchiveMember>* members_ = nullptr;  // or an archive's members
  std::string member_folder_;                           // the scanned member's folder in it, "" or ending in '/'
  std::uint64_t max_side_bytes_;

  mutable std::vector<std::pair<std::string, const ArchiveMember*>> index_;  // by name, on first use
  mutable bool indexed_ = false;

  // The member a side file's name resolves to, or null.
  const ArchiveMember* member_for(const char* file) const;
};

// A side file's name as a plain name in the scanned file's folder, or empty
// when it is anything else (absolute, "..", in a subfolder, a backslash).
std::string plain_side_name(std::string_view requested);

// A side file's name, relative to `folder` (a member's folder in its
// archive, "" or ending in '/'), as a member name of that archive; empty when
// it is absolute, has a scheme or a backslash, or ".." leads out of the archive.
std::string member_side_name(std::string_view folder, std::string_view requested);

}  // namespace meshsentry
