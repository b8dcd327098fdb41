// SPDX-License-Identifier: MIT
#include "io/assimp_files.hpp"

#include <assimp/MemoryIOWrapper.h>

#include <utility>

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

AssimpFiles::AssimpFiles(std::span<const std::byte> bytes, std::string name, std::string folder,
                         std::uint64_t max_side_bytes)
    : bytes_(bytes), name_(std::move(name)), folder_(std::move(folder)), max_side_bytes_(max_side_bytes) {}

bool AssimpFiles::Exists(const char* file) const {
  if (!file) return false;
  if (name_ == file) return true;
  // Whether it would open: a FIFO or a symlink beside the file "exists" no more than one elsewhere.
  const std::string side = folder_.empty() ? std::string() : plain_side_name(file);
  return !side.empty() && MappedFile::check(folder_ + "/" + side, max_side_bytes_, false).ok();
}

Assimp::IOStream* AssimpFiles::Open(const char* file, const char* mode) {
  if (!file || (mode && std::string_view(mode).find_first_of("wa+") != std::string_view::npos)) return nullptr;
  if (name_ == file) return new Assimp::MemoryIOStream(as_u8(bytes_), bytes_.size());
  const std::string side = folder_.empty() ? std::string() : plain_side_name(file);
  if (side.empty()) return nullptr;
  auto f = MappedFile::open(folder_ + "/" + side, max_side_bytes_, false);
  if (!f) return nullptr;
  return new SideFileStream(std::move(f.value()));
}

void AssimpFiles::Close(Assimp::IOStream* stream) { delete stream; }

}  // namespace meshsentry
