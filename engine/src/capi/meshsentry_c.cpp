// SPDX-License-Identifier: MIT
// The C API over Engine: every entry point catches everything, so no
// exception crosses into C, and reports through codes and a per-thread
// message.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <nlohmann/json.hpp>
#include <string>

#include "meshsentry/engine.hpp"
#include "meshsentry/meshsentry.h"
#include "meshsentry/report.hpp"

struct ms_engine {
  meshsentry::Engine engine;
  meshsentry::ScanOptions options;
};

// A lock-free atomic, so raising it is safe from a signal handler too.
struct ms_cancel {
  std::atomic<bool> flag{false};
};
static_assert(std::atomic<bool>::is_always_lock_free);

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

// The scan code over all records: flagged beats error beats clean (an
// allowed file is clean to the caller); a raised cancel flag makes it
// MS_INTERRUPTED, as `scan` reports a run stopped by a signal.
class Outcome {
 public:
  void add(const meshsentry::ScanResult& r) { worst_ = meshsentry::combine(worst_, r.verdict); }
  int code(const meshsentry::ScanOptions& options) const {
    if (options.cancel && options.cancel->load()) return MS_INTERRUPTED;
    if (meshsentry::is_flagged(worst_)) return MS_FLAGGED;
    return worst_ == meshsentry::Verdict::error ? MS_SCAN_ERROR : MS_CLEAN;
  }

 private:
  meshsentry::Verdict worst_ = meshsentry::Verdict::clean;
};

// Collects records into one JSON array for *json_out.
class ArrayOut {
 public:
  void add(const meshsentry::ScanResult& r) {
    json_ += json_.size() > 1 ? "," : "";
    json_ += meshsentry::to_jsonl(r);
    outcome_.add(r);
  }
  int deliver(const meshsentry::ScanOptions& options, char** json_out) {
    json_ += ']';
    if (!(*json_out = copy_out(json_))) return fail(MS_ERR_MEMORY, "out of memory");
    last_error.clear();
    return outcome_.code(options);
  }

 private:
  std::string json_ = "[";
  Outcome outcome_;
};

// Hands each record to the application's callback as it comes.
class CallbackOut {
 public:
  CallbackOut(ms_result_callback callback, void* user) : callback_(callback), user_(user) {}
  void add(const meshsentry::ScanResult& r) {
    callback_(meshsentry::to_jsonl(r).c_str(), user_);
    outcome_.add(r);
  }
  int deliver(const meshsentry::ScanOptions& options) {
    last_error.clear();
    return outcome_.code(options);
  }

 private:
  ms_result_callback callback_;
  void* user_;
  Outcome outcome_;
};

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

// The per-file limits by ms_limit, with the lowest value each takes and the
// caps `scan`'s flags apply (scan_flags.cpp).
struct LimitField {
  double min, cap;
  double (*get)(const meshsentry::ScanOptions&);
  void (*set)(meshsentry::ScanOptions&, double);
};

const LimitField* limit_field(int limit) {
  using O = meshsentry::ScanOptions;
  static const LimitField fields[] = {
      {1, 1e18, [](const O& o) { return double(o.load.max_file_bytes); },
       [](O& o, double v) { o.load.max_file_bytes = std::uint64_t(v); }},
      {1, 1e18, [](const O& o) { return double(o.load.max_triangles); },
       [](O& o, double v) { o.load.max_triangles = std::uint64_t(v); }},
      {1, 1e18, [](const O& o) { return double(o.load.max_vertices); },
       [](O& o, double v) { o.load.max_vertices = std::uint64_t(v); }},
      {1, 1e6, [](const O& o) { return double(o.load.max_seconds); },
       [](O& o, double v) { o.load.max_seconds = unsigned(v); }},
      {1, 1e18, [](const O& o) { return double(o.archive.max_total_bytes); },
       [](O& o, double v) { o.archive.max_total_bytes = std::uint64_t(v); }},
      {1, 1e18, [](const O& o) { return double(o.archive.max_member_bytes); },
       [](O& o, double v) { o.archive.max_member_bytes = std::uint64_t(v); }},
      {1, 4e9, [](const O& o) { return double(o.archive.max_members); },
       [](O& o, double v) { o.archive.max_members = std::uint32_t(v); }},
      {0, 64, [](const O& o) { return double(o.max_archive_depth); },
       [](O& o, double v) { o.max_archive_depth = std::uint32_t(v); }},
      {1, 1e18, [](const O& o) { return o.archive.max_ratio; }, [](O& o, double v) { o.archive.max_ratio = v; }},
  };
  return limit >= MS_LIMIT_FILE_SIZE && limit <= MS_LIMIT_RATIO ? &fields[limit - MS_LIMIT_FILE_SIZE] : nullptr;
}

}  // namespace

