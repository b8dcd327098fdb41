// SPDX-License-Identifier: MIT
#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "mesh/mesh_ops.hpp"

namespace meshsentry {

Mesh cluster_vertices(const Mesh& mesh, const std::array<double, 3>& origin, double cell) {
  Mesh out;
  const std::size_t nv = mesh.vertices.size();
  std::vector<std::uint32_t> cluster(nv);
  std::unordered_map<std::uint64_t, std::uint32_t> id;
  std::vector<std::array<double, 4>> sum;  // x, y, z, count
  for (std::size_t i = 0; i < nv; ++i) {
    std::uint64_t key = 0;
    for (int k = 0; k < 3; ++k) {
      // 21 bits an axis: a cell is at least 1/2^20 of the part (the caller's
      // cells are far coarser), and points below the origin clamp to cell 0.
      const double c = std::floor((double(mesh.vertices[i][k]) - origin[k]) / cell);
      key = key << 21 | static_cast<std::uint64_t>(std::clamp(c, 0.0, double((1 << 21) - 1)));
    }
    const auto [it, fresh] = id.try_emplace(key, static_cast<std::uint32_t>(sum.size()));
    if (fresh) sum.push_back({0, 0, 0, 0});
    auto& s = sum[it->second];
    for (int k = 0; k < 3; ++k) s[k] += mesh.vertices[i][k];
    s[3] += 1;
    cluster[i] = it->second;
  }
  out.vertices.resize(sum.size());
  for (std::size_t c = 0; c < sum.size(); ++c)
    for (int k = 0; k < 3; ++k) out.vertices[c][k] = static_cast<float>(sum[c][k] / sum[c][3]);
  struct TriHash {
    std::size_t operator()(const Tri& t) const noexcept {
      return std::hash<std::uint64_t>{}((std::uint64_t(t[0]) << 32 | t[1]) * 0x9e3779b97f4a7c15ull ^ t[2]);
    }
  };
  std::unordered_set<Tri, TriHash> seen;
  for (std::size_t t = 0; t < mesh.triangles.size(); ++t) {
    const Tri& tri = mesh.triangles[t];
    const Tri c{cluster[tri[0]], cluster[tri[1]], cluster[tri[2]]};
    if (c[0] == c[1] || c[1] == c[2] || c[0] == c[2]) continue;
    Tri sorted = c;
    std::sort(sorted.begin(), sorted.end());
    if (!seen.insert(sorted).second) continue;
    out.triangles.push_back(c);
    if (!mesh.source_mesh.empty()) out.source_mesh.push_back(mesh.source_mesh[t]);
  }
  return out;
}

}  // namespace meshsentry
