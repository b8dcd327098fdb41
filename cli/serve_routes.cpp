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
#include <semaphore>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/text.hpp"
#include "meshsentry/report.hpp"
#include "serve.hpp"

namespace meshsentry::cli {
namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::ordered_json;

// What the log line needs but httplib's Request/Response do not carry. A
// request is handled start to end on one pool thread, so thread_local is
// per request; the expect-100 and pre-routing hooks reset it.
struct RequestRecord {
  Clock::time_point start{};
  std::uint64_t bytes = 0;
  const char* verdict = "-";
};
thread_local RequestRecord t_request;

void begin_request() { t_request = {Clock::now(), 0, "-"}; }

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

void send_json(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  send_json(res, status, dump(Json{{"error", message}}));
}

// Known endpoints and their methods, for 405 against 404.
const char* allowed_methods(const std::string& path) {
  if (path == "/v1/scan") return "POST";
  if (path == "/v1/health" || path == "/v1/signatures") return "GET, HEAD";
  return nullptr;
}

const char* reason(int status) {
  switch (status) {
    case 400: return "bad request";
    case 404: return "not found";
    case 405: return "method not allowed";
    case 413: return "request body too large";
    case 414: return "request URI too long";
    case 416: return "range not satisfiable";
    case 503: return "service unavailable";
    default: return status >= 500 ? "internal server error" : "request failed";
  }
}

// Content-Length as a number; false when absent or malformed. strtoull's
// syntax (std::stoull, not common/text.hpp's from_chars): a '-' value wraps
// to a huge one, which the limit then refuses with a 413.
bool content_length(const httplib::Request& req, std::uint64_t& out) {
  if (!req.has_header("Content-Length")) return false;
  const std::string v = req.get_header_value("Content-Length");
  try {
    std::size_t used = 0;
    out = std::stoull(v, &used);
    return used == v.size();
  } catch (...) {
    return false;
  }
}

// A request with neither Content-Length nor Transfer-Encoding has no body
// (RFC 9112 6.3); httplib would wait for the connection to close instead.
bool has_body(const httplib::Request& req) {
  return req.has_header("Content-Length") || req.has_header("Transfer-Encoding");
}

// Past the limit a chunked or encoded body is still read to its end, and
// thrown away, so the connection stays in step for the 413; past twice the
// limit we give up on it.
bool within_drain(std::uint64_t received, std::uint64_t limit) { return received / 2 <= limit; }

std::string too_large_message(std::uint64_t limit) {
  return "request body over the limit of " + std::to_string(limit) + " bytes (--max-request-size)";
}

// match > suspect > error > clean, over the file and all archive members.
// An allowed result counts as clean here (combine would rank it above): the
// response's overall verdict has never been "allowed".
Verdict overall(const std::vector<ScanResult>& results) {
  Verdict v = Verdict::clean;
  for (const ScanResult& r : results) v = combine(v, r.verdict == Verdict::allowed ? Verdict::clean : r.verdict);
  return v;
}

using ScanSlots = std::counting_semaphore<>;

void handle_scan(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& read,
                 const EngineSlot& slot, const ServeConfig& config, ScanSlots& slots) {
  const std::uint64_t limit = config.max_request_bytes;
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
  t_request.bytes = received;

  // httplib sets 413 itself when Content-Length alone is over the limit.
  if (too_large || res.status == 413) return send_error(res, 413, too_large_message(limit));
  if (files > 1) return send_error(res, 400, "one file per request: the form has more than one 'file' field");
  if (!ok) return send_error(res, 400, "could not read the request body (truncated or malformed upload)");
  if (files == 0) return send_error(res, 400, "multipart upload without a 'file' field");
  if (body.empty()) return send_error(res, 400, "empty body: send the file's bytes");
  if (name.empty())
    return send_error(res, 400,
                      multipart ? "missing file name: the 'file' field has no filename"
                                : "missing file name: send it in the X-Filename header or as ?name=");

  // Connections are many and cheap; scans are CPU-bound and few at a time.
  // A request that waits too long for one is told to come back.
  if (!slots.try_acquire_for(config.scan_wait)) {
    res.set_header("Retry-After", "1");
    return send_error(res, 503, "all scan slots busy, retry later");
  }
  struct Release {
    ScanSlots& s;
    ~Release() { s.release(); }
  } release{slots};
  const std::shared_ptr<const Engine> engine = slot.get();  // kept for this request
  const auto bytes = std::as_bytes(std::span<const char>(body.data(), body.size()));
  const std::vector<ScanResult> results = engine->scan_buffer(bytes, name, config.scan);
  const Verdict verdict = overall(results);
  t_request.verdict = to_string(verdict);

  std::string out = "{\"results\":[";
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (i) out += ',';
    out += to_jsonl(results[i]);
  }
  const SignatureSet& set = engine->signatures();
  out += "],\"verdict\":\"";
  out += to_string(verdict);
  out += "\",\"signatures\":";
  out += dump(Json{{"name", set.name}, {"sha256", set.checksum}});
  out += '}';
  send_json(res, 200, out);
}

