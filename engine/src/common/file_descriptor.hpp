// SPDX-License-Identifier: MIT
// A POSIX file descriptor closed however the scope that opened it is left.
#pragma once

#include <unistd.h>

namespace meshsentry {

struct FileDescriptor {
  int fd;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace meshsentry
