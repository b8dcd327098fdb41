// SPDX-License-Identifier: MIT
// What the handlers of `meshsentry serve` share: the per-request record the
// log line and metrics read, request ids, JSON responses and the body limit.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <semaphore>
#include <string>
#include <vector>

#include "meshsentry/scan.hpp"

namespace meshsentry::cli {

using Json = nlohmann::ordered_json;

// What the log line needs but httplib's Request/Response do not carry. A
// request is handled start to end on one pool thread, so this is per
// request; the expect-100 and pre-routing hooks start it, the logger ends it.
struct RequestRecord {
  std::chrono::steady_clock::time_point start{};
  std::uint64_t bytes = 0;
  const char* verdict = "-";
  std::string id;
};
RequestRecord& current_request();

// Starts the record: the client's X-Request-Id when it is sane (1 to 64 of
// [A-Za-z0-9._-]), else a new random one.
void begin_request(const httplib::Request& req);
// The current request's id (made now if no hook ran, e.g. a request line
// httplib could not parse).
const std::string& request_id();
// 16 random hex digits.
std::string new_request_id();
// 1 to 64 of [A-Za-z0-9._-]: safe in a header, a log line and JSON.
bool is_sane_id(const std::string& id);

std::string dump(const Json& j);
void send_json(httplib::Response& res, int status, const std::string& body);
// {"error": message, "request_id": ...}
void send_error(httplib::Response& res, int status, const std::string& message);

// 503 with Retry-After: 1, for what a client should simply try again.
void send_unavailable(httplib::Response& res, const std::string& message);

// Scans at once; a request waits up to --request-timeout for a slot.
using ScanSlots = std::counting_semaphore<>;
// Takes a slot, or answers 503 and returns false.
bool acquire_or_refuse(ScanSlots& slots, std::chrono::seconds wait, httplib::Response& res);
// A slot that acquire_or_refuse took, given back when the scope ends.
class HeldSlot {
 public:
  explicit HeldSlot(ScanSlots& slots) : slots_(slots) {}
  ~HeldSlot() { slots_.release(); }
  HeldSlot(const HeldSlot&) = delete;
  HeldSlot& operator=(const HeldSlot&) = delete;

 private:
  ScanSlots& slots_;
};

// Content-Length as a number; false when absent or malformed.
bool content_length(const httplib::Request& req, std::uint64_t& out);
// A request with neither Content-Length nor Transfer-Encoding has no body.
bool has_body(const httplib::Request& req);
// Past the limit a body is still read (and dropped) up to twice the limit.
bool within_drain(std::uint64_t received, std::uint64_t limit);
std::string too_large_message(std::uint64_t limit);

// match > suspect > error > clean over a file and its archive members; an
// allowed result counts as clean (the overall verdict is never "allowed").
Verdict overall(const std::vector<ScanResult>& results);
// {"results":[...jsonl records...],"verdict":...} without the closing brace's
// neighbours: the part /v1/scan and each batch record share.
std::string results_json(const std::vector<ScanResult>& results, Verdict verdict);

struct ServeContext;
// POST /v1/scan/batch (serve_batch.cpp).
void handle_batch(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& read,
                  const ServeContext& ctx, ScanSlots& slots);

}  // namespace meshsentry::cli
