// SPDX-License-Identifier: MIT
// Vertex welding on a quantised grid with an open-addressing hash table.
// O(n) expected; the table holds indices only (keys are recomputed from the
// welded positions), so it stays small and cache-friendly for typical meshes
// where each position repeats about six times.
#include <algorithm>
#include <cmath>

#include "common/rng.hpp"
#include "mesh/mesh_ops.hpp"

namespace meshsentry {

double BoundingBox::diagonal() const noexcept {
  double s = 0;
  for (int k = 0; k < 3; ++k) s += double(max[k] - min[k]) * double(max[k] - min[k]);
  return std::sqrt(s);
}

BoundingBox bounding_box(const BigVector<Vec3f>& v) {
  BoundingBox b;
  if (v.empty()) return b;
  b.min = b.max = v[0];
  for (const auto& p : v)
    for (int k = 0; k < 3; ++k) {
      b.min[k] = std::min(b.min[k], p[k]);
      b.max[k] = std::max(b.max[k], p[k]);
    }
  return b;
}

namespace {

struct Quantizer {
  Vec3d origin;
  double inv_cell;
  std::uint64_t key(const Vec3f& p) const {
    std::uint64_t k = 0;
    for (int a = 0; a < 3; ++a) {
      double q = std::floor((double(p[a]) - origin[a]) * inv_cell);
      auto qi = static_cast<std::uint64_t>(std::clamp(q, 0.0, double((1u << 21) - 1)));
      k |= qi << (21 * a);
    }
    return k;
  }
};

}  // namespace

WeldResult weld_vertices(const BigVector<Vec3f>& vertices, const BoundingBox& box, double cell) {
  WeldResult out;
  const std::size_t n = vertices.size();
  out.remap.resize(n);
  // A cell never finer than the grid's 21 bits per axis can address.
  double extent = 0;
  for (int a = 0; a < 3; ++a) extent = std::max(extent, double(box.max[a]) - double(box.min[a]));
  cell = std::max({cell, extent / double((1u << 21) - 2), 1e-30});
  const Quantizer q{{box.min[0], box.min[1], box.min[2]}, 1.0 / cell};

  std::size_t cap = 16;
  while (cap < n / 2) cap <<= 1;
  BigVector<std::uint32_t> table(cap, kNoNeighbor);
  BigVector<std::uint64_t> welded_keys;
  out.vertices.reserve(n / 4 + 16);
  welded_keys.reserve(n / 4 + 16);

  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t k = q.key(vertices[i]);
    std::size_t slot = mix64(k) & (cap - 1);
    while (true) {
      const std::uint32_t w = table[slot];
      if (w == kNoNeighbor) {
        const auto id = static_cast<std::uint32_t>(out.vertices.size());
        table[slot] = id;
        out.vertices.push_back(vertices[i]);
        welded_keys.push_back(k);
        out.remap[i] = id;
        break;
      }
      if (welded_keys[w] == k) {
        out.remap[i] = w;
        break;
      }
      slot = (slot + 1) & (cap - 1);
    }
    // Keep the load factor under 1/2 by doubling and reinserting.
    if (out.vertices.size() * 2 > cap) {
      cap <<= 1;
      std::fill(table.begin(), table.end(), kNoNeighbor);
      table.resize(cap, kNoNeighbor);
      for (std::uint32_t w = 0; w < out.vertices.size(); ++w) {
        std::size_t s = mix64(welded_keys[w]) & (cap - 1);
        while (table[s] != kNoNeighbor) s = (s + 1) & (cap - 1);
        table[s] = w;
      }
    }
  }
  return out;
}

}  // namespace meshsentry
