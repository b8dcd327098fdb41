// SPDX-License-Identifier: MIT
// The counters behind GET /metrics (Prometheus text format 0.0.4), written
// by hand: a dozen lines of text do not need prometheus-cpp. Every counter
// is an atomic, so request threads count without a lock.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "meshsentry/scan.hpp"

namespace meshsentry::cli {

struct LoadedSet;

class ServeMetrics {
 public:
  // Upper bounds of the latency histogram, in seconds.
  static constexpr std::array<double, 14> kBuckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                   1,     2.5,  5,     10,   30,  60,   120};

  // One finished request: its status and how long it took.
  void observe_request(int status, double seconds);
  // One scanned file (a request's file, or one of a batch) and its bytes.
  void count_scan(Verdict verdict, std::uint64_t bytes);
  void count_refused_connection() { refused_.fetch_add(1, std::memory_order_relaxed); }
  void count_unauthorized() { unauthorized_.fetch_add(1, std::memory_order_relaxed); }
  void count_reload(bool ok) { (ok ? reloads_ : reload_failures_).fetch_add(1, std::memory_order_relaxed); }
  void count_internal_error() { internal_errors_.fetch_add(1, std::memory_order_relaxed); }

  // Requests being read, scanned or answered now (GuardedServer counts them).
  std::atomic<std::int64_t> in_flight{0};

  // The exposition; `loaded` (may be null) gives the signature-set gauges.
  std::string render(const LoadedSet* loaded) const;

 private:
  using Counter = std::atomic<std::uint64_t>;
  std::array<Counter, 600> by_status_{};                // index: HTTP status
  std::array<Counter, kBuckets.size() + 1> buckets_{};  // not cumulative; the last is +Inf
  Counter latency_micros_{0}, requests_{0};
  std::array<Counter, 5> scans_{};  // index: Verdict
  Counter bytes_{0}, refused_{0}, unauthorized_{0}, reloads_{0}, reload_failures_{0}, internal_errors_{0};
};

// Seconds since the epoch for an ISO 8601 UTC time such as
// 2026-11-28T00:00:00Z; -1 when it is not one.
double parse_iso8601_utc(const std::string& text);

}  // namespace meshsentry::cli
