// SPDX-License-Identifier: MIT
// The scan keeps no meshes, so a picture re-reads the file. What is drawn
// must be what was scanned: the bytes are hashed again and compared with the
// scan's SHA-256, and the mesh is loaded and prepared by the scan's own
// pipeline (reopen) so that Match::body names the same body.
#include "report/html_pictures.hpp"

#include <algorithm>
#include <new>

#include "common/geometry.hpp"
#include "common/mapped_file.hpp"
#include "common/sha256.hpp"
#include "render/png_writer.hpp"
#include "render/rasterizer.hpp"
#include "report/html_text.hpp"
#include "scan/pipeline.hpp"

namespace meshsentry {
namespace {

// The bytes behind a reported path; "outer.zip!/a/inner.zip!/b.stl" is
// followed into the archives as the scan did.
struct Source {
  MappedFile file;
  std::vector<ArchiveMember> members;  // of the innermost archive, for a member
  std::span<const std::byte> bytes;
  std::string name;  // last component, the format hint
  SideFiles side;    // where side files (.mtl, .bin) are: beside the file, or its archive's members
};

Status open_source(const std::string& path, const ScanOptions& scan, Source& src) {
  std::vector<std::string> parts;
  for (std::size_t at = 0;;) {
    const std::size_t bang = path.find("!/", at);
    parts.push_back(path.substr(at, bang == std::string::npos ? std::string::npos : bang - at));
    if (bang == std::string::npos) break;
    at = bang + 2;
  }
  auto file = MappedFile::open(parts[0], scan.load.max_file_bytes, scan.follow_symlinks);
  if (!file) return file.status();
  src.file = std::move(file.value());
  src.bytes = src.file.bytes();
  src.name = parts.back();
  if (parts.size() == 1) src.side = SideFiles(path);
  for (std::size_t k = 1; k < parts.size(); ++k) {
    auto members = list_archive(src.bytes, scan.archive);
    if (!members) return members.status();
    const auto m = std::find_if(members->begin(), members->end(),
                                [&](const ArchiveMember& a) { return a.name == parts[k] && a.error.ok(); });
    if (m == members->end()) return make_error(ErrorCode::io, "archive member not found again");
    // The outer level's bytes (src.bytes) are read; its members can go.
    const auto at = static_cast<std::size_t>(m - members->begin());
    src.members = std::move(*members);
    src.bytes = src.members[at].bytes;
    src.side = SideFiles(src.members, parts[k]);
  }
  return Status::success();
}

// The match the card shows: the best one, else the best near miss.
const Match* top_match(const ScanResult& r) {
  if (!r.matches.empty()) return &r.matches[0];
  if (!r.candidates.empty()) return &r.candidates[0];
  return nullptr;
}

std::vector<Vec3d> posed_points(const Match& m, const SignatureSet& set) {
  std::vector<Vec3d> out;
  if (m.transform[15] == 0) return out;  // no pose ("global" matches are descriptor-only)
  const Similarity pose = Similarity::from_rows(m.transform);
  for (std::size_t i = 0; i < set.entries.size(); ++i) {
    const SignatureEntry& e = set.entries[i];
    if (e.id != m.signature) continue;
    if (!decode_entry(set, i).ok()) break;  // a format-6 set's samples come on first use
    out.reserve(e.sample.points.size());
    for (const Vec3f& p : e.sample.points) {
      const Vec3 x = pose(to_vec3(p));
      out.push_back({x(0), x(1), x(2)});
    }
    break;
  }
  return out;
}

Pictures render_checked(const ScanResult& r, const Engine& engine, const ScanOptions& scan,
                        const HtmlReportOptions& options) {
  Pictures out;
  if (is_archive(r.format) || r.members) {
    out.missing = is_archive(r.format) ? "An archive: its flagged members have their own cards."
                                       : "A print project: its flagged G-code plates have their own cards.";
    return out;
  }
  Source src;
  if (Status s = open_source(r.path, scan, src); !s.ok()) {
    out.missing = "Could not read the file again: " + s.message;
    return out;
  }
  if (sha256_hex(src.bytes) != r.sha256) {
    out.missing = "The file changed since the scan (its SHA-256 differs); not drawn.";
    return out;
  }
  bool loaded = false;
  ReopenHooks hooks;
  hooks.loaded = [&](Format) { loaded = true; };
  auto prepared = reopen(src.bytes, src.name, scan, src.side, hooks);
  if (!prepared) {
    out.missing = (loaded ? "Could not prepare the mesh again: " : "Could not load the mesh again: ") +
                  prepared.status().message;
    return out;
  }
  std::vector<Vec3d> points;
  std::span<const std::uint32_t> highlight;
  int body = -1;
  if (const Match* m = top_match(r)) {
    points = posed_points(*m, engine.signatures());
    if (m->body >= 0 && prepared->bodies.size() > 1 && static_cast<std::size_t>(m->body) < prepared->bodies.size()) {
      body = m->body;
      highlight = prepared->bodies[static_cast<std::size_t>(body)].triangles;
    }
  }
  out.overlay = !points.empty();
  render::RenderStyle style;
  style.width = std::clamp(options.view_width, 16, 4096);
  style.height = std::clamp(options.view_height, 16, 4096);
  auto add = [&](const render::View& view, const std::string& name, render::Fit fit) {
    auto png = render::encode_png(render::render_view(prepared->mesh, highlight, points, view, style, fit));
    if (!png) {
      out.missing = png.status().message;
      return false;
    }
    out.views.push_back({name, base64_encode(*png)});
    return true;
  };
  for (const render::View& view : {render::kFrontView, render::kTopView, render::kIsoView})
    if (!add(view, view.name, render::Fit::everything)) return {{}, out.missing, false};
  // One part of many: a close-up of it as well, the whole file may draw it small.
  if (body >= 0 && !add(render::kIsoView, "close-up of body " + std::to_string(body), render::Fit::highlight))
    return {{}, out.missing, false};
  return out;
}

}  // namespace

Pictures render_pictures(const ScanResult& r, const Engine& engine, const ScanOptions& scan,
                         const HtmlReportOptions& options) {
  try {
    return render_checked(r, engine, scan, options);
  } catch (const std::bad_alloc&) {
    return {{}, "Out of memory while drawing this file.", false};
  } catch (const std::exception& e) {
    return {{}, std::string("Could not draw this file: ") + e.what(), false};
  }
}

}  // namespace meshsentry
