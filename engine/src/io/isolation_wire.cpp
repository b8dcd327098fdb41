// SPDX-License-Identifier: MIT
// The pieces of isolation that the fork-per-file child (isolated_loader.cpp)
// and the pool's workers (isolation_worker.cpp) share, so that both set the
// same limits and every file gets the same record whichever path read it.
#include "io/isolation_wire.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

// Present only when a sanitizer runtime is linked.
extern "C" void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

namespace meshsentry::isolation {
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

template <class V>
bool write_vec(int fd, const V& v) {
  const std::uint64_t n = v.size();
  return write_all(fd, &n, 8) && write_all(fd, v.data(), n * sizeof(typename V::value_type));
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

}  // namespace

void detach_from_parent() {
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
}

// What the process has mapped already (a child inherits it: libraries, the
// input, other threads' arenas and stacks, and under AddressSanitizer
// terabytes of shadow memory) plus the budget.
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

std::uint64_t answer_size(const Result<LoadedMesh>& r) {
  if (!r.ok()) return 4 + 8 + r.status().message.size();
  const Mesh& m = r->mesh;
  return 4 + 4 + 8 + m.vertices.size() * sizeof(m.vertices[0]) + 8 + m.triangles.size() * sizeof(m.triangles[0]) + 8 +
         m.source_mesh.size() * sizeof(m.source_mesh[0]);
}

bool write_answer(int fd, const Result<LoadedMesh>& r) {
  const std::uint32_t code = r.ok() ? 0 : static_cast<std::uint32_t>(r.status().code);
  if (!write_all(fd, &code, 4)) return false;
  if (r.ok()) {
    const auto sm = r->source_meshes;
    return write_all(fd, &sm, 4) && write_vec(fd, r->mesh.vertices) && write_vec(fd, r->mesh.triangles) &&
           write_vec(fd, r->mesh.source_mesh);
  }
  const std::string& m = r.status().message;
  const std::uint64_t n = m.size();
  return write_all(fd, &n, 8) && write_all(fd, m.data(), n);
}

// Room for the largest mesh the limits allow: 3 vertices and 1 index triple per triangle.
std::uint64_t answer_cap(const LoadLimits& limits) { return 64 + limits.max_triangles * (36 + 12 + 4) + 16; }

Result<LoadedMesh> decode_answer(const std::string& data, bool complete, int wait_status, const LoadLimits& limits,
                                 bool* well_formed) {
  if (well_formed) *well_formed = false;
  if (!complete)
    return make_error(ErrorCode::limit,
                      "limit: loader ran past " + std::to_string(limits.max_seconds) + " s or its output cap");
  if (WIFSIGNALED(wait_status)) {
    const int sig = WTERMSIG(wait_status);
    if (sig == SIGXCPU || sig == SIGKILL) return make_error(ErrorCode::limit, "limit: loader ran past its CPU time");
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
      if (c.get(msg.data(), n) && well_formed) *well_formed = true;
    }
    return make_error(static_cast<ErrorCode>(code), msg.empty() ? "loader: unreadable" : msg);
  }
  LoadedMesh out;
  if (!c.get(&out.source_meshes, 4) || !c.vec(out.mesh.vertices) || !c.vec(out.mesh.triangles) ||
      !c.vec(out.mesh.source_mesh))
    return make_error(ErrorCode::format, "isolation: truncated answer from the loader");
  if (well_formed) *well_formed = true;
  return out;
}

}  // namespace meshsentry::isolation
