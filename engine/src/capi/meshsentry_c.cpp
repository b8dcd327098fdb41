// SPDX-License-Identifier: MIT
// The C API over Engine: every entry point catches everything, so no
// exception crosses into C, and reports through codes and a per-thread
// message.
#include "meshsentry/meshsentry.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <nlohmann/json.hpp>
#include <string>

#include "meshsentry/engine.hpp"
#include "meshsentry/report.hpp"

struct ms_engine {
  meshsentry::Engine engine;
  meshsentry::ScanOptions options;
};

namespace {

thread_local std::string last_error;

int fail(int code, std::string message) {
  last_error = std::move(message);
  return code;
}

char* copy_out(const std::string& s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p) std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}

int deliver(const std::vector<meshsentry::ScanResult>& results, char** json_out) {
  std::string json = "[";
  meshsentry::Verdict worst = meshsentry::Verdict::clean;
  for (const auto& r : results) {
    if (json.size() > 1) json += ',';
    json += meshsentry::to_jsonl(r);
    worst = meshsentry::combine(worst, r.verdict);
  }
  json += ']';
  if (!(*json_out = copy_out(json))) return fail(MS_ERR_MEMORY, "out of memory");
  last_error.clear();
  // An allowed file is clean to the caller.
  return meshsentry::is_flagged(worst) ? MS_FLAGGED : worst == meshsentry::Verdict::error ? MS_SCAN_ERROR : MS_CLEAN;
}

// Runs `body`, turning any exception into an error code.
template <class F>
int guarded(F&& body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return fail(MS_ERR_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    return fail(MS_ERR_INTERNAL, std::string("internal error: ") + e.what());
  } catch (...) {
    return fail(MS_ERR_INTERNAL, "internal error");
  }
}

}  // namespace

extern "C" {

const char* ms_version(void) { return meshsentry::engine_version(); }

const char* ms_last_error(void) { return last_error.c_str(); }

int ms_engine_open_trusted(const char* signature_path, const char* const* trusted_keys, size_t count,
                           ms_engine** out) {
  return guarded([&] {
    if (!signature_path || !out || (count && !trusted_keys))
      return fail(MS_ERR_ARGUMENT, "ms_engine_open: NULL argument");
    *out = nullptr;
    meshsentry::TrustOptions trust;
    for (size_t i = 0; i < count; ++i) {
      if (!trusted_keys[i]) return fail(MS_ERR_ARGUMENT, "ms_engine_open_trusted: NULL key path");
      trust.trusted_keys.emplace_back(trusted_keys[i]);
    }
    auto engine = meshsentry::Engine::open(signature_path, trust);
    if (!engine) return fail(MS_ERR_SIGNATURES, engine.status().message);
    *out = new ms_engine{std::move(engine.value()), {}};
    (*out)->options.timing = false;  // byte-identical answers for identical input
    last_error.clear();
    return int(MS_OK);
  });
}

int ms_engine_open(const char* signature_path, ms_engine** out) {
  return ms_engine_open_trusted(signature_path, nullptr, 0, out);
}

void ms_engine_free(ms_engine* engine) { delete engine; }

int ms_engine_set_threads(ms_engine* engine, int threads) {
  if (!engine || threads < 0 || threads > 1024) return fail(MS_ERR_ARGUMENT, "threads must be 0 to 1024");
  engine->options.threads = threads;
  return MS_OK;
}

int ms_engine_set_threshold(ms_engine* engine, double threshold) {
  if (!engine || !(threshold >= 0 && threshold <= 1)) return fail(MS_ERR_ARGUMENT, "threshold must be in [0, 1]");
  engine->options.match_threshold = threshold;
  return MS_OK;
}

int ms_engine_set_pieces(ms_engine* engine, int on) {
  if (!engine || (on != 0 && on != 1)) return fail(MS_ERR_ARGUMENT, "pieces must be 0 or 1");
  engine->options.pieces = on == 1;
  return MS_OK;
}

int ms_engine_info(const ms_engine* engine, char** json_out) {
  return guarded([&] {
    if (!engine || !json_out) return fail(MS_ERR_ARGUMENT, "ms_engine_info: NULL argument");
    const auto& set = engine->engine.signatures();
    const nlohmann::json j = {{"name", set.name},
                              {"created", set.created},
                              {"entries", set.entries.size()},
                              {"sha256", set.checksum},
                              {"engine_version", meshsentry::engine_version()}};
    if (!(*json_out = copy_out(j.dump()))) return fail(MS_ERR_MEMORY, "out of memory");
    return int(MS_OK);
  });
}

int ms_scan_path(const ms_engine* engine, const char* path, char** json_out) {
  return guarded([&] {
    if (!engine || !path || !json_out) return fail(MS_ERR_ARGUMENT, "ms_scan_path: NULL argument");
    *json_out = nullptr;
    return deliver(engine->engine.scan_paths({path}, engine->options), json_out);
  });
}

int ms_scan_buffer(const ms_engine* engine, const void* data, size_t size, const char* name, char** json_out) {
  return guarded([&] {
    if (!engine || (!data && size) || !json_out) return fail(MS_ERR_ARGUMENT, "ms_scan_buffer: NULL argument");
    *json_out = nullptr;
    const std::span<const std::byte> bytes(static_cast<const std::byte*>(data), size);
    return deliver(engine->engine.scan_buffer(bytes, name ? name : "buffer", engine->options), json_out);
  });
}

void ms_string_free(char* s) { std::free(s); }

}  // extern "C"
