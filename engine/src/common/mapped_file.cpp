// SPDX-License-Identifier: MIT
#include "common/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/file_descriptor.hpp"

namespace meshsentry {
namespace {

using Fd = FileDescriptor;

// A buffer for `size` bytes, not zero-filled (the read overwrites it). A
// large one is on transparent huge pages where the system allows: filling
// 50 MB then takes about 25 instead of 35-45 ms, the page faults of a fresh
// buffer being most of the cost of reading over mapping.
constexpr std::size_t kHuge = std::size_t{2} << 20;

std::byte* allocate(std::size_t size) {
  if (size < 2 * kHuge) return static_cast<std::byte*>(std::malloc(size));
  const std::size_t rounded = (size + kHuge - 1) / kHuge * kHuge;
  void* p = std::aligned_alloc(kHuge, rounded);
  if (p) ::madvise(p, rounded, MADV_HUGEPAGE);
  return static_cast<std::byte*>(p);
}

Status io_error(const char* what, int err) {
  return make_error(ErrorCode::io, std::string(what) + ": " + std::strerror(err));
}

// Reads exactly `size` bytes from offset 0. A file that ends early or has
// grown past `size` changed since fstat: its bytes would not be the ones
// the record describes.
Status read_exactly(int fd, std::byte* out, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, out + done, size - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("io: read failed", errno);
    if (n == 0) return make_error(ErrorCode::io, "io: file changed while read (shorter than its size)");
    done += static_cast<std::size_t>(n);
  }
  std::byte extra;
  ssize_t n;
  while ((n = ::pread(fd, &extra, 1, static_cast<off_t>(size))) < 0 && errno == EINTR) {
  }
  if (n > 0) return make_error(ErrorCode::io, "io: file changed while read (longer than its size)");
  return {};
}

// Opens `path` as a regular file of at most max_bytes; its size in `size`.
Status open_regular(const std::string& path, std::uint64_t max_bytes, bool follow_symlinks, Fd& fd, std::size_t& size) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused
  // right after, by fstat).
  const int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | (follow_symlinks ? 0 : O_NOFOLLOW);
  fd.fd = ::open(path.c_str(), flags);
  if (fd.fd < 0) {
    if (errno == ELOOP && !follow_symlinks) return make_error(ErrorCode::io, "symlink not followed");
    return io_error("cannot open", errno);
  }
  struct stat st {};
  if (::fstat(fd.fd, &st) != 0) return io_error("cannot stat", errno);
  if (!S_ISREG(st.st_mode)) return make_error(ErrorCode::io, "not a regular file");
  const auto bytes = static_cast<std::uint64_t>(st.st_size);
  if (bytes > max_bytes)
    return make_error(ErrorCode::limit,
                      "limit: file size " + std::to_string(bytes) + " bytes over " + std::to_string(max_bytes));
  size = static_cast<std::size_t>(bytes);
  return {};
}

}  // namespace

Result<MappedFile> MappedFile::open(const std::string& path, std::uint64_t max_bytes, bool follow_symlinks) {
  Fd fd{-1};
  MappedFile file;
  if (Status s = open_regular(path, max_bytes, follow_symlinks, fd, file.size_); !s.ok()) return s;
  if (file.size_ > 0) {
    file.data_.reset(allocate(file.size_));
    if (!file.data_)
      return make_error(ErrorCode::limit, "limit: no memory for " + std::to_string(file.size_) + " bytes");
  }
  if (Status s = read_exactly(fd.fd, file.data_.get(), file.size_); !s.ok()) return s;
  return file;
}

void MappedFile::drop_prefix(std::size_t n) noexcept {
  if (size_ < 2 * kHuge || !data_) return;  // malloc's memory, maybe shared with others
  const std::size_t end = n >= size_ ? (size_ + kHuge - 1) / kHuge * kHuge : n / kHuge * kHuge;
  if (end <= dropped_) return;
  ::madvise(data_.get() + dropped_, end - dropped_, MADV_DONTNEED);
  dropped_ = end;
}

void MappedFile::Free::operator()(std::byte* p) const noexcept { std::free(p); }

Status MappedFile::check(const std::string& path, std::uint64_t max_bytes, bool follow_symlinks) {
  Fd fd{-1};
  std::size_t size = 0;
  return open_regular(path, max_bytes, follow_symlinks, fd, size);
}

}  // namespace meshsentry
