// SPDX-License-Identifier: MIT
// Manifests (id, label, class, path[, severity] as TSV with a header line) and
// building a signature set from one.
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/parallel.hpp"
#include "common/text.hpp"
#include "describe/principal_frame.hpp"
#include "describe/vertex_spacing.hpp"
#include "meshsentry/engine.hpp"
#include "meshsentry/signatures.hpp"
#include "signatures/coarse_views.hpp"
#include "signatures/manifest_entries.hpp"

namespace meshsentry {
namespace {

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t t = line.find('\t', start);
    out.push_back(line.substr(start, t == std::string::npos ? std::string::npos : t - start));
    if (t == std::string::npos) break;
    start = t + 1;
  }
  return out;
}

constexpr std::uint32_t kReferencePoints = 512;
constexpr std::uint32_t kViewPoints = 256;

}  // namespace

Result<std::vector<ManifestRow>> read_manifest(const std::string& manifest_path) {
  std::ifstream f(manifest_path);
  if (!f) return make_error(ErrorCode::io, "cannot read manifest " + manifest_path);
  const std::filesystem::path base = std::filesystem::path(manifest_path).parent_path();
  std::string line;
  int col_id = 0, col_label = 1, col_class = 2, col_path = 3, col_sev = 4, col_scale = -1;
  std::vector<ManifestRow> rows;
  std::set<std::string> ids;
  bool first = true;
  std::size_t lineno = 0;
  while (std::getline(f, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    auto cols = split_tabs(line);
    if (first) {
      first = false;
      bool header = false;
      for (std::size_t i = 0; i < cols.size(); ++i) {
        const std::string& c = cols[i];
        const int ci = static_cast<int>(i);
        if (c == "id") col_id = ci, header = true;
        else if (c == "label") col_label = ci;
        else if (c == "class") col_class = ci;
        else if (c == "path") col_path = ci, header = true;
        else if (c == "severity") col_sev = ci;
        else if (c == "scale") col_scale = ci;
      }
      if (header) continue;
    }
    auto at = [&](int c) { return c >= 0 && c < static_cast<int>(cols.size()) ? cols[c] : std::string(); };
    ManifestRow r{at(col_id), at(col_label), at(col_class), at(col_path), at(col_sev)};
    if (r.id.empty() || r.path.empty())
      return make_error(ErrorCode::invalid, manifest_path + ":" + std::to_string(lineno) + ": needs an id and a path");
    if (!ids.insert(r.id).second)
      return make_error(ErrorCode::invalid,
                        manifest_path + ":" + std::to_string(lineno) + ": duplicate id '" + r.id + "'");
    if (const std::string scale = at(col_scale); scale == "true") r.scale = ScalePolicy::fixed;
    else if (!scale.empty() && scale != "any")
      return make_error(ErrorCode::invalid, manifest_path + ":" + std::to_string(lineno) + ": scale '" + scale +
                                                "' is neither 'any' nor 'true'");
    if (r.label.empty()) r.label = r.id;
    if (r.severity.empty()) r.severity = "high";
    const std::filesystem::path p(r.path);
    r.path = p.is_absolute() ? p.string() : (base / p).lexically_normal().string();
    rows.push_back(std::move(r));
  }
  if (rows.empty()) return make_error(ErrorCode::invalid, "manifest " + manifest_path + " lists no references");
  return rows;
}

Result<SignatureEntry> describe_reference(Mesh mesh, const DescriptorParams& params) {
  auto prepared = prepare(std::move(mesh));
  if (!prepared) return prepared.status();
  const PreparedMesh& pm = *prepared;
  SignatureEntry e;
  e.hash = geometry_hash(pm.mesh);
  e.triangles = static_cast<std::uint32_t>(pm.mesh.triangles.size());
  e.bodies = static_cast<std::uint32_t>(pm.bodies.size());
  e.descriptor = describe_shape(pm.mesh, {}, pm.mass, params);
  const PrincipalFrame frame = principal_frame(pm.mass);
  e.centroid = frame.centroid;
  e.axes = frame.axes;
  e.sample = sample_surface(pm.mesh, {}, kReferencePoints, params.seed ^ 0x5157u);
  e.vertex_spacing = static_cast<float>(vertex_spacing(pm.mesh, {}) / e.descriptor.rms_radius);
  e.views = coarse_views(pm, e.descriptor.rms_radius, params, kViewPoints);
  return e;
}

Result<std::vector<SignatureEntry>> describe_manifest(const std::string& manifest_path, const DescriptorParams& params,
                                                      int threads) {
  auto rows = read_manifest(manifest_path);
  if (!rows) return rows.status();
  const auto& rs = *rows;
  std::vector<Result<SignatureEntry>> built(rs.size(), Status{ErrorCode::invalid, "not built"});
  parallel_for(rs.size(), threads, [&](std::size_t i) {
    auto loaded = load_mesh_file(rs[i].path);
    if (!loaded) {
      built[i] = loaded.status();
      return;
    }
    built[i] = describe_reference(std::move(loaded->mesh), params);
  });
  std::vector<SignatureEntry> entries;
  for (std::size_t i = 0; i < rs.size(); ++i) {
    if (!built[i]) return make_error(built[i].status().code, rs[i].path + ": " + built[i].status().message);
    SignatureEntry e = std::move(built[i].value());
    e.id = rs[i].id;
    e.label = rs[i].label;
    e.cls = rs[i].cls;
    e.severity = rs[i].severity;
    e.scale = rs[i].scale;
    entries.push_back(std::move(e));
  }
  return entries;
}

std::string creation_time(const std::string& given) {
  if (!given.empty()) return given;
  if (const char* sde = std::getenv("SOURCE_DATE_EPOCH"))
    return iso8601_utc(static_cast<std::time_t>(std::strtoll(sde, nullptr, 10)));
  return iso8601_utc(std::time(nullptr));
}

Result<SignatureSet> build_signature_set(const std::string& manifest_path, const BuildOptions& options) {
  auto entries = describe_manifest(manifest_path, options.params, options.threads);
  if (!entries) return entries.status();
  SignatureSet set;
  set.name = options.name.empty() ? std::filesystem::path(manifest_path).stem().string() : options.name;
  set.created = creation_time(options.created);
  set.engine_version = engine_version();
  set.params = options.params;
  set.entries = std::move(*entries);
  return set;
}

}  // namespace meshsentry
