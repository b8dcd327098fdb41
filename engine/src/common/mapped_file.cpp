// SPDX-License-Identifier: MIT
#include "common/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace meshsentry {

MappedFile::MappedFile(MappedFile&& other) noexcept { *this = std::move(other); }

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    if (mapped_) ::munmap(data_, size_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    mapped_ = std::exchange(other.mapped_, false);
    fallback_ = std::move(other.fallback_);
    if (!mapped_ && !fallback_.empty()) data_ = fallback_.data();
  }
  return *this;
}

MappedFile::~MappedFile() {
  if (mapped_) ::munmap(data_, size_);
}

Result<MappedFile> MappedFile::open(const std::string& path, std::uint64_t max_bytes) {
  // O_NONBLOCK: opening a FIFO that slipped through must not hang.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return make_error(ErrorCode::io, "cannot open: " + std::string(std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return make_error(ErrorCode::io, "cannot stat: " + std::string(std::strerror(e)));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(ErrorCode::io, "not a regular file");
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > max_bytes) {
    ::close(fd);
    return make_error(ErrorCode::limit, "limit: file size " + std::to_string(size) +
                                            " bytes over " + std::to_string(max_bytes));
  }
  MappedFile file;
  file.size_ = static_cast<std::size_t>(size);
  if (size > 0) {
    // MAP_POPULATE: one call maps every page instead of a fault per few pages.
    void* p = ::mmap(nullptr, file.size_, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (p != MAP_FAILED) {
      file.data_ = p;
      file.mapped_ = true;
      ::madvise(p, file.size_, MADV_SEQUENTIAL | MADV_WILLNEED);
    } else {
      file.fallback_.resize(file.size_);
      std::size_t done = 0;
      while (done < file.size_) {
        ssize_t n = ::read(fd, file.fallback_.data() + done, file.size_ - done);
        if (n <= 0) {
          ::close(fd);
          return make_error(ErrorCode::io, "read failed");
        }
        done += static_cast<std::size_t>(n);
      }
      file.data_ = file.fallback_.data();
    }
  }
  ::close(fd);
  return file;
}

}  // namespace meshsentry
