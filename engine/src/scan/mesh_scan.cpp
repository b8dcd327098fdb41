// SPDX-License-Identifier: MIT
// Engine::scan_mesh: a mesh handed over in memory (vertices and triangles,
// not file bytes) goes through the same prepare -> match -> allow-list
// stages as a loaded file. It is checked first, as a reader checks a file,
// since it comes from a caller rather than from a trusted loader.
#include <chrono>
#include <cmath>
#include <string>

#include "common/parallel.hpp"
#include "meshsentry/engine.hpp"
#include "scan/allow.hpp"

namespace meshsentry {
namespace {

// Why the mesh cannot be scanned; empty when it can.
std::string check_mesh(const Mesh& mesh, const LoadLimits& limits) {
  if (mesh.triangles.size() > limits.max_triangles)
    return "limit: " + std::to_string(mesh.triangles.size()) + " triangles over " +
           std::to_string(limits.max_triangles);
  if (mesh.vertices.size() > limits.max_vertices)
    return "limit: " + std::to_string(mesh.vertices.size()) + " vertices over " + std::to_string(limits.max_vertices);
  for (std::size_t i = 0; i < mesh.vertices.size(); ++i)
    for (float c : mesh.vertices[i])
      if (!std::isfinite(c)) return "invalid mesh: vertex " + std::to_string(i) + " is not finite";
  const std::size_t n = mesh.vertices.size();
  for (std::size_t t = 0; t < mesh.triangles.size(); ++t)
    for (std::uint32_t v : mesh.triangles[t])
      if (v >= n)
        return "invalid mesh: triangle " + std::to_string(t) + " uses vertex " + std::to_string(v) + " of " +
               std::to_string(n);
  if (!mesh.source_mesh.empty() && mesh.source_mesh.size() != mesh.triangles.size())
    return "invalid mesh: source_mesh has " + std::to_string(mesh.source_mesh.size()) + " entries for " +
           std::to_string(mesh.triangles.size()) + " triangles";
  return {};
}

}  // namespace

ScanResult Engine::scan_mesh(Mesh mesh, const std::string& name, const ScanOptions& options) const {
  const auto t0 = std::chrono::steady_clock::now();
  ScanResult r;
  r.path = name;
  if (std::string why = check_mesh(mesh, options.load); !why.empty()) {
    r.verdict = Verdict::error;
    r.error = std::move(why);
    return r;
  }
  PrepareOptions prep = options.prepare;
  prep.concurrent = options.threads != 1 && !in_parallel_region();
  auto prepared = prepare(std::move(mesh), prep);
  if (!prepared) {
    r.verdict = Verdict::error;
    r.error = prepared.status().message;
  } else {
    match_mesh(*prepared, options, r);
    apply_allow_list(options, r);
  }
  if (options.timing)
    r.elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace meshsentry
