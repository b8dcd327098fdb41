// SPDX-License-Identifier: MIT
#include "serve_metrics.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>

#include "meshsentry/io.hpp"
#include "serve.hpp"

namespace meshsentry::cli {
namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;

// Prometheus floats: integers without a fraction, others with enough digits.
std::string num(double v) {
  char buf[40];
  if (v == std::floor(v) && std::fabs(v) < 1e15) std::snprintf(buf, sizeof buf, "%.0f", v);
  else std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// A label value: backslash, quote and newline escaped as the format says.
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void head(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void sample(std::string& out, const std::string& name, double value) { out += name + ' ' + num(value) + '\n'; }

}  // namespace

double parse_iso8601_utc(const std::string& text) {
  std::tm tm{};
  char z = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &z) != 7 ||
      z != 'Z')
    return -1;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return double(timegm(&tm));
}

void ServeMetrics::observe_request(int status, double seconds) {
  if (status >= 0 && status < int(by_status_.size())) by_status_[std::size_t(status)].fetch_add(1, kRelaxed);
  std::size_t b = 0;
  while (b < kBuckets.size() && seconds > kBuckets[b]) ++b;
  buckets_[b].fetch_add(1, kRelaxed);
  latency_micros_.fetch_add(std::uint64_t(std::max(0.0, seconds) * 1e6), kRelaxed);
  requests_.fetch_add(1, kRelaxed);
}

void ServeMetrics::count_scan(Verdict verdict, std::uint64_t bytes) {
  scans_[std::size_t(verdict)].fetch_add(1, kRelaxed);
  bytes_.fetch_add(bytes, kRelaxed);
}

std::string ServeMetrics::render(const LoadedSet* loaded) const {
  std::string out;
  head(out, "meshsentry_scans_total", "counter", "Files scanned, by overall verdict (batch files count one each).");
  for (Verdict v : {Verdict::clean, Verdict::match, Verdict::suspect, Verdict::error, Verdict::allowed})
    sample(out, std::string("meshsentry_scans_total{verdict=\"") + to_string(v) + "\"}",
           double(scans_[std::size_t(v)].load(kRelaxed)));
  head(out, "meshsentry_scan_errors_total", "counter",
       "Files whose scan ended in an error (unreadable or over a limit).");
  sample(out, "meshsentry_scan_errors_total", double(scans_[std::size_t(Verdict::error)].load(kRelaxed)));
  head(out, "meshsentry_scanned_bytes_total", "counter", "Bytes of files scanned.");
  sample(out, "meshsentry_scanned_bytes_total", double(bytes_.load(kRelaxed)));

  head(out, "meshsentry_http_requests_total", "counter", "Requests answered, by HTTP status code.");
  for (std::size_t s = 0; s < by_status_.size(); ++s)
    if (const std::uint64_t n = by_status_[s].load(kRelaxed))
      sample(out, "meshsentry_http_requests_total{code=\"" + std::to_string(s) + "\"}", double(n));
  head(out, "meshsentry_http_request_duration_seconds", "histogram",
       "Time from a request's first byte to its response, in seconds.");
  std::uint64_t cumulative = 0;
  for (std::size_t b = 0; b < buckets_.size(); ++b) {
    cumulative += buckets_[b].load(kRelaxed);
    const std::string le = b < kBuckets.size() ? num(kBuckets[b]) : "+Inf";
    sample(out, "meshsentry_http_request_duration_seconds_bucket{le=\"" + le + "\"}", double(cumulative));
  }
  sample(out, "meshsentry_http_request_duration_seconds_sum", double(latency_micros_.load(kRelaxed)) / 1e6);
  sample(out, "meshsentry_http_request_duration_seconds_count", double(cumulative));
  head(out, "meshsentry_http_requests_in_flight", "gauge", "Requests being read, scanned or answered now.");
  sample(out, "meshsentry_http_requests_in_flight", double(in_flight.load(kRelaxed)));
  head(out, "meshsentry_http_connections_refused_total", "counter",
       "Connections answered 503 at once because --max-connections were open.");
  sample(out, "meshsentry_http_connections_refused_total", double(refused_.load(kRelaxed)));
  head(out, "meshsentry_http_unauthorized_total", "counter", "Requests refused with 401 (missing or wrong token).");
  sample(out, "meshsentry_http_unauthorized_total", double(unauthorized_.load(kRelaxed)));
  head(out, "meshsentry_internal_errors_total", "counter", "Requests that ended in an internal error (500).");
  sample(out, "meshsentry_internal_errors_total", double(internal_errors_.load(kRelaxed)));
  head(out, "meshsentry_reloads_total", "counter", "SIGHUP reloads, by result.");
  sample(out, "meshsentry_reloads_total{result=\"ok\"}", double(reloads_.load(kRelaxed)));
  sample(out, "meshsentry_reloads_total{result=\"failed\"}", double(reload_failures_.load(kRelaxed)));
  // The pool of isolation workers (zeros with --fork-per-file or --no-isolation).
  const IsolationPoolStats pool = isolation_pool_stats();
  head(out, "meshsentry_isolation_files_total", "counter", "Assimp/CAD files read by an isolation worker.");
  sample(out, "meshsentry_isolation_files_total", double(pool.files));
  head(out, "meshsentry_isolation_workers_started_total", "counter", "Isolation workers forked.");
  sample(out, "meshsentry_isolation_workers_started_total", double(pool.forked));
  head(out, "meshsentry_isolation_workers_ended_total", "counter",
       "Isolation workers ended, by reason: killed (a crash, a limit, a bad answer) or retired (files or growth).");
  sample(out, "meshsentry_isolation_workers_ended_total{reason=\"killed\"}", double(pool.killed));
  sample(out, "meshsentry_isolation_workers_ended_total{reason=\"retired\"}", double(pool.retired));

  const std::shared_ptr<const Engine> engine = loaded ? loaded->engine : nullptr;
  head(out, "meshsentry_signature_set_loaded", "gauge", "1 while a signature set is loaded.");
  sample(out, "meshsentry_signature_set_loaded", engine ? 1 : 0);
  if (!engine) return out;
  const SignatureSet& set = engine->signatures();
  const double now = double(std::time(nullptr)), created = parse_iso8601_utc(set.created);
  head(out, "meshsentry_signature_set_info", "gauge",
       "The loaded signature set (always 1; its name and sha256 as labels).");
  sample(out, "meshsentry_signature_set_info{name=\"" + label(set.name) + "\",sha256=\"" + label(set.checksum) + "\"}",
         1);
  head(out, "meshsentry_signature_set_entries", "gauge", "Signatures in the loaded set.");
  sample(out, "meshsentry_signature_set_entries", double(set.entries.size()));
  if (created >= 0) {
    head(out, "meshsentry_signature_set_age_seconds", "gauge",
         "Seconds since the loaded set was built (its created time).");
    sample(out, "meshsentry_signature_set_age_seconds", std::max(0.0, now - created));
  }
  head(out, "meshsentry_signature_set_load_timestamp_seconds", "gauge", "When the loaded set was loaded (Unix time).");
  sample(out, "meshsentry_signature_set_load_timestamp_seconds",
         double(std::chrono::system_clock::to_time_t(loaded->loaded_at)));
  head(out, "meshsentry_allow_list_entries", "gauge", "Rules in the loaded allow-list (0 without --allow).");
  sample(out, "meshsentry_allow_list_entries",
         loaded->allow ? double(loaded->allow->sha256.size() + loaded->allow->geometry.size()) : 0);
  return out;
}

}  // namespace meshsentry::cli
