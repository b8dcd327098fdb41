// SPDX-License-Identifier: MIT
// The connection layer of `meshsentry serve`: cpp-httplib parses HTTP, this
// owns the sockets. httplib's own loop gives each connection a pool thread
// with only a per-read timeout, so a client trickling a byte at a time holds
// a thread for ever; here each request has a deadline, connections beyond a
// cap are answered 503, and an error response closes the connection.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace meshsentry::cli {

class ServeMetrics;

struct ConnectionLimits {
  unsigned max_connections = 256;  // served at once; the next ones get 503
  std::chrono::seconds request_timeout{60};  // request line, headers and body
  unsigned retry_after_seconds = 1;           // the 503's Retry-After
};

// Threads started on demand up to a maximum, so idle connections never wait
// behind busy ones while the cap is not reached. Jobs beyond the maximum
// queue (their sockets are accepted, never reset).
class ConnectionPool final : public httplib::TaskQueue {
 public:
  explicit ConnectionPool(std::size_t max_threads) : max_threads_(max_threads) {}
  ~ConnectionPool() override { shutdown(); }
  void enqueue(std::function<void()> fn) override;
  void shutdown() override;

 private:
  void work();
  const std::size_t max_threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
  std::size_t idle_ = 0;
  bool stopping_ = false;
};

class GuardedServer final : public httplib::Server {
 public:
  // `metrics` (may be null) counts requests in flight and refused connections.
  GuardedServer(const ConnectionLimits& limits, ServeMetrics* metrics);
  // Called on every response before it is written, errors included (the
  // post-routing handler is this class's own).
  void set_response_hook(Handler hook) { response_hook_ = std::move(hook); }
  // After bind: httplib's compiled-in backlog is 5, which resets clients of
  // a burst before any thread sees them; listen() again raises it.
  bool set_backlog(int backlog);
  const ConnectionLimits& limits() const { return limits_; }

 private:
  bool process_and_close_socket(socket_t sock) override;
  void serve_connection(socket_t sock);
  void refuse_busy(socket_t sock);
  ConnectionLimits limits_;
  ServeMetrics* metrics_;
  Handler response_hook_;
  std::atomic<unsigned> active_{0};
};

}  // namespace meshsentry::cli
