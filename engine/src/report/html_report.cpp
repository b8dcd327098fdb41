// SPDX-License-Identifier: MIT
// The HTML evidence report: one file a reviewer can open offline, mail or
// archive. Everything is inline (CSS, PNG pictures as data: URIs) and a
// Content-Security-Policy forbids the page any network access, so opening a
// report never tells anyone it was opened. Every string that came from a
// file or a signature set goes through html_escape; names are escaped first
// as in text output, so names differing in bytes that are not UTF-8 differ.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "common/parallel.hpp"
#include "meshsentry/report.hpp"
#include "report/html_pictures.hpp"
#include "report/html_record.hpp"
#include "report/html_style.hpp"
#include "report/html_text.hpp"
#include "report/names.hpp"

namespace meshsentry {
namespace {

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string byte_size(std::uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? std::to_string(n) + " B" : fixed(v, v < 10 ? 2 : 1) + " " + units[u];
}

bool flagged(const ScanResult& r) { return is_flagged(r.verdict); }

// A <div><dt>..</dt><dd>..</dd></div> pair; `value` is already HTML.
void fact(std::string& h, const char* name, const std::string& value, const char* cls = nullptr) {
  h += cls ? std::string("<div class=\"") + cls + "\">" : std::string("<div>");
  h += "<dt>";
  h += name;
  h += "</dt><dd>" + value + "</dd></div>";
}

std::string meter(double score) {
  const double pct = std::clamp(score, 0.0, 1.0) * 100;
  return "<span class=\"meter\" aria-hidden=\"true\"><i style=\"width:" + fixed(pct, 1) + "%\"></i></span>";
}

void header(std::string& h, const RunInfo& info) {
  h += "<header class=\"top\"><div class=\"wrap\"><h1>meshsentry <span>evidence report</span></h1><dl class=\"meta\">";
  fact(h, "Engine", "meshsentry " + html_escape(engine_version()));
  fact(h, "Signature set",
       html_escape(info.signature_name) + " (" + std::to_string(info.signature_entries) + " entries)");
  fact(h, "Started", html_escape(info.started));
  fact(h, "Finished",
       html_escape(info.finished) + (info.interrupted ? " (interrupted: files not yet started were not scanned)" : ""));
  fact(h, "Match threshold", fixed(info.threshold, 2));
  fact(h, "Fused-part stage", info.options.partial ? "on" : "off");
  fact(h, "Cut-piece stage", info.options.partial && info.options.pieces ? "on" : "off");
  fact(h, "Signature set SHA-256", "<span class=\"mono\">" + html_escape(info.signature_checksum) + "</span>", "wide");
  case_facts(h, info);
  h += "</dl></div></header>\n";
}

// Counts files as a person does: an archive once, whatever its members
// (its verdict is already the worst of theirs); members are in the inventory.
void summary(std::string& h, const std::vector<ScanResult>& results) {
  std::size_t n[5] = {};  // match, suspect, error, clean, allowed
  const std::vector<bool> member = archive_members(results);
  std::size_t files = 0, members = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const ScanResult& r = results[i];
    if (member[i]) {
      ++members;
      continue;
    }
    ++files;
    switch (r.verdict) {
      case Verdict::match: ++n[0]; break;
      case Verdict::suspect: ++n[1]; break;
      case Verdict::error: ++n[2]; break;
      case Verdict::clean: ++n[3]; break;
      default: ++n[4]; break;
    }
  }
  const char* names[] = {"Matches", "Suspects", "Errors", "Clean", "Allowed"};
  const char* classes[] = {"n-match", "n-suspect", "n-error", "n-clean", ""};
  const int columns = n[4] ? 5 : 4;  // "allowed" only where an allow-list was used
  h += "<section><h2>Summary</h2><table class=\"summary\"><thead><tr><th>Files</th>";
  for (int i = 0; i < columns; ++i) h += std::string("<th>") + names[i] + "</th>";
  h += "</tr></thead><tbody><tr><td>" + std::to_string(files) + "</td>";
  for (int i = 0; i < columns; ++i)
    h += std::string("<td class=\"") + (n[i] ? classes[i] : "n-zero") + "\">" + std::to_string(n[i]) + "</td>";
  h += "</tr></tbody></table>";
  if (members)
    h += "<p class=\"note\">An archive counts as one file; its " + std::to_string(members) +
         " scanned member" + (members == 1 ? " is" : "s are") + " listed under it in the inventory.</p>";
  h += "</section>\n";
}

void card(std::string& h, const ScanResult& r, const Pictures& pics, std::size_t index) {
  const char* verdict = to_string(r.verdict);
  h += "<article class=\"card " + std::string(verdict) + "\" id=\"file-" + std::to_string(index + 1) + "\">";
  h += "<header><span class=\"badge " + std::string(verdict) + "\">" + verdict + "</span><h3>" +
       html_escape(escape_name(r.path)) + "</h3></header>";
  h += "<p class=\"sha mono\"><b>SHA-256</b>" + html_escape(r.sha256) + "</p>";
  const Match* m = !r.matches.empty() ? &r.matches[0] : !r.candidates.empty() ? &r.candidates[0] : nullptr;
  h += "<dl class=\"facts\">";
  if (m) {
    fact(h, "Signature", "<span class=\"mono\">" + html_escape(m->signature) + "</span>", "wide");
    fact(h, "Label", html_escape(m->label.empty() ? "-" : m->label), "wide");
    fact(h, "Class", html_escape(m->cls.empty() ? "-" : m->cls));
    const std::string sev = m->severity.empty() ? "-" : m->severity;
    fact(h, "Severity", "<span class=\"sev " + html_escape(sev) + "\">" + html_escape(sev) + "</span>");
    fact(h, "Score", fixed(m->score, 3) + meter(m->score));
    fact(h, "Coverage", fixed(m->coverage, 3));
    fact(h, "Detail", fixed(m->detail, 3));
    fact(h, "Scale", fixed(m->scale, 3));
    fact(h, "Mirrored", m->mirrored ? "yes" : "no");
    fact(h, "Fit", fixed(m->fit, 4));
    fact(h, "Explains", fixed(m->explained, 3) + " of the file");
    fact(h, "Method", html_escape(to_string(m->method)));
    fact(h, "Body", m->body >= 0 ? std::to_string(m->body) + " of " + std::to_string(r.bodies) : "whole file");
  }
  fact(h, "Format", html_escape(format_name(r.format)));
  fact(h, "Size", byte_size(r.bytes));
  if (r.triangles) fact(h, "Triangles", std::to_string(r.triangles));
  if (r.members) fact(h, "Members", std::to_string(r.members));
  h += "</dl>";

  if (!pics.views.empty()) {
    h += "<div class=\"views\">";
    for (const Picture& p : pics.views) {
      h += "<figure><img src=\"data:image/png;base64," + p.png_data + "\" alt=\"" + html_escape(p.view) +
           " view of " + html_escape(escape_name(r.path)) + "\"><figcaption>" + html_escape(p.view) +
           (pics.overlay ? "" : " &middot; no pose to overlay") + "</figcaption></figure>";
    }
    h += "</div>";
  } else {
    h += "<p class=\"note\">No picture. " + html_escape(pics.missing) + "</p>";
  }

  if (r.matches.size() > 1) {
    h += "<details class=\"others\"><summary>" + std::to_string(r.matches.size() - 1) +
         " more match" + (r.matches.size() > 2 ? "es" : "") + "</summary><table class=\"list\"><thead><tr>"
         "<th>Signature</th><th>Label</th><th>Severity</th><th class=\"num\">Score</th><th>Method</th>"
         "<th class=\"num\">Body</th></tr></thead><tbody>";
    for (std::size_t i = 1; i < r.matches.size(); ++i) {
      const Match& o = r.matches[i];
      h += "<tr><td class=\"mono\">" + html_escape(o.signature) + "</td><td>" + html_escape(o.label) + "</td><td>" +
           html_escape(o.severity) + "</td><td class=\"num\">" + fixed(o.score, 3) + "</td><td>" +
           html_escape(to_string(o.method)) + "</td><td class=\"num\">" + (o.body >= 0 ? std::to_string(o.body) : "-") +
           "</td></tr>";
    }
    h += "</tbody></table></details>";
  }
  h += "</article>\n";
}

// A section listing the files of one verdict: path, and why (`reason`).
void verdict_table(std::string& h, const std::vector<ScanResult>& results, Verdict verdict, const char* title,
                   const char* reason_header, const char* reason_class, std::string ScanResult::*reason) {
  std::size_t count = 0;
  for (const ScanResult& r : results) count += r.verdict == verdict;
  if (count == 0) return;
  h += std::string("<section><h2>") + title + " <span class=\"count\">" + std::to_string(count) +
       "</span></h2><table class=\"list\"><thead><tr><th>File</th><th>" + reason_header + "</th></tr></thead><tbody>";
  for (const ScanResult& r : results)
    if (r.verdict == verdict)
      h += "<tr><td class=\"mono\">" + html_escape(escape_name(r.path)) + "</td><td" + reason_class + ">" +
           html_escape(r.*reason) + "</td></tr>";
  h += "</tbody></table></section>\n";
}

}  // namespace

