// SPDX-License-Identifier: MIT
// Sockets for `meshsentry serve`; see serve_connections.hpp for why httplib's
// own connection loop is replaced.
#include "serve_connections.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "serve.hpp"
#include "serve_http.hpp"
#include "serve_metrics.hpp"

namespace meshsentry::cli {
namespace {

using Clock = std::chrono::steady_clock;

// Set when the response being written is an error: the rest of that
// request's body may still be on the wire, and reading it as the next
// request is how one upload turns into several responses.
thread_local bool t_close_after_response = false;

int millis_until(Clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - Clock::now()).count();
  return int(std::clamp<long long>(ms, 0, 1 << 30));
}

bool wait_socket(int sock, short events, int timeout_ms) {
  pollfd p{sock, events, 0};
  int n;
  do n = ::poll(&p, 1, timeout_ms);
  while (n < 0 && errno == EINTR);
  return n > 0;
}

void address_of(int sock, bool peer, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  auto* sa = reinterpret_cast<sockaddr*>(&addr);
  if ((peer ? ::getpeername(sock, sa, &len) : ::getsockname(sock, sa, &len)) != 0) return;
  char text[INET6_ADDRSTRLEN] = "";
  if (addr.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    port = ntohs(in->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    port = ntohs(in6->sin6_port);
  }
  ip = text;
}

// One stream per connection, so bytes read past the end of one request stay
// for the next. Every read waits at most the per-read timeout and never past
// the request's deadline: a byte a second no longer keeps a request alive.
class DeadlineStream final : public httplib::Stream {
 public:
  DeadlineStream(int sock, int read_ms, int write_ms) : sock_(sock), read_ms_(read_ms), write_ms_(write_ms) {}

  void start_request(Clock::time_point deadline) { deadline_ = deadline; }

  // Between requests: true once the next request's first byte is here.
  template <class Running>
  bool wait_for_request(std::chrono::seconds idle, const Running& running) {
    if (off_ < len_) return true;
    const auto until = Clock::now() + idle;
    while (running() && Clock::now() < until)
      if (wait_socket(sock_, POLLIN, std::min(200, millis_until(until)))) return true;
    return false;
  }

  bool is_readable() const override {
    return off_ < len_ || wait_socket(sock_, POLLIN, std::min(read_ms_, millis_until(deadline_)));
  }
  bool is_writable() const override { return wait_socket(sock_, POLLOUT, write_ms_); }

  ssize_t read(char* ptr, std::size_t size) override {
    if (off_ == len_) {
      if (!is_readable()) return -1;
      if (size >= sizeof buf_) return ::recv(sock_, ptr, size, 0);
      const ssize_t n = ::recv(sock_, buf_, sizeof buf_, 0);
      if (n <= 0) return n;
      off_ = 0;
      len_ = std::size_t(n);
    }
    const std::size_t n = std::min(size, len_ - off_);
    std::memcpy(ptr, buf_ + off_, n);
    off_ += n;
    return ssize_t(n);
  }

  ssize_t write(const char* ptr, std::size_t size) override {
    if (!is_writable()) return -1;
    return ::send(sock_, ptr, size, MSG_NOSIGNAL);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override { address_of(sock_, true, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { address_of(sock_, false, ip, port); }
  socket_t socket() const override { return sock_; }

 private:
  int sock_, read_ms_, write_ms_;
  Clock::time_point deadline_ = Clock::time_point::max();
  char buf_[16384];
  std::size_t off_ = 0, len_ = 0;
};

// Closing a socket with unread input makes the kernel send a reset, which
// can destroy the response the client has not read yet. So: no more
// writes, read and drop what the client still sends for a moment, close.
void lingering_close(int sock) {
  ::shutdown(sock, SHUT_WR);
  const auto until = Clock::now() + std::chrono::seconds(2);
  char sink[16384];
  while (wait_socket(sock, POLLIN, millis_until(until))) {
    const ssize_t n = ::recv(sock, sink, sizeof sink, 0);
    if (n <= 0 && !(n < 0 && errno == EINTR)) break;
  }
  ::close(sock);
}

}  // namespace

void ConnectionPool::enqueue(std::function<void()> fn) {
  std::lock_guard<std::mutex> lock(mu_);
  jobs_.push_back(std::move(fn));
  if (jobs_.size() > idle_ && threads_.size() < max_threads_) threads_.emplace_back([this] { work(); });
  cv_.notify_one();
}

void ConnectionPool::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

void ConnectionPool::work() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    ++idle_;
    cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    --idle_;
    if (jobs_.empty()) return;  // stopping, and every accepted socket served
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
}

GuardedServer::GuardedServer(const ConnectionLimits& limits, ServeMetrics* metrics)
    : limits_(limits), metrics_(metrics) {
  // Room for the refusals beside the connections served: a 503 needs a
  // thread for its lingering close too.
  const std::size_t threads = std::size_t(limits_.max_connections) + 32;
  new_task_queue = [threads] { return new ConnectionPool(threads); };
  set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (response_hook_) response_hook_(req, res);
    if (res.status < 400) return;
    res.headers.erase("Keep-Alive");
    res.headers.erase("Connection");
    res.set_header("Connection", "close");
    t_close_after_response = true;
  });
}

bool GuardedServer::set_backlog(int backlog) { return ::listen(svr_sock_, backlog) == 0; }

bool GuardedServer::process_and_close_socket(socket_t sock) {
  unsigned n = active_.load();
  bool admitted = false;
  while (n < limits_.max_connections && !(admitted = active_.compare_exchange_weak(n, n + 1))) {
  }
  if (admitted) {
    serve_connection(sock);
    active_.fetch_sub(1);
  } else {
    refuse_busy(sock);
  }
  lingering_close(sock);
  return true;
}

void GuardedServer::serve_connection(socket_t sock) {
  const auto ms = [](time_t s, time_t us) { return int(std::min<time_t>(s * 1000 + us / 1000, 1 << 30)); };
  DeadlineStream strm(sock, ms(read_timeout_sec_, read_timeout_usec_), ms(write_timeout_sec_, write_timeout_usec_));
  const auto running = [this] { return svr_sock_ != INVALID_SOCKET; };
  for (std::size_t left = keep_alive_max_count_; left > 0 && running(); --left) {
    if (!strm.wait_for_request(std::chrono::seconds(keep_alive_timeout_sec_), running)) return;
    strm.start_request(Clock::now() + limits_.request_timeout);
    t_close_after_response = false;
    bool closed = false;
    if (metrics_) metrics_->in_flight.fetch_add(1);
    const bool ok = process_request(strm, left == 1, closed, nullptr);
    if (metrics_) metrics_->in_flight.fetch_sub(1);
    if (!ok || closed || t_close_after_response) return;
  }
}

// Beyond the cap: an answer at once, before reading the request (HTTP lets
// a server answer early), instead of a queue the client cannot see.
void GuardedServer::refuse_busy(socket_t sock) {
  const std::string id = new_request_id();
  const std::string body = "{\"error\":\"server busy: " + std::to_string(limits_.max_connections) +
                           " connections open, retry later\",\"request_id\":\"" + id + "\"}";
  const std::string head = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: " +
                           std::to_string(limits_.retry_after_seconds) + "\r\nX-Request-Id: " + id +
                           "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                           "\r\nConnection: close\r\n\r\n";
  const std::string out = head + body;
  if (metrics_) metrics_->count_refused_connection();
  if (wait_socket(sock, POLLOUT, 1000)) (void)::send(sock, out.data(), out.size(), MSG_NOSIGNAL);
  std::string ip = "-";
  int port = 0;
  address_of(sock, true, ip, port);
  serve_log(ip + ":" + std::to_string(port) + " - - 503 0 busy - id=" + id);
}

}  // namespace meshsentry::cli
