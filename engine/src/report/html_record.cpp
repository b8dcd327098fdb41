// SPDX-License-Identifier: MIT
// What an examiner files with a report: who ran it, where, on what case,
// with which signatures and allow-list; every file met, not only the
// flagged ones, with hashes to look up; and what each number means.
#include "report/html_record.hpp"

#include <unordered_set>

#include "common/digests.hpp"
#include "common/mapped_file.hpp"
#include "report/html_text.hpp"
#include "report/names.hpp"

namespace meshsentry {
namespace {

void fact(std::string& h, const char* name, const std::string& value, bool wide = false) {
  h += wide ? "<div class=\"wide\"><dt>" : "<div><dt>";
  h += name;
  h += "</dt><dd>" + value + "</dd></div>";
}

std::string or_dash(const std::string& s) { return s.empty() ? std::string("-") : html_escape(s); }

struct ExtraDigests {
  std::string md5, sha1;
};

// MD5 and SHA-1 of a named file, re-read from disk: only when its SHA-256
// is still the scanned one, so the three hashes describe the same bytes.
ExtraDigests extra_digests(const ScanResult& r, const RunInfo& info, const HtmlReportOptions& options) {
  ExtraDigests d;
  if (r.sha256.empty()) return d;
  auto file = MappedFile::open(r.path, info.options.load.max_file_bytes, true);
  if (!file || digest_hex(file->bytes(), "sha256") != r.sha256) return d;
  if (options.md5) d.md5 = digest_hex(file->bytes(), "md5");
  if (options.sha1) d.sha1 = digest_hex(file->bytes(), "sha1");
  return d;
}

std::string hash_cell(const std::string& hex) {
  return "<td class=\"mono\">" + (hex.empty() ? std::string("-") : html_escape(hex)) + "</td>";
}

}  // namespace

std::vector<bool> archive_members(const std::vector<ScanResult>& results) {
  std::vector<bool> member(results.size(), false);
  std::unordered_set<std::string> archives;  // top-level paths that have members
  for (std::size_t i = 0; i < results.size(); ++i) {
    const std::string& p = results[i].path;
    for (std::size_t at = p.find("!/"); at != std::string::npos && !member[i]; at = p.find("!/", at + 1))
      member[i] = archives.count(p.substr(0, at)) > 0;
    if (!member[i]) archives.insert(p);
  }
  return member;
}

void case_facts(std::string& h, const RunInfo& info) {
  fact(h, "Case", or_dash(info.case_id));
  fact(h, "Exhibit", or_dash(info.exhibit));
  fact(h, "Examiner", or_dash(info.examiner));
  fact(h, "Host", or_dash(info.host));
  fact(h, "User", or_dash(info.user));
  fact(h, "Working directory", "<span class=\"mono\">" + or_dash(info.working_directory) + "</span>", true);
  fact(h, "Command line", "<span class=\"mono\">" + or_dash(info.command_line) + "</span>", true);
  fact(h, "Allow-list",
       info.allow_list.empty()
           ? std::string("none")
           : "<span class=\"mono\">" + html_escape(escape_name(info.allow_list)) +
                 "</span> (SHA-256 <span class=\"mono\">" + or_dash(info.allow_list_sha256) + "</span>)",
       true);
  if (!info.notes.empty()) fact(h, "Notes", html_escape(info.notes), true);
}

void inventory(std::string& h, const std::vector<ScanResult>& results, const RunInfo& info,
               const HtmlReportOptions& options) {
  const std::vector<bool> member = archive_members(results);
  const std::size_t total = results.size() + options.skipped.size();
  h += "<section id=\"inventory\"><h2>Inventory <span class=\"count\">" + std::to_string(total) +
       "</span></h2><p class=\"note\">Every path met: scanned files (clean ones too), archive members under their "
       "archive, and the paths passed over with the reason.";
  if (options.md5 || options.sha1)
    h += " MD5 and SHA-1 were computed from each named file re-read after the scan, only where its SHA-256 was "
         "unchanged; members show SHA-256 only.";
  h += "</p><table class=\"list\"><thead><tr><th>File</th><th>Format</th><th class=\"num\">Bytes</th>"
       "<th>Verdict</th><th>SHA-256</th>";
  if (options.md5) h += "<th>MD5</th>";
  if (options.sha1) h += "<th>SHA-1</th>";
  h += "<th>Note</th></tr></thead><tbody>";
  for (std::size_t i = 0; i < results.size(); ++i) {
    const ScanResult& r = results[i];
    const ExtraDigests d =
        member[i] || !(options.md5 || options.sha1) ? ExtraDigests{} : extra_digests(r, info, options);
    std::string note = r.verdict == Verdict::error     ? r.error
                       : r.verdict == Verdict::allowed ? "allow-list rule " + r.allowed_by
                       : !r.matches.empty()            ? r.matches[0].signature
                                                       : "";
    h += std::string("<tr") + (member[i] ? " class=\"member\"" : "") + "><td class=\"mono\">" +
         (member[i] ? "&#8627; " : "") + html_escape(escape_name(r.path)) + "</td><td>" +
         html_escape(format_name(r.format)) + "</td><td class=\"num\">" + std::to_string(r.bytes) +
         "</td><td><span class=\"badge " + to_string(r.verdict) + "\">" + to_string(r.verdict) + "</span></td>" +
         hash_cell(r.sha256);
    if (options.md5) h += hash_cell(d.md5);
    if (options.sha1) h += hash_cell(d.sha1);
    h += "<td>" + html_escape(note) + "</td></tr>";
  }
  for (const SkippedFile& s : options.skipped) {
    std::string why = to_string(s.reason);
    if (!s.content.empty()) why += " (" + s.content + ")";
    h += "<tr class=\"skipped\"><td class=\"mono\">" + html_escape(escape_name(s.path)) + "</td><td>-</td>" +
         "<td class=\"num\">" + std::to_string(s.bytes) + "</td><td>skipped</td>" + hash_cell("");
    if (options.md5) h += hash_cell("");
    if (options.sha1) h += hash_cell("");
    h += "<td>" + html_escape(why) + "</td></tr>";
  }
  h += "</tbody></table></section>\n";
}

void legend(std::string& h) {
  static const char* const kTerms[][2] = {
      {"Verdict",
       "match: a signature part was found (score at or above the threshold); suspect: a cut piece of a part; "
       "clean: nothing found; allowed: an allow-list rule (SHA-256 or geometry hash) vouches for the file; "
       "error: the file could not be scanned (see Note)."},
      {"Score",
       "0 to 1: the share of the signature part's surface found within 3% of its RMS radius of the "
       "scanned surface after alignment, lowered when the fit is loose (exact: 1, the geometry hash "
       "matched); a match needs the match threshold."},
      {"Coverage", "0 to 1: the same share within a stricter 1% of the RMS radius."},
      {"Detail",
       "0 to 1: the share of the part's detail found (its points off its own bounding box, which a "
       "plain box of the right size lacks); 1 for exact copies and parts with no such points."},
      {"Fit",
       "The RMS distance of the signature's points to the scanned surface over the part's RMS radius: "
       "lower is closer."},
      {"Explains",
       "0 to 1: the share of the file's surface the placed part accounts for; about 1 for a whole "
       "copy, less for a part fused with other material."},
      {"Scale",
       "The scanned size over the reference's size (1: same size; 25.4 or 0.0394: inches and "
       "millimetres)."},
      {"Mirrored", "Whether the part was found as its mirror image."},
      {"Method",
       "How the part was found: exact (same geometry hash), verified (aligned and checked), coarse "
       "(checked against a coarser view of the part), fused (inside a larger shape), piece (a cut "
       "piece), global (descriptor similarity alone, never a match)."},
      {"Body", "Which body of a file of several bodies held the part."},
      {"Bytes, SHA-256, MD5, SHA-1",
       "The file's size and hashes of its bytes as scanned; archive members' "
       "hashes are of the member's bytes."},
      {"Files (summary)", "Files named or found in folders: an archive counts once, whatever its members."},
  };
  h += "<section id=\"legend\"><h2>Legend</h2><dl class=\"facts\">";
  for (const auto& t : kTerms) fact(h, t[0], t[1], true);
  h += "</dl></section>\n";
}

}  // namespace meshsentry
