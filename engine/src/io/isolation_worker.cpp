// SPDX-License-Identifier: MIT
// A pool worker's life: cut off from the parent as the fork-per-file child
// is, then one file at a time, each under its own limits. The address-space
// limit is what the worker has mapped when the file arrives plus the file's
// budget, and a CPU-time timer starts at the file; both are lifted again
// before the next request is read. Exceeding either ends the worker by
// SIGXCPU or a failed allocation, as in the fork-per-file child, and the
// parent reads the same record from that.
#include "io/isolation_worker.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include "io/isolation_wire.hpp"

namespace meshsentry::isolation {
namespace {

constexpr int kSock = 3;

bool read_all(int fd, void* p, std::size_t n) {
  char* c = static_cast<char*>(p);
  while (n > 0) {
    const ssize_t r = ::read(fd, c, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    c += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

// The worker keeps only its socket: it must not hold the parent's other
// descriptors (a client's connection, the listening socket, other workers'
// sockets) open for as long as it lives.
void keep_only(int sock) {
  if (sock != kSock) {
    ::dup2(sock, kSock);  // the copy is without FD_CLOEXEC; no matter, nothing is exec'd
    ::close(sock);
  }
#ifdef SYS_close_range
  if (::syscall(SYS_close_range, kSock + 1, ~0U, 0) == 0) return;
#endif
  const long max = ::sysconf(_SC_OPEN_MAX);
  for (int fd = kSock + 1; fd < (max > 0 ? max : 65536); ++fd) ::close(fd);
}

// Pages mapped and resident now, from /proc/self/statm.
struct Footprint {
  std::uint64_t mapped = 0, resident = 0;
};
Footprint footprint() {
  Footprint f;
  char buf[128] = {};
  if (const int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC); fd >= 0) {
    if (::read(fd, buf, sizeof buf - 1) > 0) {
      char* end = nullptr;
      f.mapped = std::strtoull(buf, &end, 10);
      f.resident = std::strtoull(end, nullptr, 10);
    }
    ::close(fd);
  }
  const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  return {f.mapped * page, f.resident * page};
}

// A per-file CPU-time alarm that ends the worker by SIGXCPU, the signal the
// fork-per-file child's RLIMIT_CPU sends; RLIMIT_CPU itself counts the
// worker's whole life, so it is only the fallback when no timer is had.
class CpuAlarm {
 public:
  CpuAlarm() {
    sigevent ev{};
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGXCPU;
    ok_ = ::timer_create(CLOCK_PROCESS_CPUTIME_ID, &ev, &timer_) == 0;
  }
  void arm(unsigned seconds) {
    if (ok_) {
      itimerspec t{};
      t.it_value.tv_sec = seconds;
      if (seconds == 0) t.it_value.tv_nsec = 1;  // zero would disarm
      ::timer_settime(timer_, 0, &t, nullptr);
      return;
    }
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    const rlim_t used = static_cast<rlim_t>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1;
    rlimit cpu{};
    ::getrlimit(RLIMIT_CPU, &cpu);
    cpu.rlim_cur = std::min<rlim_t>(used + seconds, cpu.rlim_max);
    ::setrlimit(RLIMIT_CPU, &cpu);
  }
  void disarm() {
    if (ok_) {
      itimerspec t{};
      ::timer_settime(timer_, 0, &t, nullptr);
    }
  }

 private:
  timer_t timer_{};
  bool ok_ = false;
};

void ignore_terminal_signals() {
  // A Ctrl-C reaches the whole process group: the parent decides what it
  // means, and the worker leaves when the parent's end closes. A broken
  // pipe is a failed write, not a death.
  for (int sig : {SIGINT, SIGHUP, SIGPIPE}) ::signal(sig, SIG_IGN);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);  // the server blocks some in all its threads
}

}  // namespace

[[noreturn]] void worker_main(int sock, const PoolLoader& loader, const IsolationPoolOptions& options) {
  detach_from_parent();
  keep_only(sock);
  ignore_terminal_signals();
  heap_on_huge_pages();
  CpuAlarm alarm;
  rlimit as_free{};
  ::getrlimit(RLIMIT_AS, &as_free);
  const Footprint start = footprint();
  for (unsigned files = 1;; ++files) {
    PoolRequest req;
    std::string path;
    std::vector<std::byte> bytes;
    if (!read_all(kSock, &req, sizeof req)) _exit(0);  // the parent closed: done
    path.resize(req.path_size);
    bytes.resize(req.bytes_size);
    if (!read_all(kSock, path.data(), path.size()) || !read_all(kSock, bytes.data(), bytes.size())) _exit(0);
    rlimit as = as_free;
    as.rlim_cur = std::min(address_space_limit(req.limits.isolation_max_bytes), as_free.rlim_max);
    ::setrlimit(RLIMIT_AS, &as);
    alarm.arm(req.limits.max_seconds);
    {
      const Result<LoadedMesh> r = loader(bytes, req.format, req.limits, path);
      alarm.disarm();
      ::setrlimit(RLIMIT_AS, &as_free);
      const std::uint64_t size = answer_size(r);
      if (!write_all(kSock, &size, 8) || !write_answer(kSock, r)) _exit(3);
    }
    bytes = {};
    path = {};
    const Footprint now = footprint();
    const bool leave = files >= options.max_files || now.mapped > start.mapped + options.max_growth_bytes ||
                       now.resident > start.resident + options.max_growth_bytes;
    const std::uint8_t flag = leave ? 1 : 0;
    if (!write_all(kSock, &flag, 1) || leave) _exit(0);
  }
}

}  // namespace meshsentry::isolation
