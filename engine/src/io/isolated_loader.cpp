// SPDX-License-Identifier: MIT
// Assimp in a forked child. Assimp has a long record of memory-safety bugs
// on malformed files (a 3DS file of the public corpus makes it double-free),
// so its formats are parsed in a child process with an address-space and CPU
// limit; the mesh comes back through a pipe. A crash, a hang or a blow-up
// becomes a per-file error and the scan goes on. The native STL path never
// comes here.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <malloc.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>

#include "io/isolation.hpp"
#include "meshsentry/io.hpp"

// Present only when a sanitizer runtime is linked.
extern "C" void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

namespace meshsentry {
namespace {

#if defined(__SANITIZE_ADDRESS__)  // g++; clang has only __has_feature
#define MESHSENTRY_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MESHSENTRY_ASAN 1
#endif
#endif
#ifdef MESHSENTRY_ASAN
constexpr bool kAsan = true;
#else
constexpr bool kAsan = false;
#endif

// The child's address-space limit: what the parent had mapped already (the
// child inherits it: libraries, the input, other threads' arenas and
// stacks, and under AddressSanitizer terabytes of shadow memory) plus the
// budget.
rlim_t address_space_limit(std::uint64_t max_bytes) {
  char buf[64] = {};
  unsigned long long pages = 0;
  if (const int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC); fd >= 0) {
    if (::read(fd, buf, sizeof buf - 1) > 0) pages = std::strtoull(buf, nullptr, 10);
    ::close(fd);
  }
  if (!pages) return kAsan ? RLIM_INFINITY : max_bytes;  // unknown: the budget alone
  return pages * static_cast<rlim_t>(::sysconf(_SC_PAGESIZE)) + max_bytes;
}

bool write_all(int fd, const void* p, std::size_t n) {
  const char* c = static_cast<const char*>(p);
  while (n > 0) {
    ssize_t w = ::write(fd, c, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    c += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

template <class V>
bool write_vec(int fd, const V& v) {
  const std::uint64_t n = v.size();
  return write_all(fd, &n, 8) && write_all(fd, v.data(), n * sizeof(typename V::value_type));
}

// Assimp's OBJ importer (5.2) allocates and fills a 16 MiB stream buffer
// for every file, however small. In a fresh child that is 4096 page faults,
// about 40 ms on our machine (a quarter of what a small OBJ costs), so the
// child's heap is grown once on transparent huge pages, where the same
// buffer takes 8 faults; large allocations stay on that heap instead of
// getting fresh mappings of their own. Where huge pages are off, madvise
// does nothing and the child works as before.
void heap_on_huge_pages() {
  constexpr std::size_t kHuge = std::size_t{2} << 20;
  constexpr std::size_t kHeap = std::size_t{48} << 20;
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  void* p = std::malloc(kHeap);
  if (!p) return;
  const std::uintptr_t begin = (reinterpret_cast<std::uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  const std::uintptr_t end = (reinterpret_cast<std::uintptr_t>(p) + kHeap) & ~(kHuge - 1);
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
  std::free(p);
}

[[noreturn]] void child_main(int fd, const std::function<Result<LoadedMesh>()>& load, const LoadLimits& limits) {
  // The child inherits copies of the parent's unflushed stdio buffers; if the
  // parser ever flushes them (exit, abort paths), they must not reach the
  // parent's output.
  const int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull >= 0) {
    ::dup2(devnull, STDIN_FILENO);
    ::dup2(devnull, STDOUT_FILENO);
    ::dup2(devnull, STDERR_FILENO);
  }
  // A crash must end the child by its signal, which the parent names, even
  // when the parent installed handlers (ASan's, a host's crash reporter).
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) ::signal(sig, SIG_DFL);
  // Under a sanitizer with a death callback (libFuzzer's writes the input as
  // a crash), the parent's callback is not the child's business.
  if (__sanitizer_set_death_callback) __sanitizer_set_death_callback(nullptr);
  const rlim_t as_bytes = address_space_limit(limits.isolation_max_bytes);
  rlimit as{as_bytes, as_bytes};
  setrlimit(RLIMIT_AS, &as);
  rlimit cpu{limits.max_seconds, limits.max_seconds + 1};
  setrlimit(RLIMIT_CPU, &cpu);
  heap_on_huge_pages();
  auto r = load();
  std::uint32_t code = r.ok() ? 0 : static_cast<std::uint32_t>(r.status().code);
  bool ok = write_all(fd, &code, 4);
  if (r.ok()) {
    const auto sm = r->source_meshes;
    ok = ok && write_all(fd, &sm, 4) && write_vec(fd, r->mesh.vertices) && write_vec(fd, r->mesh.triangles) &&
         write_vec(fd, r->mesh.source_mesh);
  } else {
    const std::string& m = r.status().message;
    const std::uint64_t n = m.size();
    ok = ok && write_all(fd, &n, 8) && write_all(fd, m.data(), n);
  }
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

class Cursor {
 public:
  explicit Cursor(const std::string& s) : s_(s) {}
  bool get(void* p, std::size_t n) {
    if (n > s_.size() - pos_) return false;
    if (n == 0) return true;  // an empty vector's data() may be null: no memcpy
    std::memcpy(p, s_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  template <class V>
  bool vec(V& v) {
    using T = typename V::value_type;
    std::uint64_t n = 0;
    if (!get(&n, 8) || n > (s_.size() - pos_) / sizeof(T)) return false;
    v.resize(n);
    return get(v.data(), n * sizeof(T));
  }

 private:
  const std::string& s_;
  std::size_t pos_ = 0;
};

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
  // Room for the largest mesh the limits allow: 3 vertices and 1 index triple per triangle.
  const std::uint64_t cap = 64 + limits.max_triangles * (36 + 12 + 4) + 16;
  const bool complete = read_until(fds[0], data, deadline, cap);
  ::close(fds[0]);
  if (!complete) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!complete)
    return make_error(ErrorCode::limit, "limit: loader ran past " + std::to_string(limits.max_seconds) + " s or its output cap");
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    if (sig == SIGXCPU || sig == SIGKILL)
      return make_error(ErrorCode::limit, "limit: loader ran past its CPU time");
    // Not which signal: a loader reading garbage dies by one or another from
    // run to run, and the same file must get the same answer.
    return make_error(ErrorCode::format, "loader crashed on this file (malformed or hostile input)");
  }
  Cursor c(data);
  std::uint32_t code = 0;
  if (!c.get(&code, 4)) {
    return make_error(ErrorCode::limit, "loader failed without an answer (out of memory under the " +
                                            std::to_string(limits.isolation_max_bytes >> 20) + " MiB limit?)");
  }
  if (code != 0) {
    std::string msg;
    std::uint64_t n = 0;
    if (c.get(&n, 8) && n < 4096) {
      msg.resize(n);
      c.get(msg.data(), n);
    }
    return make_error(static_cast<ErrorCode>(code), msg.empty() ? "loader: unreadable" : msg);
  }
  LoadedMesh out;
  if (!c.get(&out.source_meshes, 4) || !c.vec(out.mesh.vertices) || !c.vec(out.mesh.triangles) ||
      !c.vec(out.mesh.source_mesh))
    return make_error(ErrorCode::format, "isolation: truncated answer from the loader");
  return out;
}

std::uint64_t isolation_budget(std::uint64_t bytes) { return kBaseBudget + kBudgetPerByte * bytes; }

Result<LoadedMesh> read_with_assimp_isolated(std::span<const std::byte> bytes, Format format,
                                             const LoadLimits& limits, const SideFiles& side) {
  // A memory budget in proportion to the file: Assimp needed at most 40 MB
  // for any file of our test corpus (the largest, a 2.4 MB OBJ), while a
  // 42 KB COLLADA file there allocates until it fails, 3.2 GB and 36 s later
  // under the flat limit; with 16 scans in parallel that is the machine's
  // memory.
  LoadLimits child = limits;
  child.isolation_max_bytes = std::min(limits.isolation_max_bytes, isolation_budget(bytes.size()));
  auto r = run_isolated([&] { return read_with_assimp(bytes, format, child, side); }, child);
  if (r.ok()) r->format = format;
  return r;
}

}  // namespace meshsentry
