// SPDX-License-Identifier: MIT
// POST /v1/scan/batch: several files in one multipart/form-data request,
// each part with a filename is a file, an optional part named "batch" is an
// id echoed back. The answer holds one record per file, in the order sent,
// each the same as /v1/scan's (results and verdict) with the file's name.
#include <httplib.h>

#include <span>
#include <string>
#include <vector>

#include "serve.hpp"
#include "serve_http.hpp"
#include "serve_metrics.hpp"

namespace meshsentry::cli {
namespace {

struct Upload {
  std::string name, bytes;
};

// What reading the form found; `error`/`status` set when it is refused.
struct Form {
  std::vector<Upload> files;
  std::string batch;
  int status = 0;
  std::string error;
};

Form read_form(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& read,
               const ServeConfig& config) {
  Form form;
  const std::uint64_t limit = config.max_request_bytes;
  std::uint64_t received = 0;
  bool too_large = false, too_many = false;
  std::string stray;  // a part that is neither a file nor "batch"
  std::string* sink = nullptr;
  const auto receive = [&](const char* data, std::size_t n) {
    received += n;
    if (received > limit) {
      too_large = true;
      form.files.clear();
      sink = nullptr;
      return within_drain(received, limit);
    }
    if (sink && (sink != &form.batch || form.batch.size() < 256)) sink->append(data, n);
    return true;
  };
  const auto part = [&](const httplib::MultipartFormData& p) {
    sink = nullptr;
    if (too_large) return true;  // draining
    if (!p.filename.empty()) {
      if (form.files.size() >= config.max_batch_files) {
        too_many = true;
        return false;
      }
      form.files.push_back({p.filename, {}});
      sink = &form.files.back().bytes;  // the last one: no push_back until the next part
    } else if (p.name == "batch") {
      sink = &form.batch;
    } else {
      stray = p.name;
      return false;
    }
    return true;
  };
  const bool ok = !has_body(req) || read(part, receive);
  current_request().bytes = received;
  const auto refuse = [&](int status, std::string error) {
    form.status = status;
    form.error = std::move(error);
    return std::move(form);
  };
  if (too_large || res.status == 413) return refuse(413, too_large_message(limit));
  if (too_many)
    return refuse(413,
                  "more than " + std::to_string(config.max_batch_files) + " files in one batch (--max-batch-files)");
  if (!stray.empty()) return refuse(400, "part '" + stray + "' has no filename: every part but 'batch' must be a file");
  if (!ok) return refuse(400, "could not read the request body (truncated or malformed multipart form)");
  if (form.files.empty()) return refuse(400, "no file in the form: send each file as a part with a filename");
  if (!form.batch.empty() && !is_sane_id(form.batch))
    return refuse(400, "the 'batch' field must be 1 to 64 of A-Z a-z 0-9 . _ -");
  return form;
}

}  // namespace

void handle_batch(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& read,
                  const ServeContext& ctx, ScanSlots& slots) {
  if (!req.is_multipart_form_data()) {
    // Read and drop the body, so the connection stays in step.
    std::uint64_t received = 0;
    if (has_body(req))
      read([&](const char*, std::size_t n) { return within_drain(received += n, ctx.config.max_request_bytes); });
    current_request().bytes = received;
    return send_error(res, 400, "send a multipart/form-data body, one part (with a filename) per file");
  }
  Form form = read_form(req, res, read, ctx.config);
  if (form.status) return send_error(res, form.status, form.error);

  const std::shared_ptr<const LoadedSet> loaded = ctx.slot.get();  // one set for the whole batch
  if (!loaded) return send_unavailable(res, "no signature set loaded yet, retry later");
  // One slot for the batch: its files are scanned one after another, so a
  // batch never takes more of the machine than a single upload.
  if (!acquire_or_refuse(slots, ctx.config.scan_wait, res)) return;
  const HeldSlot held(slots);
  ScanOptions options = ctx.config.scan;
  options.allow = loaded->allow;

  std::string out = "{";
  if (!form.batch.empty()) out += "\"batch\":" + dump(Json(form.batch)) + ",";
  out += "\"files\":[";
  Verdict all = Verdict::clean;
  for (std::size_t i = 0; i < form.files.size(); ++i) {
    const Upload& f = form.files[i];
    const auto bytes = std::as_bytes(std::span<const char>(f.bytes.data(), f.bytes.size()));
    const std::vector<ScanResult> results = loaded->engine->scan_buffer(bytes, f.name, options);
    const Verdict verdict = overall(results);
    ctx.metrics.count_scan(verdict, f.bytes.size());
    all = combine(all, verdict);
    if (i) out += ',';
    out += "{\"name\":" + dump(Json(f.name)) + "," + results_json(results, verdict) + "}";
  }
  current_request().verdict = to_string(all);
  const SignatureSet& set = loaded->engine->signatures();
  out += "],\"verdict\":\"";
  out += to_string(all);
  out += "\",\"signatures\":" + dump(Json{{"name", set.name}, {"sha256", set.checksum}}) +
         ",\"request_id\":" + dump(Json(request_id())) + "}";
  send_json(res, 200, out);
}

}  // namespace meshsentry::cli
