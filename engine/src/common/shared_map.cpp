// SPDX-License-Identifier: MIT
#include "common/shared_map.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/file_descriptor.hpp"

namespace meshsentry {
namespace {

using Fd = FileDescriptor;

Status io_error(const char* what, int err) {
  return make_error(ErrorCode::io, std::string(what) + ": " + std::strerror(err));
}

}  // namespace

Result<std::shared_ptr<const SharedMap>> SharedMap::open(const std::string& path, std::uint64_t max_bytes) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
  if (f.fd < 0) return io_error("io: cannot open", errno);
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) return io_error("io: cannot stat", errno);
  if (!S_ISREG(st.st_mode)) return make_error(ErrorCode::io, "io: not a regular file");
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > max_bytes)
    return make_error(ErrorCode::limit, "limit: file of " + std::to_string(size) + " bytes over the limit");
  if (size == 0) return std::shared_ptr<const SharedMap>(new SharedMap(nullptr, 0));
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, f.fd, 0);
  if (p == MAP_FAILED) return io_error("io: cannot map", errno);
  return std::shared_ptr<const SharedMap>(new SharedMap(static_cast<const std::byte*>(p), size));
}

SharedMap::~SharedMap() {
  if (data_) ::munmap(const_cast<std::byte*>(data_), size_);
}

Result<std::string> read_file_head(const std::string& path, std::size_t n) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
  if (f.fd < 0) return io_error("io: cannot open", errno);
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) return io_error("io: cannot stat", errno);
  if (!S_ISREG(st.st_mode)) return make_error(ErrorCode::io, "io: not a regular file");
  std::string out(n, '\0');
  std::size_t done = 0;
  while (done < n) {
    const ssize_t r = ::pread(f.fd, out.data() + done, n - done, static_cast<off_t>(done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return io_error("io: read failed", errno);
    if (r == 0) break;
    done += static_cast<std::size_t>(r);
  }
  out.resize(done);
  return out;
}

}  // namespace meshsentry
