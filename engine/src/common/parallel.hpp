// SPDX-License-Identifier: MIT
// The one place OpenMP is spelled. Loops below `serial_below` items run on the
// calling thread; results never depend on the thread count because every
// index writes its own slot and reductions are done afterwards in index order.
#pragma once

#include <cstddef>

#include <omp.h>

namespace meshsentry {

// Runs f(i) for i in [0, n), dynamically scheduled (items differ in cost).
template <class F>
void parallel_for(std::size_t n, int threads, F&& f, std::size_t serial_below = 2) {
  if (n < serial_below || threads == 1) {
    for (std::size_t i = 0; i < n; ++i) f(i);
    return;
  }
  const int t = threads > 0 ? threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic, 1) num_threads(t)
  for (std::size_t i = 0; i < n; ++i) f(i);
}

inline bool in_parallel_region() { return omp_in_parallel(); }

// A mesh of this many triangles is worth a second thread for two steps of
// its scan that are independent (run_both below); a smaller one is not.
inline constexpr std::size_t kConcurrentTriangles = 100000;

// Runs a() and b(), on two threads when `concurrent` and no parallel region
// is active already (a folder scan keeps every thread busy with files), else
// one after the other. They must touch disjoint data.
template <class A, class B>
void run_both(bool concurrent, A&& a, B&& b) {
  if (!concurrent || omp_in_parallel() || omp_get_max_threads() < 2) {
    a();
    b();
    return;
  }
#pragma omp parallel sections num_threads(2)
  {
#pragma omp section
    a();
#pragma omp section
    b();
  }
}

}  // namespace meshsentry
