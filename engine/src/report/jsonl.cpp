// SPDX-License-Identifier: MIT
// JSON writers. Field order is fixed (ordered_json) and numbers are rounded
// to 6 significant places, so equal results print as equal bytes; each
// double prints in its shortest form (common/json_numbers.hpp).
#include <cmath>

#include "common/json_numbers.hpp"
#include "meshsentry/report.hpp"
#include "report/names.hpp"
#include "report/result_json.hpp"

namespace meshsentry {
namespace {

double round6(double x) {
  if (x == 0 || !std::isfinite(x)) return 0;
  const double mag = std::pow(10.0, 5 - static_cast<int>(std::floor(std::log10(std::abs(x)))));
  return std::round(x * mag) / mag;
}

nlohmann::ordered_json match_json(const Match& m, bool full) {
  nlohmann::ordered_json j;
  j["signature"] = m.signature;
  j["score"] = round6(m.score);
  j["label"] = m.label;
  j["class"] = m.cls;
  if (full) j["severity"] = m.severity;
  j["method"] = to_string(m.method);
  if (full) j["verdict"] = to_string(m.verdict);
  if (full && !m.reason.empty()) j["reason"] = m.reason;
  j["body"] = m.body;
  j["scale"] = round6(m.scale);
  if (full) {
    j["mirrored"] = m.mirrored;
    j["coverage"] = round6(m.coverage);
    j["fit"] = round6(m.fit);
    j["explained"] = round6(m.explained);
    j["detail"] = round6(m.detail);
    if (m.deformed()) {
      nlohmann::ordered_json d;
      d["axis_scale"] = {round6(m.axis_scale[0]), round6(m.axis_scale[1]), round6(m.axis_scale[2])};
      auto axes = nlohmann::ordered_json::array();
      for (int a = 0; a < 3; ++a)
        axes.push_back(
            {round6(m.stretch_axes[3 * a]), round6(m.stretch_axes[3 * a + 1]), round6(m.stretch_axes[3 * a + 2])});
      d["axes"] = axes;
      d["offset"] = round6(m.offset);
      if (m.bend_deg != 0) d["bend_deg"] = round6(m.bend_deg);
      j["deformation"] = d;
    }
    auto t = nlohmann::ordered_json::array();
    for (double v : m.transform) t.push_back(round6(v));
    j["transform"] = t;
  }
  return j;
}

}  // namespace

nlohmann::ordered_json result_to_json(const ScanResult& r) {
  nlohmann::ordered_json j;
  // JSON strings are Unicode: a name that is not UTF-8 is written in the
  // escaped form of text output, flagged, so that no byte is replaced and two
  // such names never print alike.
  if (is_valid_utf8(r.path)) j["path"] = r.path;
  else {
    j["path"] = escape_name(r.path);
    j["path_bytes_escaped"] = true;
  }
  j["verdict"] = to_string(r.verdict);
  auto matches = nlohmann::ordered_json::array();
  for (const Match& m : r.matches) matches.push_back(match_json(m, true));
  j["matches"] = matches;
  auto cands = nlohmann::ordered_json::array();
  for (const Match& m : r.candidates) cands.push_back(match_json(m, false));
  j["candidates"] = cands;
  if (r.verdict == Verdict::error) j["error"] = r.error;
  if (r.verdict == Verdict::allowed) j["allowed_by"] = r.allowed_by;
  j["sha256"] = r.sha256;
  j["format"] = format_name(r.format);
  if (!r.mismatch_extension.empty()) {
    const std::string& e = r.mismatch_extension;
    j["extension_mismatch"] = {{"extension", is_valid_utf8(e) ? e : escape_name(e)}, {"content", r.mismatch_content}};
  }
  j["bytes"] = r.bytes;
  j["triangles"] = r.triangles;
  j["bodies"] = r.bodies;
  if (!r.hash.empty()) j["geometry_hash"] = r.hash.hex();
  if (is_archive(r.format) || r.members) j["members"] = r.members;  // a print project's plates too
  if (r.elapsed_ms > 0) j["elapsed_ms"] = std::round(r.elapsed_ms * 100) / 100;
  return j;
}

std::string to_jsonl(const ScanResult& r) { return dump_json(result_to_json(r)); }

void RunSummary::add(const ScanResult& r) noexcept {
  ++files;
  flagged += is_flagged(r.verdict);
  errors += r.verdict == Verdict::error;
  allowed += r.verdict == Verdict::allowed;
}

void RunSummary::add(const SkippedFile& s) noexcept {
  ++skipped;
  ++skipped_by[static_cast<std::size_t>(s.reason)];
}

namespace {

constexpr SkipReason kReasons[] = {SkipReason::not_3d,           SkipReason::empty,
                                   SkipReason::over_limit,       SkipReason::symlink_not_followed,
                                   SkipReason::dangling_symlink, SkipReason::device_or_fifo};

nlohmann::ordered_json skipped_json(const SkippedFile& s, const char* reason_key) {
  nlohmann::ordered_json j;
  if (is_valid_utf8(s.path)) j["path"] = s.path;
  else {
    j["path"] = escape_name(s.path);
    j["path_bytes_escaped"] = true;
  }
  j[reason_key] = to_string(s.reason);
  if (!s.content.empty()) j["content"] = s.content;
  j["bytes"] = s.bytes;
  return j;
}

}  // namespace

std::string RunSummary::skipped_text() const {
  if (!skipped) return {};
  std::string s = std::to_string(skipped) + " skipped (";
  bool first = true;
  for (SkipReason r : kReasons)
    if (const std::size_t n = skipped_by[static_cast<std::size_t>(r)]) {
      s += std::string(first ? "" : ", ") + to_string(r) + " " + std::to_string(n);
      first = false;
    }
  return s + ")";
}

std::string skipped_to_jsonl(const SkippedFile& s) { return dump_json(skipped_json(s, "skipped")); }

std::string skipped_to_text(const SkippedFile& s) {
  std::string why = to_string(s.reason);
  if (!s.content.empty() && s.reason == SkipReason::not_3d) why += ": " + s.content;
  return escape_name(s.path) + ": skipped (" + why + ")";
}

std::string json_document_head(const RunInfo& info) {
  nlohmann::ordered_json doc;
  doc["engine"] = {{"name", "meshsentry"}, {"version", engine_version()}};
  doc["signatures"] = {
      {"name", info.signature_name}, {"checksum", info.signature_checksum}, {"entries", info.signature_entries}};
  const ScanOptions& o = info.options;
  doc["settings"] = {{"threshold", info.threshold},
                     {"candidates", o.candidates},
                     {"verify_stage", o.verify},
                     {"fused_stage", o.partial},
                     {"piece_stage", o.partial && o.pieces},
                     {"isolation", o.load.isolate},
                     {"follow_symlinks", o.follow_symlinks},
                     {"allow_rules", o.allow ? o.allow->sha256.size() + o.allow->geometry.size() : 0},
                     {"limits",
                      {{"max_file_bytes", o.load.max_file_bytes},
                       {"max_triangles", o.load.max_triangles},
                       {"max_seconds", o.load.max_seconds},
                       {"max_scan_bytes", o.archive.max_total_bytes},
                       {"max_member_bytes", o.archive.max_member_bytes},
                       {"max_files", o.archive.max_members},
                       {"max_recursion", o.max_archive_depth},
                       {"max_ratio", o.archive.max_ratio}}}};
  // The examiner's case fields, only where given: a run without them keeps
  // the document it always had.
  if (!(info.case_id + info.exhibit + info.examiner + info.notes).empty()) {
    nlohmann::ordered_json c = nlohmann::ordered_json::object();
    if (!info.case_id.empty()) c["id"] = info.case_id;
    if (!info.exhibit.empty()) c["exhibit"] = info.exhibit;
    if (!info.examiner.empty()) c["examiner"] = info.examiner;
    if (!info.notes.empty()) c["notes"] = info.notes;
    doc["case"] = c;
  }
  doc["started"] = info.started;
  std::string s = dump_json(doc, 2);
  s.resize(s.size() - 2);  // reopen the object: drop "\n}"
  return s + ",\n  \"files\": [";
}

std::string json_document_item(const ScanResult& result, bool first) {
  // Indented as an element of "files"; strings hold no raw newline (JSON
  // escapes it), so every newline of the dump is one of its layout.
  const std::string item = dump_json(result_to_json(result), 2);
  std::string s = first ? "\n    " : ",\n    ";
  for (char c : item) {
    s += c;
    if (c == '\n') s += "    ";
  }
  return s;
}

std::string json_document_tail(const RunSummary& summary, const RunInfo& info,
                               const std::vector<SkippedFile>& skipped) {
  nlohmann::ordered_json tail;
  auto passed = nlohmann::ordered_json::array();
  for (const SkippedFile& s : skipped) passed.push_back(skipped_json(s, "reason"));
  tail["skipped"] = passed;
  tail["finished"] = info.finished;
  nlohmann::ordered_json by_reason;
  for (SkipReason r : kReasons) by_reason[to_string(r)] = summary.skipped_by[static_cast<std::size_t>(r)];
  tail["summary"] = {{"files", summary.files},         {"flagged", summary.flagged}, {"errors", summary.errors},
                     {"allowed", summary.allowed},     {"skipped", summary.skipped}, {"skipped_by_reason", by_reason},
                     {"interrupted", info.interrupted}};
  const std::string t = dump_json(tail, 2);
  // Close "files" (on its own line unless empty, as dump prints arrays),
  // then the tail's members after its opening "{".
  return std::string(summary.files ? "\n  ]" : "]") + "," + t.substr(1);
}

std::string to_json_document(const std::vector<ScanResult>& results, const RunInfo& info,
                             const std::vector<SkippedFile>& skipped) {
  std::string s = json_document_head(info);
  RunSummary summary;
  for (const ScanResult& r : results) {
    s += json_document_item(r, summary.files == 0);
    summary.add(r);
  }
  for (const SkippedFile& k : skipped) summary.add(k);
  return s + json_document_tail(summary, info, skipped);
}

}  // namespace meshsentry
