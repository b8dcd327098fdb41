// SPDX-License-Identifier: MIT
// `meshsentry serve`: the engine behind a small HTTP/JSON API (cpp-httplib).
// serve_command.cpp owns flags, signals and the server's life; serve_routes.cpp
// the endpoints and the request log; serve_batch.cpp the batch upload;
// serve_metrics.cpp /metrics; serve_auth.cpp the bearer tokens.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "meshsentry/engine.hpp"

namespace meshsentry::cli {

class GuardedServer;
class ServeMetrics;
class TokenAuth;

// What a request scans with: the signature set and the allow-list, loaded
// together at start and on SIGHUP, and when.
struct LoadedSet {
  std::shared_ptr<const Engine> engine;
  std::shared_ptr<const AllowList> allow;  // null: no --allow
  std::string signatures_path, allow_path;
  std::chrono::system_clock::time_point loaded_at{};  // of the signature set
  double load_seconds = 0;                             // how long opening it took
};

// The loaded set, swapped whole on SIGHUP. Each request takes its own
// reference, so a reload never pulls an engine from under a running scan.
class EngineSlot {
 public:
  EngineSlot() = default;
  explicit EngineSlot(std::shared_ptr<const LoadedSet> loaded) : loaded_(std::move(loaded)) {}
  // Null while no set is loaded.
  std::shared_ptr<const LoadedSet> get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return loaded_;
  }
  void set(std::shared_ptr<const LoadedSet> loaded) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      loaded_.swap(loaded);
    }
    // The old engine (now in `loaded`) is freed here, outside the lock, once
    // the last request holding it is done.
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const LoadedSet> loaded_;
};

struct ServeConfig {
  ScanOptions scan;                               // per request; timing off; allow comes from the slot
  TrustOptions trust;                             // keys a signature set must be signed by (--trusted-key)
  std::uint64_t max_request_bytes = 256ull << 20; // request body, after decoding
  unsigned scan_slots = 1;                        // scans at once
  unsigned max_batch_files = 64;                  // files in one /v1/scan/batch request
  std::chrono::seconds scan_wait{60};             // for a free slot, then 503
};

// What the routes share with serve_command: all must outlive the server.
struct ServeContext {
  const EngineSlot& slot;
  const ServeConfig& config;
  ServeMetrics& metrics;
  const TokenAuth& auth;
  const std::atomic<bool>& stopping;  // SIGTERM taken: /v1/ready says 503
};

// Registers the endpoints (see kServeUsage and cli/openapi.json), the JSON
// error bodies, authentication, request ids and the one-line-per-request log
// on stderr.
void install_routes(GuardedServer& server, const ServeContext& context);

// cli/openapi.json, embedded at build time (openapi.cpp.in).
extern const char* const kOpenApiJson;

// One line on stderr, prefixed with the UTC time, written in one call so
// lines from different threads never interleave.
void serve_log(const std::string& message);

}  // namespace meshsentry::cli
