// SPDX-License-Identifier: MIT
// `meshsentry serve`: the engine behind a small HTTP/JSON API (cpp-httplib).
// serve_command.cpp owns flags, signals and the server's life; serve_routes.cpp
// the endpoints and the request log.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "meshsentry/engine.hpp"

namespace httplib {
class Server;
}

namespace meshsentry::cli {

// The loaded signature set, swapped whole on SIGHUP. Each request takes its
// own reference, so a reload never pulls an engine from under a running scan.
class EngineSlot {
 public:
  explicit EngineSlot(std::shared_ptr<const Engine> engine) : engine_(std::move(engine)) {}
  std::shared_ptr<const Engine> get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return engine_;
  }
  void set(std::shared_ptr<const Engine> engine) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      engine_.swap(engine);
    }
    // The old engine (now in `engine`) is freed here, outside the lock, once
    // the last request holding it is done.
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Engine> engine_;
};

struct ServeConfig {
  ScanOptions scan;                               // per request; timing off
  TrustOptions trust;                             // keys a signature set must be signed by (--trusted-key)
  std::uint64_t max_request_bytes = 256ull << 20; // request body, after decoding
  unsigned scan_slots = 1;                        // scans at once
  std::chrono::seconds scan_wait{60};             // for a free slot, then 503
};

// Registers /v1/scan, /v1/health, /v1/signatures, the JSON error bodies and
// the one-line-per-request log on stderr. `slot` and `config` must outlive
// the server.
void install_routes(httplib::Server& server, const EngineSlot& slot, const ServeConfig& config);

// One line on stderr, prefixed with the UTC time, written in one call so
// lines from different threads never interleave.
void serve_log(const std::string& message);

}  // namespace meshsentry::cli
