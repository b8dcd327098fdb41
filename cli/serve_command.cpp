// SPDX-License-Identifier: MIT
// `meshsentry serve`: flags, signals and the server's life. Signals are
// blocked in every thread before any is started and taken by one thread with
// sigwait, so the handlers run as ordinary code: SIGHUP reloads the signature
// set, the allow-list and the tokens beside the running ones, SIGINT/SIGTERM
// stop accepting, let requests in flight finish, and exit 0.
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
#include "isolation_workers.hpp"
#include "scan_flags.hpp"
#include "serve.hpp"
#include "serve_auth.hpp"
#include "serve_connections.hpp"
#include "serve_metrics.hpp"

namespace meshsentry::cli {
namespace {

const char* kServeUsage =
    "usage: meshsentry serve [--signatures FILE] [--trusted-key PUB.pem]... [--listen HOST:PORT] [--threads N]\n"
    "                        [--max-connections N] [--request-timeout SECONDS]\n"
    "                        [--max-request-size BYTES] [--threshold T] [--candidates N] [--allow FILE]\n"
    "                        [--token-file FILE] [--max-batch-files N]\n"
    "                        [--no-isolation] [--fork-per-file] [--no-fused] [--no-pieces] [--global-only]\n"
    "                        [scan limits: --max-file-size ... --max-ratio, as for scan]\n"
    "  POST /v1/scan         the file as the body (name in X-Filename or ?name=), or a\n"
    "                        multipart form with the file in field 'file'\n"
    "  POST /v1/scan/batch   a multipart form, one part with a filename per file (at most\n"
    "                        --max-batch-files, default 64), optional field 'batch' (an id)\n"
    "  GET  /v1/health       liveness: {\"status\":\"ok\",\"version\":...}\n"
    "  GET  /v1/ready        readiness: the set's name, entries, age, load time, allow-list; 503 if none\n"
    "  GET  /v1/signatures   the loaded set: name, created, entries, sha256, engine_version\n"
    "  GET  /metrics         Prometheus text format\n"
    "  GET  /openapi.json    OpenAPI 3.0 description of all of these\n"
    "--token-file FILE: bearer tokens, one per line; /v1/scan, /v1/scan/batch and /v1/signatures\n"
    "then need 'Authorization: Bearer TOKEN' (401 otherwise). Off when not given.\n"
    "Every response has an X-Request-Id (the client's when it is 1-64 of [A-Za-z0-9._-]).\n"
    "defaults: --listen 127.0.0.1:8080, one scan per hardware thread at once, 256 connections\n"
    "(more get 503 with Retry-After), 60 s to send a request, 256 MiB requests.\n"
    "SIGHUP reloads the signature set, the --allow list and the --token-file (one that cannot be\n"
    "read, an empty set, or with --trusted-key one not signed by a trusted key, is refused and the\n"
    "running one kept); SIGINT/SIGTERM finish requests in flight and exit 0.\n"
    "See docs/service.md.\n";

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

// What SIGHUP re-reads, beside what start-up read.
struct Sources {
  std::string signatures, allow;  // allow: empty without --allow
  TrustOptions trust;
};

// Opens the set (and reads the allow-list) into a new LoadedSet.
Result<std::shared_ptr<const LoadedSet>> load_set(const Sources& from) {
  const auto t0 = std::chrono::steady_clock::now();
  auto opened = Engine::open(from.signatures, from.trust);
  if (!opened) return make_error(opened.status().code, "signatures: " + opened.status().message);
  auto loaded = std::make_shared<LoadedSet>();
  loaded->engine = std::make_shared<const Engine>(std::move(*opened));
  loaded->signatures_path = from.signatures;
  loaded->loaded_at = std::chrono::system_clock::now();
  loaded->load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!from.allow.empty()) {
    auto list = read_allow_list(from.allow);
    if (!list) return list.status();  // its message names the allow-list
    loaded->allow = std::make_shared<const AllowList>(std::move(*list));
    loaded->allow_path = from.allow;
  }
  return std::shared_ptr<const LoadedSet>(std::move(loaded));
}

std::size_t rules(const AllowList& list) { return list.sha256.size() + list.geometry.size(); }

// The set and the allow-list are swapped together or not at all: a scan
// never sees a new set with an old list's rules for it, or the reverse.
void reload(EngineSlot& slot, const Sources& from, TokenAuth& auth, ServeMetrics& metrics) {
  const std::shared_ptr<const LoadedSet> running = slot.get();
  auto fresh = load_set(from);  // beside the running set; requests go on
  if (!fresh) {
    metrics.count_reload(false);
    serve_log("reload failed, keeping '" + running->engine->signatures().name + "'" +
              (running->allow ? " and the allow-list" : "") + ": " + fresh.status().message);
  } else {
    metrics.count_reload(true);
    const LoadedSet& loaded = **fresh;
    const SignatureSet& set = loaded.engine->signatures();
    serve_log("reloaded " + from.signatures + ": '" + set.name + "', " + std::to_string(set.entries.size()) +
              " signatures, sha256 " + set.checksum + " (" + std::to_string(int(loaded.load_seconds * 1000)) +
              " ms)" +
              (loaded.allow ? "; allow-list " + from.allow + ": " + std::to_string(rules(*loaded.allow)) + " rules"
                            : ""));
    slot.set(std::move(*fresh));
  }
  if (auth.enabled()) {
    std::string warning;
    const std::string path = auth.path();
    if (const std::string error = auth.load(path, warning); !error.empty())
      serve_log("token reload failed, keeping the tokens: " + error);
    else serve_log("reloaded tokens from " + path);
    if (!warning.empty()) serve_log("warning: " + warning);
  }
}

// The only place signals are taken. `done` is set by the main thread once
// the server has returned; it then wakes this thread with a SIGTERM of its own.
void signal_loop(const sigset_t& signals, GuardedServer& server, EngineSlot& slot, const Sources& from,
                 TokenAuth& auth, ServeMetrics& metrics, const std::atomic<bool>& done,
                 std::atomic<bool>& stopping) {
  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (done) return;
    if (sig == SIGHUP) {
      reload(slot, from, auth, metrics);
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

// Start-up lines that say what the service will do before it does it: the
// set it flags with (loudly when it is the demo set) and who may call it.
void log_startup_choices(const std::string& given, const std::string& used, const TokenAuth& auth) {
  if (given.empty()) {
    if (const char* env = std::getenv("MESHSENTRY_SIGNATURES"); env && *env)
      serve_log("signatures from $MESHSENTRY_SIGNATURES: " + used);
    else
      serve_log("WARNING: no --signatures given: serving the 8-part DEMO set " + used +
                ", which only knows the demo parts in models/refs and flags nothing else; "
                "pass --signatures FILE with your own set (see docs/service.md)");
  }
  serve_log(auth.enabled() ? "authentication: bearer tokens from " + auth.path()
                           : std::string("authentication: off (anyone who can connect may scan; see --token-file)"));
}

}  // namespace

int serve_command(const Args& args) {
  ServeConfig config;
  config.scan.timing = false;
  ConnectionLimits limits;
  Sources from;
  std::string listen = "127.0.0.1:8080", token_file, v;
  bool fork_per_file = false;
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
    if (take_value(args, i, "--signatures", v)) from.signatures = v;
    else if (take_value(args, i, "--allow", v)) {  // read with the set, and on SIGHUP
      if (v.empty()) return bad("--allow takes a file");
      from.allow = v;
    } else if (take_value(args, i, "--token-file", v)) {
      if (v.empty()) return bad("--token-file takes a file");
      token_file = v;
    }
    else if (args[i] == "--fork-per-file") fork_per_file = true;
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
    } else if (take_value(args, i, "--max-batch-files", v)) {
      if (!parse_number(v, num) || num < 1 || num > 10000) return bad("--max-batch-files takes a number from 1 to 10000");
      config.max_batch_files = unsigned(num);
    } else if (take_trust_flag(args, i, from.trust)) {
    } else if (std::string error; take_scan_flag(args, i, config.scan, error)) {
      if (!error.empty()) return bad(error);
    }
    else return bad("unknown or incomplete option '" + args[i] + "'");
  }
  std::string host;
  int port = 0;
  if (!parse_listen(listen, host, port)) return bad("--listen takes HOST:PORT, e.g. 127.0.0.1:8080");
  const std::string given_signatures = from.signatures;
  if (from.signatures.empty()) from.signatures = default_signatures();
  config.trust = from.trust;

