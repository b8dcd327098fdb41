// SPDX-License-Identifier: MIT
// The HTTP endpoints of `meshsentry serve`. Bodies are read through
// httplib's ContentReader with our own byte count, because httplib's
// payload limit looks only at Content-Length: a chunked or gzip-encoded
// upload would otherwise grow without bound.
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <span>
#include <string>
#include <vector>

#include "common/text.hpp"
#include "serve.hpp"
#include "serve_auth.hpp"
#include "serve_connections.hpp"
#include "serve_http.hpp"
#include "serve_metrics.hpp"

namespace meshsentry::cli {
namespace {

using Clock = std::chrono::steady_clock;

// Every endpoint: for 405 against 404, and which ones need a token. Health,
// readiness, metrics and the API description stay open so that probes and
// scrapers need no secret; they tell nothing about what was scanned.
struct Route {
  const char* path;
  const char* methods;
  bool needs_token;
};
constexpr Route kRoutes[] = {
    {"/v1/scan", "POST", true},
    {"/v1/scan/batch", "POST", true},
    {"/v1/signatures", "GET, HEAD", true},
    {"/v1/health", "GET, HEAD", false},
    {"/v1/ready", "GET, HEAD", false},
    {"/metrics", "GET, HEAD", false},
    {"/openapi.json", "GET, HEAD", false},
};

const Route* find_route(const std::string& path) {
  for (const Route& r : kRoutes)
    if (path == r.path) return &r;
  return nullptr;
}

const char* reason(int status) {
  switch (status) {
    case 400: return "bad request";
    case 401: return "unauthorized";
    case 404: return "not found";
    case 405: return "method not allowed";
    case 413: return "request body too large";
    case 414: return "request URI too long";
    case 416: return "range not satisfiable";
    case 503: return "service unavailable";
    default: return status >= 500 ? "internal server error" : "request failed";
  }
}

// 401 on a protected path without a configured token; true when refused.
bool refuse_unauthorized(const httplib::Request& req, httplib::Response& res, const ServeContext& ctx) {
  const Route* route = find_route(req.path);
  if (!ctx.auth.enabled() || !route || !route->needs_token) return false;
  const std::string given = req.get_header_value("Authorization");
  if (ctx.auth.accepts(given)) return false;
  ctx.metrics.count_unauthorized();
  // RFC 6750 3: no error code when no credentials were sent at all.
  res.set_header("WWW-Authenticate", given.empty() ? "Bearer realm=\"meshsentry\""
                                                   : "Bearer realm=\"meshsentry\", error=\"invalid_token\"");
  send_error(res, 401,
             given.empty() ? "authentication required: send Authorization: Bearer <token>"
                           : "the bearer token is not accepted");
  return true;
}

void handle_scan(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& read,
                 const ServeContext& ctx, ScanSlots& slots) {
  const std::uint64_t limit = ctx.config.max_request_bytes;
  const bool multipart = req.is_multipart_form_data();
  std::string body, name;
  std::uint64_t received = 0, announced = 0;
  bool too_large = false, in_file = !multipart;
  int files = multipart ? 0 : 1;
  if (content_length(req, announced) && announced <= limit) body.reserve(announced);
  const auto receive = [&](const char* data, std::size_t n) {
    received += n;
    if (received > limit) {
      too_large = true;
      body = std::string();
      return within_drain(received, limit);
    }
    if (in_file) body.append(data, n);
    return true;
  };
  const auto read_body = [&] {
    if (!has_body(req)) return true;
    if (!multipart) return read(receive);
    return read(
        [&](const httplib::MultipartFormData& part) {
          in_file = part.name == "file";
          if (in_file && ++files == 1) name = part.filename;
          return files <= 1;  // one file per request
        },
        receive);
  };
  const bool ok = read_body();
  if (!multipart)
    name = req.has_header("X-Filename") ? req.get_header_value("X-Filename") : req.get_param_value("name");
  current_request().bytes = received;

  // httplib sets 413 itself when Content-Length alone is over the limit.
  if (too_large || res.status == 413) return send_error(res, 413, too_large_message(limit));
  if (files > 1)
    return send_error(res, 400, "one file per request: the form has more than one 'file' field (see /v1/scan/batch)");
  if (!ok) return send_error(res, 400, "could not read the request body (truncated or malformed upload)");
  if (files == 0) return send_error(res, 400, "multipart upload without a 'file' field");
  if (body.empty()) return send_error(res, 400, "empty body: send the file's bytes");
  if (name.empty())
    return send_error(res, 400,
                      multipart ? "missing file name: the 'file' field has no filename"
                                : "missing file name: send it in the X-Filename header or as ?name=");

  const std::shared_ptr<const LoadedSet> loaded = ctx.slot.get();  // kept for this request
  if (!loaded) return send_unavailable(res, "no signature set loaded yet, retry later");
  if (!acquire_or_refuse(slots, ctx.config.scan_wait, res)) return;
  const HeldSlot held(slots);
  ScanOptions options = ctx.config.scan;
  options.allow = loaded->allow;
  const auto bytes = std::as_bytes(std::span<const char>(body.data(), body.size()));
  const std::vector<ScanResult> results = loaded->engine->scan_buffer(bytes, name, options);
  const Verdict verdict = overall(results);
  current_request().verdict = to_string(verdict);
  ctx.metrics.count_scan(verdict, body.size());

  const SignatureSet& set = loaded->engine->signatures();
  send_json(res, 200,
            "{" + results_json(results, verdict) +
                ",\"signatures\":" + dump(Json{{"name", set.name}, {"sha256", set.checksum}}) +
                ",\"request_id\":" + dump(Json(request_id())) + "}");
}

// Any other request with a body: read it (bounded, discarded) so the
// connection stays in step, then let the error handler answer 404 or 405.
void drain(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& read,
           std::uint64_t limit) {
  std::uint64_t received = 0;
  const auto count = [&](const char*, std::size_t n) { return within_drain(received += n, limit); };
  const auto skip_part = [](const httplib::MultipartFormData&) { return true; };
  const bool ok = !has_body(req) || (req.is_multipart_form_data() ? read(skip_part, count) : read(count));
  current_request().bytes = received;
  const bool too_large = received > limit || res.status == 413;
  if (find_route(req.path) || (ok && !too_large)) {
    res.status = 404;  // the error handler makes it 405 on a known path
    return;
  }
  if (too_large) return send_error(res, 413, too_large_message(limit));
  send_error(res, 400, "could not read the request body");
}

// GET /v1/ready: 200 with the loaded set and allow-list, 503 while no set is
// loaded or the server is stopping (a load balancer should send elsewhere).
void handle_ready(httplib::Response& res, const ServeContext& ctx) {
  const std::shared_ptr<const LoadedSet> loaded = ctx.slot.get();
  const bool ready = loaded && loaded->engine && !ctx.stopping;
  Json out{{"status", ready ? "ready" : "not ready"}};
  if (loaded && loaded->engine) {
    const SignatureSet& set = loaded->engine->signatures();
    const double created = parse_iso8601_utc(set.created);
    const std::time_t loaded_at = std::chrono::system_clock::to_time_t(loaded->loaded_at);
    Json sig{{"name", set.name},
             {"entries", set.entries.size()},
             {"created", set.created},
             {"sha256", set.checksum},
             {"path", loaded->signatures_path}};
    sig["age_seconds"] = created < 0
                             ? Json(nullptr)
                             : Json(std::max<long long>(0, std::time(nullptr) - static_cast<long long>(created)));
    sig["loaded_at"] = iso8601_utc(loaded_at);
    sig["load_seconds"] = std::round(loaded->load_seconds * 1000) / 1000;
    out["signatures"] = sig;
    Json allow{{"loaded", bool(loaded->allow)}};
    if (loaded->allow) {
      allow["path"] = loaded->allow_path;
      allow["entries"] = loaded->allow->sha256.size() + loaded->allow->geometry.size();
    }
    out["allow_list"] = allow;
  } else {
    out["signatures"] = nullptr;
  }
  if (ctx.stopping) out["reason"] = "stopping";
  else if (!ready) out["reason"] = "no signature set loaded";
  out["request_id"] = request_id();
  if (!ready) res.set_header("Retry-After", "1");
  send_json(res, ready ? 200 : 503, dump(out));
}

// Bytes and control characters from a URL-decoded path kept out of the log.
std::string loggable(const std::string& s) {
  std::string out = s.substr(0, 256);
  for (char& c : out)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) c = '?';
  return out.empty() ? "-" : out;
}

void install_endpoints(GuardedServer& server, const ServeContext& ctx) {
  const std::uint64_t limit = ctx.config.max_request_bytes;
  auto slots = std::make_shared<ScanSlots>(std::max<std::ptrdiff_t>(1, ctx.config.scan_slots));
  server.Post("/v1/scan",
              [ctx, slots](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& read) {
                handle_scan(req, res, read, ctx, *slots);
              });
  server.Post("/v1/scan/batch",
              [ctx, slots](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& read) {
                handle_batch(req, res, read, ctx, *slots);
              });
  const httplib::Server::HandlerWithContentReader other = [limit](const httplib::Request& req, httplib::Response& res,
                                                                  const httplib::ContentReader& read) {
    drain(req, res, read, limit);
  };
  server.Post(".*", other).Put(".*", other).Patch(".*", other).Delete(".*", other);

  server.Get("/v1/health", [](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200, dump(Json{{"status", "ok"}, {"version", engine_version()}, {"request_id", request_id()}}));
  });
  server.Get("/v1/ready", [ctx](const httplib::Request&, httplib::Response& res) { handle_ready(res, ctx); });
  server.Get("/v1/signatures", [ctx](const httplib::Request&, httplib::Response& res) {
    const std::shared_ptr<const LoadedSet> loaded = ctx.slot.get();
    if (!loaded) return send_unavailable(res, "no signature set loaded yet, retry later");
    const SignatureSet& set = loaded->engine->signatures();
    send_json(res, 200,
              dump(Json{{"name", set.name},
                        {"created", set.created},
                        {"entries", set.entries.size()},
                        {"sha256", set.checksum},
                        {"engine_version", set.engine_version},
                        {"request_id", request_id()}}));
  });
  server.Get("/metrics", [ctx](const httplib::Request&, httplib::Response& res) {
    const std::shared_ptr<const LoadedSet> loaded = ctx.slot.get();
    res.set_content(ctx.metrics.render(loaded.get()), "text/plain; version=0.0.4; charset=utf-8");
  });
  server.Get("/openapi.json", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(kOpenApiJson, "application/json");
  });
}

}  // namespace