std::string to_html_report(const std::vector<ScanResult>& results, const Engine& engine, const RunInfo& info,
                           const HtmlReportOptions& options) {
  // Cards for every flagged result, members too (they have the pictures);
  // counts of files, as in the summary, take an archive once.
  std::vector<std::size_t> shown;
  const std::vector<bool> member = archive_members(results);
  std::size_t files = 0, flagged_files = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (flagged(results[i])) shown.push_back(i);
    if (!member[i]) {
      ++files;
      flagged_files += flagged(results[i]);
    }
  }
  // Pictures cost a load and three renders each: done in parallel, each
  // into its own slot, so the page is the same whatever the thread count.
  std::vector<Pictures> pictures(shown.size());
  parallel_for(shown.size(), info.options.threads, [&](std::size_t k) {
    if (options.pictures)
      pictures[k] = render_pictures(results[shown[k]], engine, info.options, options);
    else
      pictures[k].missing = "Pictures were turned off for this report.";
  });

  std::string h;
  h += "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
       "style-src 'unsafe-inline'\">\n<meta name=\"referrer\" content=\"no-referrer\">\n";
  h += "<meta name=\"generator\" content=\"meshsentry " + html_escape(engine_version()) + "\">\n";
  h += "<title>meshsentry report: " + std::to_string(flagged_files) + " flagged of " + std::to_string(files) +
       " files</title>\n<style>" + html_report_css() + "</style>\n</head>\n<body>\n";
  header(h, info);
  h += "<main class=\"wrap\">\n";
  summary(h, results);
  h += "<section><h2>Flagged files <span class=\"count\">" + std::to_string(flagged_files) + "</span></h2>\n";
  if (shown.size() != flagged_files)
    h += "<p class=\"note\">A flagged archive and its flagged members have a card each; the archive counts once.</p>\n";
  if (shown.empty()) {
    h += "<p class=\"empty\">Nothing was flagged.</p>\n";
  } else {
    h += "<p class=\"legend\"><span><i class=\"swatch\"></i>signature points in the pose found (faint where the "
         "surface hides them)</span><span><i class=\"swatch body\"></i>matched body (files of several bodies)</span><span><i class=\"swatch "
         "rest\"></i>rest of the file</span></p>\n";
    for (std::size_t k = 0; k < shown.size(); ++k) card(h, results[shown[k]], pictures[k], k);
  }
  h += "</section>\n";
  verdict_table(h, results, Verdict::error, "Errors", "Error", "", &ScanResult::error);
  verdict_table(h, results, Verdict::allowed, "Allowed", "Allow-list rule", " class=\"mono\"", &ScanResult::allowed_by);
  inventory(h, results, info, options);
  legend(h);
  h += "</main>\n<footer class=\"wrap\">Generated by meshsentry " + html_escape(engine_version()) +
       ". Self-contained: this page loads nothing from the network. Pictures are re-rendered from the scanned "
       "files after checking their SHA-256.</footer>\n</body>\n</html>\n";
  return h;
}

Status write_html_report(const std::string& path, const std::vector<ScanResult>& results, const Engine& engine,
                         const RunInfo& info, const HtmlReportOptions& options) {
  std::string html;
  try {
    html = to_html_report(results, engine, info, options);
  } catch (const std::exception& e) {
    return make_error(ErrorCode::io, std::string("report: ") + e.what());
  }
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return make_error(ErrorCode::io, "report: cannot write " + tmp);
    out.write(html.data(), static_cast<std::streamsize>(html.size()));
    out.close();
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(tmp, ignored);
      return make_error(ErrorCode::io, "report: writing " + tmp + " failed");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return make_error(ErrorCode::io, "report: cannot move the report to " + path);
  }
  return Status::success();
}

}  // namespace meshsentry
