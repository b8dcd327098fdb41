// SPDX-License-Identifier: MIT
// Allocator for the engine's large arrays (mesh positions, indices, sort
// buffers). Two things the standard allocator does not do, and which dominate
// reading a large mesh on virtual machines where each page fault is costly:
//   - blocks of 2 MiB or more are mapped on their own (given back to the
//     system when freed), 2 MiB aligned and marked for transparent huge
//     pages (one fault per 2 MiB instead of per 4 KiB);
//   - resize() leaves new elements default-initialised (no zero fill) when
//     they are trivial, since every user overwrites them.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <utility>
#include <vector>

namespace meshsentry {

template <class T>
struct BigAllocator {
  using value_type = T;
  static constexpr std::size_t kHuge = std::size_t{2} << 20;

  BigAllocator() noexcept = default;
  template <class U>
  BigAllocator(const BigAllocator<U>&) noexcept {}  // NOLINT: rebinding

  // A large block is mapped on its own, not taken from malloc: malloc
  // serves blocks under its adaptive mmap threshold (up to 32 MiB) from its
  // heap once a larger one was freed, and memory freed there mostly stays
  // resident, so a big mesh's peak memory was that of all its stages at
  // once (1M triangles: 94 MB instead of 92 MB, 86 MB with the weld
  // table growing as it fills).
  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHuge) return std::allocator<T>{}.allocate(n);
    if (n > std::size_t(-1) / sizeof(T) - 2 * kHuge) throw std::bad_alloc();
    const std::size_t rounded = (bytes + kHuge - 1) & ~(kHuge - 1);
    // kHuge more than needed, then the ends trimmed to a 2 MiB boundary.
    void* raw = ::mmap(nullptr, rounded + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    const auto start = reinterpret_cast<std::uintptr_t>(raw);
    const std::uintptr_t aligned = (start + kHuge - 1) & ~std::uintptr_t(kHuge - 1);
    if (aligned > start) ::munmap(raw, aligned - start);
    if (const std::uintptr_t end = start + rounded + kHuge; end > aligned + rounded)
      ::munmap(reinterpret_cast<void*>(aligned + rounded), end - aligned - rounded);
    ::madvise(reinterpret_cast<void*>(aligned), rounded, MADV_HUGEPAGE);
    return reinterpret_cast<T*>(aligned);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHuge)
      std::allocator<T>{}.deallocate(p, n);
    else
      ::munmap(p, (bytes + kHuge - 1) & ~(kHuge - 1));
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    if constexpr (sizeof...(Args) == 0)
      ::new (static_cast<void*>(p)) U;  // default-init: no zero fill
    else
      ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
  template <class U>
  bool operator==(const BigAllocator<U>&) const noexcept { return true; }
};

template <class T>
using BigVector = std::vector<T, BigAllocator<T>>;

}  // namespace meshsentry