void serve_log(const std::string& message) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::fprintf(stderr, "%s %s\n", iso8601_utc(t, static_cast<int>(ms)).c_str(), message.c_str());
}

void install_routes(GuardedServer& server, const ServeContext& ctx) {
  const std::uint64_t limit = ctx.config.max_request_bytes;
  install_endpoints(server, ctx);

  // curl asks before sending a body over 1 MiB: refuse a too large or an
  // unauthenticated one before it crosses the network.
  server.set_expect_100_continue_handler([limit, ctx](const httplib::Request& req, httplib::Response& res) {
    begin_request(req);
    if (refuse_unauthorized(req, res, ctx)) return 401;
    std::uint64_t announced = 0;
    if (content_length(req, announced) && announced > limit) {
      send_error(res, 413, too_large_message(limit));
      return 413;
    }
    return 100;
  });
  // Two framings of one body are how requests are smuggled past a proxy
  // that reads the other one: refuse them before reading any body. Then the
  // token, also before any body is read.
  server.set_pre_routing_handler([ctx](const httplib::Request& req, httplib::Response& res) {
    begin_request(req);
    const auto lengths = req.headers.equal_range("Content-Length");
    for (auto it = lengths.first; it != lengths.second; ++it)
      if (it->second != lengths.first->second) {
        send_error(res, 400, "conflicting Content-Length headers");
        return httplib::Server::HandlerResponse::Handled;
      }
    if (lengths.first != lengths.second && req.has_header("Transfer-Encoding")) {
      send_error(res, 400, "both Content-Length and Transfer-Encoding");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (refuse_unauthorized(req, res, ctx)) return httplib::Server::HandlerResponse::Handled;
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Every response, errors included, carries the request's id, and is
  // counted here, before it is written: a client that has its answer sees
  // it in the next /metrics.
  server.set_response_hook([ctx](const httplib::Request&, httplib::Response& res) {
    res.set_header("X-Request-Id", request_id());
    const Clock::time_point start = current_request().start;
    ctx.metrics.observe_request(
        res.status, start == Clock::time_point{} ? 0 : std::chrono::duration<double>(Clock::now() - start).count());
  });

  // Every status >= 400 passes here: give it a JSON body, and tell a wrong
  // method on a known path (405) from an unknown path (404).
  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (res.status == 404)
      if (const Route* route = find_route(req.path)) {
        res.status = 405;
        res.set_header("Allow", route->methods);
        return send_error(
            res, 405, "method " + req.method + " not allowed on " + req.path + " (allowed: " + route->methods + ")");
      }
    if (!res.body.empty()) return;
    if (res.status == 404) return send_error(res, 404, "no such endpoint: " + req.path);
    send_error(res, res.status, reason(res.status));
  });
  server.set_exception_handler([ctx](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    ctx.metrics.count_internal_error();
    serve_log("internal error: " + what);
    send_error(res, 500, "internal error: " + what);
  });

  server.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    const RequestRecord r = current_request();
    current_request() = {};
    char ms[32] = "-";
    if (r.start != Clock::time_point{})
      std::snprintf(ms, sizeof ms, "%.1fms", std::chrono::duration<double, std::milli>(Clock::now() - r.start).count());
    const std::uint64_t bytes = std::max<std::uint64_t>(r.bytes, req.body.size());
    // A request line httplib could not parse leaves address and method empty.
    const std::string addr = loggable(req.remote_addr);
    const std::string client = req.remote_port < 0 ? "-"
                               : addr.find(':') != std::string::npos
                                   ? "[" + addr + "]:" + std::to_string(req.remote_port)
                                   : addr + ":" + std::to_string(req.remote_port);
    serve_log(client + " " + loggable(req.method) + " " + loggable(req.path) + " " + std::to_string(res.status) + " " +
              std::to_string(bytes) + " " + r.verdict + " " + ms + " id=" + (r.id.empty() ? "-" : r.id));
  });
}

}  // namespace meshsentry::cli
