// SPDX-License-Identifier: MIT
#include "serve_http.hpp"

#include <random>

#include "common/json_numbers.hpp"
#include "meshsentry/report.hpp"

namespace meshsentry::cli {
namespace {

thread_local RequestRecord t_request;

}  // namespace

std::string new_request_id() {
  // Per thread, seeded once from the OS: ids need to be unique, not secret.
  thread_local std::mt19937_64 rng{(std::uint64_t(std::random_device{}()) << 32) ^ std::random_device{}()};
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(rng()));
  return out;
}

RequestRecord& current_request() { return t_request; }

bool is_sane_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) return false;
  return true;
}

void begin_request(const httplib::Request& req) {
  t_request = {std::chrono::steady_clock::now(), 0, "-", {}};
  const std::string id = req.get_header_value("X-Request-Id");
  t_request.id = is_sane_id(id) ? id : new_request_id();
}

const std::string& request_id() {
  if (t_request.id.empty()) t_request.id = new_request_id();
  return t_request.id;
}

std::string dump(const Json& j) { return dump_json(j); }

void send_json(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  send_json(res, status, dump(Json{{"error", message}, {"request_id", request_id()}}));
}

void send_unavailable(httplib::Response& res, const std::string& message) {
  res.set_header("Retry-After", "1");
  send_error(res, 503, message);
}

// Connections are many and cheap; scans are CPU-bound and few at a time. A
// request that waits too long for one is told to come back.
bool acquire_or_refuse(ScanSlots& slots, std::chrono::seconds wait, httplib::Response& res) {
  if (slots.try_acquire_for(wait)) return true;
  send_unavailable(res, "all scan slots busy, retry later");
  return false;
}

// strtoull's syntax (std::stoull, not common/text.hpp's from_chars): a '-'
// value wraps to a huge one, which the limit then refuses with a 413.
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

// RFC 9112 6.3; httplib would wait for the connection to close instead.
bool has_body(const httplib::Request& req) {
  return req.has_header("Content-Length") || req.has_header("Transfer-Encoding");
}

// Reading an over-long body to its end keeps the connection in step for
// the 413; past twice the limit we give up on it.
bool within_drain(std::uint64_t received, std::uint64_t limit) { return received / 2 <= limit; }

std::string too_large_message(std::uint64_t limit) {
  return "request body over the limit of " + std::to_string(limit) + " bytes (--max-request-size)";
}

Verdict overall(const std::vector<ScanResult>& results) {
  Verdict v = Verdict::clean;
  for (const ScanResult& r : results) v = combine(v, r.verdict == Verdict::allowed ? Verdict::clean : r.verdict);
  return v;
}

std::string results_json(const std::vector<ScanResult>& results, Verdict verdict) {
  std::string out = "\"results\":[";
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (i) out += ',';
    out += to_jsonl(results[i]);
  }
  out += "],\"verdict\":\"";
  out += to_string(verdict);
  out += '"';
  return out;
}

}  // namespace meshsentry::cli