// Any other request with a body: read it (bounded, discarded) so the
// connection stays in step, then let the error handler answer 404 or 405.
void drain(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& read,
           std::uint64_t limit) {
  std::uint64_t received = 0;
  const auto count = [&](const char*, std::size_t n) { return within_drain(received += n, limit); };
  const auto skip_part = [](const httplib::MultipartFormData&) { return true; };
  const bool ok = !has_body(req) || (req.is_multipart_form_data() ? read(skip_part, count) : read(count));
  t_request.bytes = received;
  const bool too_large = received > limit || res.status == 413;
  if (allowed_methods(req.path) || (ok && !too_large)) {
    res.status = 404;  // the error handler makes it 405 on a known path
    return;
  }
  if (too_large) return send_error(res, 413, too_large_message(limit));
  send_error(res, 400, "could not read the request body");
}

// Bytes and control characters from a URL-decoded path kept out of the log.
std::string loggable(const std::string& s) {
  std::string out = s.substr(0, 256);
  for (char& c : out)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) c = '?';
  return out.empty() ? "-" : out;
}

}  // namespace

void serve_log(const std::string& message) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::fprintf(stderr, "%s %s\n", iso8601_utc(t, static_cast<int>(ms)).c_str(), message.c_str());
}

void install_routes(httplib::Server& server, const EngineSlot& slot, const ServeConfig& config) {
  const std::uint64_t limit = config.max_request_bytes;

  auto slots = std::make_shared<ScanSlots>(std::max<std::ptrdiff_t>(1, config.scan_slots));
  server.Post("/v1/scan", [&slot, &config, slots](const httplib::Request& req, httplib::Response& res,
                                                  const httplib::ContentReader& read) {
    handle_scan(req, res, read, slot, config, *slots);
  });
  const httplib::Server::HandlerWithContentReader other = [limit](const httplib::Request& req,
                                                                  httplib::Response& res,
                                                                  const httplib::ContentReader& read) {
    drain(req, res, read, limit);
  };
  server.Post(".*", other).Put(".*", other).Patch(".*", other).Delete(".*", other);

  server.Get("/v1/health", [](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200, dump(Json{{"status", "ok"}, {"version", engine_version()}}));
  });
  server.Get("/v1/signatures", [&slot](const httplib::Request&, httplib::Response& res) {
    const std::shared_ptr<const Engine> engine = slot.get();
    const SignatureSet& set = engine->signatures();
    send_json(res, 200,
              dump(Json{{"name", set.name},
                        {"created", set.created},
                        {"entries", set.entries.size()},
                        {"sha256", set.checksum},
                        {"engine_version", set.engine_version}}));
  });

  // curl asks before sending a body over 1 MiB: refuse a too large one
  // before it crosses the network.
  server.set_expect_100_continue_handler([limit](const httplib::Request& req, httplib::Response& res) {
    begin_request();
    std::uint64_t announced = 0;
    if (content_length(req, announced) && announced > limit) {
      send_error(res, 413, too_large_message(limit));
      return 413;
    }
    return 100;
  });
  // Two framings of one body are how requests are smuggled past a proxy
  // that reads the other one: refuse them before reading any body.
  server.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    begin_request();
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
    return httplib::Server::HandlerResponse::Unhandled;
  });

  // Every status >= 400 passes here: give it a JSON body, and tell a wrong
  // method on a known path (405) from an unknown path (404).
  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (res.status == 404)
      if (const char* allow = allowed_methods(req.path)) {
        res.status = 405;
        res.set_header("Allow", allow);
        return send_error(res, 405, "method " + req.method + " not allowed on " + req.path + " (allowed: " +
                                        allow + ")");
      }
    if (!res.body.empty()) return;
    if (res.status == 404) return send_error(res, 404, "no such endpoint: " + req.path);
    send_error(res, res.status, reason(res.status));
  });
  server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    serve_log("internal error: " + what);
    send_error(res, 500, "internal error: " + what);
  });

  server.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    const RequestRecord r = t_request;
    t_request = {};
    char ms[32] = "-";
    if (r.start != Clock::time_point{})
      std::snprintf(ms, sizeof ms, "%.1fms",
                    std::chrono::duration<double, std::milli>(Clock::now() - r.start).count());
    const std::uint64_t bytes = std::max<std::uint64_t>(r.bytes, req.body.size());
    // A request line httplib could not parse leaves address and method empty.
    const std::string addr = loggable(req.remote_addr);
    const std::string client = req.remote_port < 0 ? "-"
                               : addr.find(':') != std::string::npos
                                   ? "[" + addr + "]:" + std::to_string(req.remote_port)
                                   : addr + ":" + std::to_string(req.remote_port);
    serve_log(client + " " + loggable(req.method) +
              " " + loggable(req.path) + " " + std::to_string(res.status) + " " + std::to_string(bytes) + " " +
              r.verdict + " " + ms);
  });
}

}  // namespace meshsentry::cli