  TokenAuth auth;
  if (!token_file.empty()) {
    std::string warning;
    if (const std::string error = auth.load(token_file, warning); !error.empty()) return bad(error);
    if (!warning.empty()) serve_log("warning: " + warning);
  }

  // Before any thread exists (OpenMP's in Engine::open, httplib's pool), so
  // every thread inherits the mask and only signal_loop sees these.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGHUP, SIGINT, SIGTERM}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Before the scan threads and the listening socket exist, and forked now
  // so that the first requests do not wait for them.
  IsolationWorkers workers(config.scan.load.isolate && !fork_per_file, int(threads), true);

  auto opened = load_set(from);
  if (!opened) return bad("cannot open " + opened.status().message);
  EngineSlot slot(std::move(*opened));

  config.scan_slots = threads;
  config.scan_wait = limits.request_timeout;
  ServeMetrics metrics;
  GuardedServer server(limits, &metrics);
  server.set_payload_max_length(config.max_request_bytes);
  // httplib's default adds SO_REUSEPORT, which lets a second server bind the
  // same port and silently take half the connections. SO_REUSEADDR alone
  // still allows a restart while old connections sit in TIME_WAIT.
  server.set_socket_options([](int sock) {
    const int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  std::atomic<bool> done{false}, stopping{false};
  install_routes(server, ServeContext{slot, config, metrics, auth, stopping});
  errno = 0;
  const int bound = port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (bound < 0)
    return bad("cannot listen on " + listen + (errno ? std::string(": ") + std::strerror(errno) : std::string()));
  // A backlog as deep as the cap: a burst waits in the kernel's queue for
  // its 200 or 503 instead of being reset.
  if (!server.set_backlog(int(limits.max_connections))) return bad(std::string("listen: ") + std::strerror(errno));

  const std::shared_ptr<const LoadedSet> first = slot.get();
  const SignatureSet& set = first->engine->signatures();
  log_startup_choices(given_signatures, from.signatures, auth);
  if (first->allow) serve_log("allow-list " + from.allow + ": " + std::to_string(rules(*first->allow)) + " rules");
  serve_log("meshsentry serve " + std::string(engine_version()) + " listening on " + host + ":" +
            std::to_string(bound) + ", " + std::to_string(threads) + " scan threads, " +
            (!config.scan.load.isolate ? "no isolation, "
             : fork_per_file          ? "a child forked per Assimp/CAD file, "
                                      : std::to_string(threads) + " isolation workers, ") +
            std::to_string(limits.max_connections) + " connections, signatures '" + set.name + "' (" +
            std::to_string(set.entries.size()) + " entries, sha256 " + set.checksum + ")");

  std::thread signal_thread([&] { signal_loop(signals, server, slot, from, auth, metrics, done, stopping); });
  server.listen_after_bind();  // returns once stopped and requests in flight are done
  done = true;
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  if (!stopping) return bad("the server stopped unexpectedly");
  serve_log("stopped");
  return kClean;
}

}  // namespace meshsentry::cli
