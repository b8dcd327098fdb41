// SPDX-License-Identifier: MIT
// Assimp in a forked child. Assimp has a long record of memory-safety bugs
// on malformed files (a 3DS file of the public corpus makes it double-free),
// so its formats are parsed in a child process with an address-space and CPU
// limit; the mesh comes back through a pipe. A crash, a hang or a blow-up
// becomes a per-file error and the scan goes on. The native STL path never
// comes here. With a pool started (isolation_pool.hpp) a waiting worker
// reads the file instead of a fresh child, under the same limits.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "io/isolation.hpp"
#include "io/isolation_pool.hpp"
#include "io/isolation_wire.hpp"
#include "meshsentry/io.hpp"

namespace meshsentry {
namespace {

[[noreturn]] void child_main(int fd, const std::function<Result<LoadedMesh>()>& load, const LoadLimits& limits) {
  isolation::detach_from_parent();
  const rlim_t as_bytes = isolation::address_space_limit(limits.isolation_max_bytes);
  rlimit as{as_bytes, as_bytes};
  setrlimit(RLIMIT_AS, &as);
  rlimit cpu{limits.max_seconds, limits.max_seconds + 1};
  setrlimit(RLIMIT_CPU, &cpu);
  isolation::heap_on_huge_pages();
  const auto r = load();
  const bool ok = isolation::write_answer(fd, r);
  ::close(fd);
  _exit(ok ? 0 : 3);
}

// Reads everything the child writes, giving up at the deadline.
bool read_until(int fd, std::string& out, std::chrono::steady_clock::time_point deadline, std::uint64_t cap) {
  char buf[1 << 16];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    int pr = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (pr < 0 && errno == EINTR) continue;
    if (pr == 0) continue;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return true;  // EOF (or error: the parse below will say)
    if (out.size() + static_cast<std::size_t>(n) > cap) return false;
    out.append(buf, static_cast<std::size_t>(n));
  }
}

constexpr std::uint64_t kBaseBudget = std::uint64_t{512} << 20;
constexpr std::uint64_t kBudgetPerByte = 64;

}  // namespace

Result<LoadedMesh> run_isolated(const std::function<Result<LoadedMesh>()>& load, const LoadLimits& limits) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return make_error(ErrorCode::io, "isolation: pipe failed");
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return make_error(ErrorCode::io, "isolation: fork failed");
  }
  if (pid == 0) {
    ::close(fds[0]);
    child_main(fds[1], load, limits);
  }
  ::close(fds[1]);
  std::string data;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(limits.max_seconds);
  const bool complete = read_until(fds[0], data, deadline, isolation::answer_cap(limits));
  ::close(fds[0]);
  if (!complete) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return isolation::decode_answer(data, complete, status, limits);
}

std::uint64_t isolation_budget(std::uint64_t bytes) { return kBaseBudget + kBudgetPerByte * bytes; }

namespace {

std::mutex& pool_mutex() {
  static std::mutex m;
  return m;
}
// Never destroyed at exit: a scan thread may still hold it, and the
// workers leave by themselves once this process's ends of their sockets close.
std::shared_ptr<IsolationPool>& pool_holder() {
  static auto* p = new std::shared_ptr<IsolationPool>();
  return *p;
}

bool is_cad(Format f) { return f == Format::step || f == Format::iges || f == Format::brep; }

// What a pool worker runs: the reader a fork-per-file child would run.
Result<LoadedMesh> read_in_worker(std::span<const std::byte> bytes, Format format, const LoadLimits& limits,
                                  const std::string& path) {
  return is_cad(format) ? read_cad(bytes, format, limits) : read_with_assimp(bytes, format, limits, path);
}

}  // namespace

std::shared_ptr<IsolationPool> isolation_pool() {
  std::lock_guard lock(pool_mutex());
  return pool_holder();
}

void start_isolation_pool(const IsolationPoolOptions& options) {
  auto pool = std::make_shared<IsolationPool>(options, read_in_worker);
  if (options.prefork) pool->prestart();
  std::lock_guard lock(pool_mutex());
  pool_holder() = std::move(pool);
}

void stop_isolation_pool() {
  std::shared_ptr<IsolationPool> old;
  {
    std::lock_guard lock(pool_mutex());
    old.swap(pool_holder());
  }
}

IsolationPoolStats isolation_pool_stats() {
  const auto pool = isolation_pool();
  return pool ? pool->stats() : IsolationPoolStats{};
}

Result<LoadedMesh> load_isolated(std::span<const std::byte> bytes, Format format, const LoadLimits& child,
                                 const std::string& path) {
  if (const auto pool = isolation_pool())
    if (auto r = pool->run(bytes, format, child, path)) return std::move(*r);
  return run_isolated([&] { return read_in_worker(bytes, format, child, path); }, child);
}

Result<LoadedMesh> read_with_assimp_isolated(std::span<const std::byte> bytes, Format format,
                                             const LoadLimits& limits, const SideFiles& side) {
  // A memory budget in proportion to the file: Assimp needed at most 40 MB
  // for any file of our test corpus (the largest, a 2.4 MB OBJ), while a
  // 42 KB COLLADA file there allocates until it fails, 3.2 GB and 36 s later
  // under the flat limit; with 16 scans in parallel that is the machine's
  // memory.
  LoadLimits child = limits;
  child.isolation_max_bytes = std::min(limits.isolation_max_bytes, isolation_budget(bytes.size()));
  // Side files from an archive live in this process's memory, which a
  // worker forked earlier cannot see: those are read in a fresh fork.
  auto r = side.members ? run_isolated([&] { return read_with_assimp(bytes, format, child, side); }, child)
                        : load_isolated(bytes, format, child, side.path);
  if (r.ok()) r->format = format;
  return r;
}

}  // namespace meshsentry
