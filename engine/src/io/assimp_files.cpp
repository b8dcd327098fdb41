// SPDX-License-Identifier: MIT
#include "io/assimp_files.hpp"

#include <assimp/MemoryIOWrapper.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "common/mapped_file.hpp"

namespace meshsentry {
namespace {

const std::uint8_t* as_u8(std::span<const std::byte> b) { return reinterpret_cast<const std::uint8_t*>(b.data()); }

// A side file read whole (without following a symlink, never a FIFO or a
// device), served from memory. The file is a base before the stream so
// that it exists when the stream is given its bytes.
struct HeldFile {
  MappedFile file;
};
class SideFileStream final : private HeldFile, public Assimp::MemoryIOStream {
 public:
  explicit SideFileStream(MappedFile f)
      : HeldFile{std::move(f)}, MemoryIOStream(as_u8(file.bytes()), file.bytes().size()) {}
};

}  // namespace

std::string plain_side_name(std::string_view requested) {
  while (requested.substr(0, 2) == "./") requested.remove_prefix(2);
  if (requested.empty() || requested == "." || requested == "..") return {};
  if (requested.find_first_of(std::string_view("/\\\0", 3)) != std::string_view::npos) return {};
  return std::string(requested);
}

std::string member_side_name(std::string_view folder, std::string_view requested) {
  // No scheme (file://, data: that Assimp did not decode, C:), no absolute
  // name, no backslash or NUL: only a relative reference within the archive.
  if (requested.empty() || requested.front() == '/' ||
      requested.find_first_of(std::string_view(":\\\0", 3)) != std::string_view::npos)
    return {};
  std::vector<std::string_view> parts;
  auto walk = [&parts](std::string_view path) {
    while (!path.empty()) {
      const auto slash = path.find('/');
      const std::string_view part = path.substr(0, slash);
      path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
      if (part.empty() || part == ".") continue;
      if (part != "..") parts.push_back(part);
      else if (parts.empty()) return false;  // out of the archive
      else parts.pop_back();
    }
    return true;
  };
  if (!walk(folder) || !walk(requested) || parts.empty()) return {};
  std::string name(parts[0]);
  for (std::size_t i = 1; i < parts.size(); ++i) {
    name += '/';
    name += parts[i];
  }
  return name;
}

AssimpFiles::AssimpFiles(std::span<const std::byte> bytes, std::string name, const SideFiles& side, bool use_side,
                         std::uint64_t max_side_bytes)
    : bytes_(bytes), name_(std::move(name)), max_side_bytes_(max_side_bytes) {
  if (!use_side) return;
  if (side.members) {
    members_ = side.members;
    const auto slash = side.member.rfind('/');
    member_folder_ = slash == std::string::npos ? std::string() : side.member.substr(0, slash + 1);
  } else if (!side.path.empty()) {
    const auto slash = side.path.rfind('/');
    folder_ = slash == std::string::npos ? "." : slash == 0 ? "/" : side.path.substr(0, slash);
  }
}

const ArchiveMember* AssimpFiles::member_for(const char* file) const {
  if (!members_ || !file) return nullptr;
  const std::string want = member_side_name(member_folder_, file);
  if (want.empty()) return nullptr;
  // The readable members by name ("./x.bin" in a tar is x.bin), made on the
  // first lookup: a file naming thousands of buffers costs a search each,
  // not a pass over the archive. The first of a repeated name wins; a mesh
  // member already scanned has given its bytes back and is not found.
  if (!indexed_) {
    for (const ArchiveMember& m : *members_)
      if (m.error.ok() && !m.bytes.empty() && m.bytes.size() <= max_side_bytes_)
        if (std::string name = member_side_name("", m.name); !name.empty()) index_.emplace_back(std::move(name), &m);
    std::stable_sort(index_.begin(), index_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    indexed_ = true;
  }
  const auto it = std::lower_bound(index_.begin(), index_.end(), want,
                                   [](const auto& entry, const std::string& name) { return entry.first < name; });
  return it != index_.end() && it->first == want ? it->second : nullptr;
}

bool AssimpFiles::Exists(const char* file) const {
  if (!file) return false;
  if (name_ == file) return true;
  if (members_) return member_for(file) != nullptr;
  // Whether it would open: a FIFO or a symlink beside the file "exists" no more than one elsewhere.
  const std::string side = folder_.empty() ? std::string() : plain_side_name(file);
  return !side.empty() && MappedFile::check(folder_ + "/" + side, max_side_bytes_, false).ok();
}

Assimp::IOStream* AssimpFiles::Open(const char* file, const char* mode) {
  if (!file || (mode && std::string_view(mode).find_first_of("wa+") != std::string_view::npos)) return nullptr;
  if (name_ == file) return new Assimp::MemoryIOStream(as_u8(bytes_), bytes_.size());
  if (members_) {
    const ArchiveMember* m = member_for(file);
    return m ? new Assimp::MemoryIOStream(as_u8(m->bytes), m->bytes.size()) : nullptr;
  }
  const std::string side = folder_.empty() ? std::string() : plain_side_name(file);
  if (side.empty()) return nullptr;
  auto f = MappedFile::open(folder_ + "/" + side, max_side_bytes_, false);
  if (!f) return nullptr;
  return new SideFileStream(std::move(f.value()));
}

void AssimpFiles::Close(Assimp::IOStream* stream) { delete stream; }

}  // namespace meshsentry