extern "C" {

const char* ms_version(void) { return meshsentry::engine_version(); }

const char* ms_last_error(void) { return last_error.c_str(); }

int ms_engine_open_trusted(const char* signature_path, const char* const* trusted_keys, size_t count, ms_engine** out) {
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

int ms_engine_set_limit(ms_engine* engine, ms_limit limit, double value) {
  const LimitField* f = limit_field(limit);
  if (!engine || !f) return fail(MS_ERR_ARGUMENT, "ms_engine_set_limit: NULL engine or unknown limit");
  if (!(value >= f->min && value <= 1e18))
    return fail(MS_ERR_ARGUMENT, "ms_engine_set_limit: value must be " + std::string(f->min ? "1" : "0") + " to 1e18");
  f->set(engine->options, std::min(value, f->cap));
  return MS_OK;
}

int ms_engine_get_limit(const ms_engine* engine, ms_limit limit, double* value) {
  const LimitField* f = limit_field(limit);
  if (!engine || !f || !value) return fail(MS_ERR_ARGUMENT, "ms_engine_get_limit: NULL argument or unknown limit");
  *value = f->get(engine->options);
  return MS_OK;
}

int ms_engine_set_allow_list(ms_engine* engine, const char* path) {
  return guarded([&] {
    if (!engine) return fail(MS_ERR_ARGUMENT, "ms_engine_set_allow_list: NULL engine");
    if (!path) {
      engine->options.allow.reset();
      return int(MS_OK);
    }
    auto list = meshsentry::read_allow_list(path);
    if (!list) return fail(MS_ERR_ALLOW_LIST, list.status().message);
    engine->options.allow = std::make_shared<const meshsentry::AllowList>(std::move(list.value()));
    return int(MS_OK);
  });
}

int ms_engine_set_isolation(ms_engine* engine, int on) {
  if (!engine || (on != 0 && on != 1)) return fail(MS_ERR_ARGUMENT, "isolation must be 0 or 1");
  engine->options.load.isolate = on == 1;
  return MS_OK;
}

ms_cancel* ms_cancel_new(void) { return new (std::nothrow) ms_cancel; }
void ms_cancel_request(ms_cancel* cancel) {
  if (cancel) cancel->flag.store(true);
}
void ms_cancel_reset(ms_cancel* cancel) {
  if (cancel) cancel->flag.store(false);
}
int ms_cancel_requested(const ms_cancel* cancel) { return cancel && cancel->flag.load() ? 1 : 0; }
void ms_cancel_free(ms_cancel* cancel) { delete cancel; }

int ms_engine_set_cancel(ms_engine* engine, ms_cancel* cancel) {
  if (!engine) return fail(MS_ERR_ARGUMENT, "ms_engine_set_cancel: NULL engine");
  engine->options.cancel = cancel ? &cancel->flag : nullptr;
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
    ArrayOut out;
    engine->engine.scan_paths({path}, engine->options, [&](const meshsentry::ScanResult& r) { out.add(r); });
    return out.deliver(engine->options, json_out);
  });
}

int ms_scan_buffer(const ms_engine* engine, const void* data, size_t size, const char* name, char** json_out) {
  return guarded([&] {
    if (!engine || (!data && size) || !json_out) return fail(MS_ERR_ARGUMENT, "ms_scan_buffer: NULL argument");
    *json_out = nullptr;
    ArrayOut out;
    const std::span<const std::byte> bytes(static_cast<const std::byte*>(data), size);
    for (const auto& r : engine->engine.scan_buffer(bytes, name ? name : "buffer", engine->options)) out.add(r);
    return out.deliver(engine->options, json_out);
  });
}

int ms_scan_path_each(const ms_engine* engine, const char* path, ms_result_callback callback, void* user) {
  return guarded([&] {
    if (!engine || !path || !callback) return fail(MS_ERR_ARGUMENT, "ms_scan_path_each: NULL argument");
    CallbackOut out(callback, user);
    engine->engine.scan_paths({path}, engine->options, [&](const meshsentry::ScanResult& r) { out.add(r); });
    return out.deliver(engine->options);
  });
}

int ms_scan_buffer_each(const ms_engine* engine, const void* data, size_t size, const char* name,
                        ms_result_callback callback, void* user) {
  return guarded([&] {
    if (!engine || (!data && size) || !callback) return fail(MS_ERR_ARGUMENT, "ms_scan_buffer_each: NULL argument");
    CallbackOut out(callback, user);
    const std::span<const std::byte> bytes(static_cast<const std::byte*>(data), size);
    for (const auto& r : engine->engine.scan_buffer(bytes, name ? name : "buffer", engine->options)) out.add(r);
    return out.deliver(engine->options);
  });
}

void ms_string_free(char* s) { std::free(s); }

}  // extern "C"
