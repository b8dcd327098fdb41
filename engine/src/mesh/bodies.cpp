// SPDX-License-Identifier: MIT
// Topology: edge adjacency (by radix-sorting the 3n half-edges on their
// undirected vertex pair) and connected components (union-find on vertices).
#include <algorithm>
#include <bit>
#include <numeric>

#include "mesh/mesh_ops.hpp"

namespace meshsentry {

void radix_sort_pairs(BigVector<std::uint64_t>& keys, BigVector<std::uint32_t>& payload,
                      int key_bits) {
  constexpr int kDigit = 11;
  constexpr std::size_t kBuckets = std::size_t{1} << kDigit;
  const std::size_t n = keys.size();
  BigVector<std::uint64_t> k2(n);
  BigVector<std::uint32_t> p2(n);
  std::vector<std::size_t> count(kBuckets);
  for (int shift = 0; shift < key_bits; shift += kDigit) {
    std::fill(count.begin(), count.end(), 0);
    for (std::size_t i = 0; i < n; ++i) ++count[(keys[i] >> shift) & (kBuckets - 1)];
    std::size_t sum = 0;
    for (auto& c : count) {
      const std::size_t c0 = c;
      c = sum;
      sum += c0;
    }
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t d = count[(keys[i] >> shift) & (kBuckets - 1)]++;
      k2[d] = keys[i];
      p2[d] = payload[i];
    }
    keys.swap(k2);
    payload.swap(p2);
  }
}

EdgeAdjacency edge_adjacency(const BigVector<Tri>& tris, std::uint32_t vertex_count) {
  const std::size_t h = tris.size() * 3;
  EdgeAdjacency adj;
  adj.neighbor.assign(h, kNoNeighbor);
  adj.same_direction.assign(h, 0);
  adj.boundary.assign(h, 0);
  adj.first_of_edge.assign(h, 0);

  const int vbits = std::max(1, static_cast<int>(std::bit_width(vertex_count)));
  BigVector<std::uint64_t> keys(h);
  BigVector<std::uint32_t> half(h);
  for (std::size_t t = 0; t < tris.size(); ++t)
    for (int k = 0; k < 3; ++k) {
      const std::uint32_t a = tris[t][k], b = tris[t][(k + 1) % 3];
      const std::uint64_t lo = std::min(a, b), hi = std::max(a, b);
      keys[3 * t + k] = (hi << vbits) | lo;
      half[3 * t + k] = static_cast<std::uint32_t>(3 * t + k);
    }
  radix_sort_pairs(keys, half, 2 * vbits);

  auto forward = [&](std::uint32_t he) {
    const Tri& t = tris[he / 3];
    return t[he % 3] < t[(he % 3 + 1) % 3];
  };
  for (std::size_t i = 0; i < h;) {
    std::size_t j = i + 1;
    while (j < h && keys[j] == keys[i]) ++j;
    adj.first_of_edge[half[i]] = 1;
    if (j - i == 2) {
      const std::uint32_t x = half[i], y = half[i + 1];
      const std::uint8_t same = forward(x) == forward(y);
      adj.neighbor[x] = y / 3;
      adj.neighbor[y] = x / 3;
      adj.same_direction[x] = adj.same_direction[y] = same;
    } else {
      const std::uint8_t kind = j - i == 1 ? 1 : 2;
      for (std::size_t e = i; e < j; ++e) adj.boundary[half[e]] = kind;
    }
    i = j;
  }
  return adj;
}

BigVector<std::uint32_t> connected_components(const BigVector<Tri>& tris,
                                                std::uint32_t vertex_count,
                                                std::uint32_t& count) {
  BigVector<std::uint32_t> parent(vertex_count);
  std::iota(parent.begin(), parent.end(), 0u);
  auto find = [&](std::uint32_t x) {
    while (parent[x] != x) {
      parent[x] = parent[parent[x]];  // path halving
      x = parent[x];
    }
    return x;
  };
  auto unite = [&](std::uint32_t a, std::uint32_t b) {
    a = find(a);
    b = find(b);
    if (a != b) parent[std::max(a, b)] = std::min(a, b);
  };
  for (const Tri& t : tris) {
    unite(t[0], t[1]);
    unite(t[0], t[2]);
  }
  BigVector<std::uint32_t> label(vertex_count, kNoNeighbor);
  BigVector<std::uint32_t> tri_label(tris.size());
  count = 0;
  for (std::size_t i = 0; i < tris.size(); ++i) {
    const std::uint32_t r = find(tris[i][0]);
    if (label[r] == kNoNeighbor) label[r] = count++;
    tri_label[i] = label[r];
  }
  return tri_label;
}

}  // namespace meshsentry
