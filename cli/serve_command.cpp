// SPDX-License-Identifier: MIT
// `meshsentry serve`: flags, signals and the server's life. Signals are
// blocked in every thread before any is started and taken by one thread with
// sigwait, so the handlers run as ordinary code: SIGHUP reloads the signature
// set beside the running one, SIGINT/SIGTERM stop accepting, let requests in
// flight finish, and exit 0.
#include <httplib.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "commands.hpp"
#include "scan_flags.hpp"
#include "serve.hpp"
#include "serve_connections.hpp"

namespace meshsentry::cli {
namespace {

const char* kServeUsage =
    "usage: meshsentry serve [--signatures FILE] [--trusted-key PUB.pem]... [--listen HOST:PORT] [--threads N]\n"
    "                        [--max-connections N] [--request-timeout SECONDS]\n"
    "                        [--max-request-size BYTES] [--threshold T] [--candidates N] [--allow FILE]\n"
    "                        [--no-isolation] [--no-fused] [--no-pieces] [--global-only]\n"
    "                        [scan limits: --max-file-size ... --max-ratio, as for scan]\n"
    "  POST /v1/scan         the file as the body (name in X-Filename or ?name=), or a\n"
    "                        multipart form with the file in field 'file'\n"
    "  GET  /v1/health       {\"status\":\"ok\",\"version\":...}\n"
    "  GET  /v1/signatures   the loaded set: name, created, entries, sha256, engine_version\n"
    "defaults: --listen 127.0.0.1:8080, one scan per hardware thread at once, 256 connections\n"
    "(more get 503 with Retry-After), 60 s to send a request, 256 MiB requests.\n"
    "SIGHUP reloads the signature set (an empty one, or with --trusted-key one not signed by a\n"
    "trusted key, is refused and the running set kept); SIGINT/SIGTERM finish requests in flight\n"
    "and exit 0.\n";

// "HOST:PORT", "[v6]:PORT"; port 0 picks a free one.
bool parse_listen(const std::string& s, std::string& host, int& port) {
  const std::size_t colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = s.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  double p = 0;
  if (!parse_number(s.substr(colon + 1), p) || p < 0 || p > 65535 || p != int(p)) return false;
  port = int(p);
  return true;
}

void reload(EngineSlot& slot, const std::string& path, const TrustOptions& trust) {
  const auto t0 = std::chrono::steady_clock::now();
  auto fresh = Engine::open(path, trust);  // beside the running engine; requests go on
  if (!fresh) {
    serve_log("reload failed, keeping '" + slot.get()->signatures().name + "': " + fresh.status().message);
    return;
  }
  auto engine = std::make_shared<const Engine>(std::move(*fresh));
  const SignatureSet& set = engine->signatures();
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  serve_log("reloaded " + path + ": '" + set.name + "', " + std::to_string(set.entries.size()) +
            " signatures, sha256 " + set.checksum + " (" + std::to_string(int(ms)) + " ms)");
  slot.set(std::move(engine));
}

// The only place signals are taken. `done` is set by the main thread once
// the server has returned; it then wakes this thread with a SIGTERM of its own.
void signal_loop(const sigset_t& signals, GuardedServer& server, EngineSlot& slot, const std::string& path,
                 const TrustOptions& trust, const std::atomic<bool>& done, std::atomic<bool>& stopping) {
  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (done) return;
    if (sig == SIGHUP) {
      reload(slot, path, trust);
      continue;
    }
    if (stopping.exchange(true)) {
      serve_log(std::string("second ") + strsignal(sig) + ": exiting without waiting");
      std::_Exit(kError);
    }
    serve_log(std::string(strsignal(sig)) + ": stopping, finishing requests in flight");
    // stop() is a no-op until listen has started; the signal can come first.
    while (!done && !server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    server.stop();
  }
}

}  // namespace

int serve_command(const Args& args) {
  ServeConfig config;
  config.scan.timing = false;
  ConnectionLimits limits;
  std::string sig_path, listen = "127.0.0.1:8080", v;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  auto bad = [](const std::string& what) {
    std::fprintf(stderr, "meshsentry serve: %s\n", what.c_str());
    return kError;
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    double num = 0;
    if (args[i] == "-h" || args[i] == "--help") {
      std::fputs(kServeUsage, stdout);
      return kClean;
    }
    if (take_value(args, i, "--signatures", v)) sig_path = v;
    else if (take_value(args, i, "--listen", v)) listen = v;
    else if (take_value(args, i, "--threads", v)) {
      if (!parse_number(v, num) || num < 0 || num > 1024) return bad("--threads takes a number from 0 to 1024");
      if (num >= 1) threads = unsigned(num);  // 0: one per hardware thread
    } else if (take_value(args, i, "--max-connections", v)) {
      if (!parse_number(v, num) || num < 1 || num > 4096) return bad("--max-connections takes a number from 1 to 4096");
      limits.max_connections = unsigned(num);
    } else if (take_value(args, i, "--request-timeout", v)) {
      if (!parse_number(v, num) || num < 1 || num > 86400) return bad("--request-timeout takes seconds from 1 to 86400");
      limits.request_timeout = std::chrono::seconds(long(num));
    } else if (take_value(args, i, "--max-request-size", v)) {
      if (!parse_bytes(v, num) || num < 1 || num > 1e18)
        return bad("--max-request-size takes a size in bytes (suffixes K, M, G, T)");
      config.max_request_bytes = std::uint64_t(num);
    } else if (take_trust_flag(args, i, config.trust)) {
    } else if (std::string error; take_scan_flag(args, i, config.scan, error)) {
      if (!error.empty()) return bad(error);
    }
    else return bad("unknown or incomplete option '" + args[i] + "'");
  }
  std::string host;
  int port = 0;
  if (!parse_listen(listen, host, port)) return bad("--listen takes HOST:PORT, e.g. 127.0.0.1:8080");
  if (sig_path.empty()) sig_path = default_signatures();

  // Before any thread exists (OpenMP's in Engine::open, httplib's pool), so
  // every thread inherits the mask and only signal_loop sees these.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGHUP, SIGINT, SIGTERM}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto opened = Engine::open(sig_path, config.trust);
  if (!opened) return bad("cannot open signatures: " + opened.status().message);
  EngineSlot slot(std::make_shared<const Engine>(std::move(*opened)));

  config.scan_slots = threads;
  config.scan_wait = limits.request_timeout;
  GuardedServer server(limits);
  server.set_payload_max_length(config.max_request_bytes);
  // httplib's default adds SO_REUSEPORT, which lets a second server bind the
  // same port and silently take half the connections. SO_REUSEADDR alone
  // still allows a restart while old connections sit in TIME_WAIT.
  server.set_socket_options([](int sock) {
    const int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  install_routes(server, slot, config);
  errno = 0;
  const int bound = port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (bound < 0)
    return bad("cannot listen on " + listen + (errno ? std::string(": ") + std::strerror(errno) : std::string()));
  // A backlog as deep as the cap: a burst waits in the kernel's queue for
  // its 200 or 503 instead of being reset.
  if (!server.set_backlog(int(limits.max_connections))) return bad(std::string("listen: ") + std::strerror(errno));

  const std::shared_ptr<const Engine> first = slot.get();
  const SignatureSet& set = first->signatures();
  serve_log("meshsentry serve " + std::string(engine_version()) + " listening on " + host + ":" +
            std::to_string(bound) + ", " + std::to_string(threads) + " scan threads, " +
            std::to_string(limits.max_connections) + " connections, signatures '" + set.name + "' (" +
            std::to_string(set.entries.size()) + " entries, sha256 " + set.checksum + ")");

  std::atomic<bool> done{false}, stopping{false};
  std::thread signal_thread([&] { signal_loop(signals, server, slot, sig_path, config.trust, done, stopping); });
  server.listen_after_bind();  // returns once stopped and requests in flight are done
  done = true;
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  if (!stopping) return bad("the server stopped unexpectedly");
  serve_log("stopped");
  return kClean;
}

}  // namespace meshsentry::cli
