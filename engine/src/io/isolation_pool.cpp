// SPDX-License-Identifier: MIT
// The parent side of the isolation pool: which worker takes a file, one
// exchange with it under the file's wall deadline, and what becomes of a
// worker afterwards. Every outcome the fork-per-file path can see (a crash,
// a CPU-time or memory limit, a deadline, an output cap, a short answer) is
// read here by the same decoder from the same bytes and wait status, so a
// file's record does not depend on which path read it.
#include "io/isolation_pool.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "io/isolation_wire.hpp"
#include "io/isolation_worker.hpp"

namespace meshsentry {
namespace {

using Clock = std::chrono::steady_clock;

int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  return -1;
#endif
}

int ms_left(Clock::time_point deadline) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return ms <= 0 ? 0 : static_cast<int>(std::min<long long>(ms, 1000));
}

// Waits until `sock` is ready for `events`, the worker has exited (its
// pidfd), or the deadline passed: 1, 0 (exited) or -1 (deadline).
int wait_for(int sock, short events, int pidfd, Clock::time_point deadline) {
  while (true) {
    if (Clock::now() >= deadline) return -1;
    pollfd p[2] = {{sock, events, 0}, {pidfd, POLLIN, 0}};
    const int n = ::poll(p, pidfd >= 0 ? 2 : 1, ms_left(deadline));
    if (n < 0 && errno != EINTR) return 0;
    if (n <= 0) continue;
    if (p[0].revents & events) return 1;
    if (p[0].revents & (POLLHUP | POLLERR)) return 0;
    if (pidfd >= 0 && p[1].revents) return 0;
  }
}

bool send_all(int sock, int pidfd, const void* data, std::size_t n, Clock::time_point deadline) {
  const char* c = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::send(sock, c, n, MSG_NOSIGNAL);
    if (w > 0) {
      c += w;
      n -= static_cast<std::size_t>(w);
    } else if (w < 0 && errno == EINTR) {
    } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (wait_for(sock, POLLOUT, pidfd, deadline) != 1) return false;
    } else {
      return false;
    }
  }
  return true;
}

enum class Got { all, ended, late };

// Reads exactly `n` bytes into `out` (appending): all of them, the worker
// ended first (what it sent before is kept), or the deadline passed.
Got recv_exact(int sock, int pidfd, std::string& out, std::size_t n, Clock::time_point deadline) {
  char buf[1 << 16];
  bool exited = false;
  while (n > 0) {
    const ssize_t r = ::recv(sock, buf, std::min(n, sizeof buf), 0);
    if (r > 0) {
      out.append(buf, static_cast<std::size_t>(r));
      n -= static_cast<std::size_t>(r);
      continue;
    }
    if (r == 0) return Got::ended;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return Got::ended;
    // Nothing buffered: once the worker has exited nothing more will come,
    // even if a copy of its end lives on in another child for a while.
    if (exited) return Got::ended;
    const int w = wait_for(sock, POLLIN, pidfd, deadline);
    if (w < 0) return Got::late;
    if (w == 0) exited = true;  // read what it left, then stop
  }
  return Got::all;
}

}  // namespace

IsolationPool::IsolationPool(const IsolationPoolOptions& options, PoolLoader loader)
    : options_(options), loader_(std::move(loader)), slots_(std::max(1u, options.workers)) {
  if (options_.max_files == 0) options_.max_files = 1;
}

IsolationPool::~IsolationPool() {
  std::lock_guard lock(mutex_);
  for (Slot& s : slots_)
    if (s.worker) end(*s.worker, true);
}

std::optional<IsolationPool::Worker> IsolationPool::spawn() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return std::nullopt;
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(sv[0]);
    ::close(sv[1]);
    return std::nullopt;
  }
  if (pid == 0) {
    ::close(sv[0]);
    isolation::worker_main(sv[1], loader_, options_);
  }
  ::close(sv[1]);
  ::fcntl(sv[0], F_SETFL, ::fcntl(sv[0], F_GETFL) | O_NONBLOCK);
  Worker w;
  w.pid = pid;
  w.sock = sv[0];
  w.pidfd = open_pidfd(pid);
  return w;
}

