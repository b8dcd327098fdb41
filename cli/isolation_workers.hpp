// SPDX-License-Identifier: MIT
#pragma once
// The engine's pool of isolation workers for as long as a command runs:
// Assimp and CAD files then go to a waiting worker, not a fresh fork each.
#include <algorithm>
#include <thread>

#include "meshsentry/io.hpp"

namespace meshsentry::cli {

class IsolationWorkers {
 public:
  // One worker per scan thread (`threads` 0: per hardware thread); off when
  // `on` is false (--no-isolation, --fork-per-file).
  IsolationWorkers(bool on, int threads, bool prefork) : on_(on) {
    if (!on_) return;
    IsolationPoolOptions o;
    o.workers = threads > 0 ? unsigned(threads) : std::max(1u, std::thread::hardware_concurrency());
    o.prefork = prefork;
    start_isolation_pool(o);
  }
  ~IsolationWorkers() {
    if (on_) stop_isolation_pool();
  }
  IsolationWorkers(const IsolationWorkers&) = delete;
  IsolationWorkers& operator=(const IsolationWorkers&) = delete;

 private:
  bool on_;
};

}  // namespace meshsentry::cli