// Closes the parent's end and reaps the worker; `kill_first` for one that
// may still be running.
void IsolationPool::end(Worker& w, bool kill_first) {
  if (kill_first) ::kill(w.pid, SIGKILL);
  ::close(w.sock);
  int status = 0;
  while (::waitpid(w.pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (w.pidfd >= 0) ::close(w.pidfd);
  w = Worker{};
}

void IsolationPool::prestart() {
  for (std::size_t i = 0;; ++i) {
    {
      std::lock_guard lock(mutex_);
      if (i >= slots_.size()) return;
      if (slots_[i].worker || slots_[i].busy) continue;
      slots_[i].busy = true;
    }
    auto w = spawn();
    std::lock_guard lock(mutex_);
    slots_[i].worker = w;
    slots_[i].busy = false;
    if (w) ++stats_.forked;
  }
}

std::optional<Result<LoadedMesh>> IsolationPool::run(std::span<const std::byte> bytes, Format format,
                                                     const LoadLimits& limits, const std::string& path) {
  // A free worker if there is one, else a free slot to fork one into.
  std::size_t i = slots_.size();
  {
    std::lock_guard lock(mutex_);
    for (std::size_t k = 0; k < slots_.size() && i == slots_.size(); ++k)
      if (!slots_[k].busy && slots_[k].worker) i = k;
    for (std::size_t k = 0; k < slots_.size() && i == slots_.size(); ++k)
      if (!slots_[k].busy) i = k;
    if (i == slots_.size()) {
      ++stats_.fallbacks;
      return std::nullopt;
    }
    slots_[i].busy = true;
  }
  std::optional<Worker> w = std::move(slots_[i].worker);
  slots_[i].worker.reset();
  bool forked = false;
  if (!w) {
    w = spawn();
    forked = w.has_value();
  }
  std::optional<Result<LoadedMesh>> answer;
  bool reusable = false;
  if (w) answer = exchange(*w, bytes, format, limits, path, reusable);
  std::lock_guard lock(mutex_);
  if (forked) ++stats_.forked;
  if (answer) ++stats_.files;
  if (!answer) ++stats_.fallbacks;
  if (w && w->pid > 0) slots_[i].worker = w;  // exchange ends a worker it does not hand back
  slots_[i].busy = false;
  return answer;
}

std::optional<Result<LoadedMesh>> IsolationPool::exchange(Worker& w, std::span<const std::byte> bytes, Format format,
                                                          const LoadLimits& limits, const std::string& path,
                                                          bool& reusable) {
  reusable = false;
  const auto deadline = Clock::now() + std::chrono::seconds(limits.max_seconds);
  isolation::PoolRequest req;
  req.format = format;
  req.limits = limits;
  req.path_size = path.size();
  req.bytes_size = bytes.size();
  if (!send_all(w.sock, w.pidfd, &req, sizeof req, deadline) ||
      !send_all(w.sock, w.pidfd, path.data(), path.size(), deadline) ||
      !send_all(w.sock, w.pidfd, bytes.data(), bytes.size(), deadline)) {
    // It had died idle (or could not take the file in time, which a
    // waiting worker never fails to): the file goes to a fresh child.
    end(w, true);
    std::lock_guard lock(mutex_);
    ++stats_.killed;
    return std::nullopt;
  }
  std::string head, data;
  Got got = recv_exact(w.sock, w.pidfd, head, 8, deadline);
  std::uint64_t size = 0;
  if (got == Got::all) {
    std::memcpy(&size, head.data(), 8);
    // An answer larger than the cap is the fork-per-file child's "output
    // cap" case: the same record, the worker killed.
    if (size > isolation::answer_cap(limits)) got = Got::late;
  }
  if (got == Got::all) got = recv_exact(w.sock, w.pidfd, data, size, deadline);
  std::string flag;
  if (got == Got::all) got = recv_exact(w.sock, w.pidfd, flag, 1, deadline);
  if (got == Got::all) {
    bool well_formed = false;
    auto r = isolation::decode_answer(data, true, 0, limits, &well_formed);
    reusable = well_formed && flag[0] == 0;
    const bool retiring = well_formed && flag[0] == 1;
    if (!reusable) end(w, !retiring);
    std::lock_guard lock(mutex_);
    if (retiring) ++stats_.retired;
    else if (!reusable) ++stats_.killed;
    return r;
  }
  // It died, or was late: the record comes from what it sent and how it
  // ended, exactly as for the fork-per-file child.
  const bool complete = got == Got::ended;
  if (!complete) ::kill(w.pid, SIGKILL);
  ::close(w.sock);
  int status = 0;
  while (::waitpid(w.pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (w.pidfd >= 0) ::close(w.pidfd);
  w = Worker{};
  {
    std::lock_guard lock(mutex_);
    ++stats_.killed;
  }
  return isolation::decode_answer(data, complete, status, limits);
}

IsolationPoolStats IsolationPool::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace meshsentry
