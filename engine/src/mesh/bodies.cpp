// SPDX-License-Identifier: MIT
// Topology: edge adjacency (the 3n half-edges bucketed by their lower
// vertex) and connected components (union-find on vertices).
#include <algorithm>
#include <numeric>
#include <vector>

#include "mesh/mesh_ops.hpp"

namespace meshsentry {

EdgeAdjacency edge_adjacency(const BigVector<Tri>& tris, std::uint32_t vertex_count) {
  const std::size_t h = tris.size() * 3;
  EdgeAdjacency adj;
  adj.neighbor.assign(h, kNoNeighbor);
  adj.same_direction.assign(h, 0);
  adj.boundary.assign(h, 0);
  adj.first_of_edge.assign(h, 0);

  // Half-edges bucketed by their lower vertex (a counting sort), each entry
  // holding the upper vertex and the half-edge: a vertex has a handful, so
  // the copies of one edge are found by sorting those few. Two passes over
  // the triangles instead of a radix sort of all 3n keys, about a third of
  // the time on a 1M-triangle file.
  BigVector<std::uint32_t> first(std::size_t{vertex_count} + 1);
  std::fill(first.begin(), first.end(), 0u);
  for (const Tri& t : tris)
    for (int k = 0; k < 3; ++k) ++first[std::min(t[k], t[(k + 1) % 3]) + 1];
  for (std::size_t v = 0; v < vertex_count; ++v) first[v + 1] += first[v];
  // A bucket holds the half-edges only (4 bytes each, not 8 with the upper
  // vertex beside): the upper vertex is read back from the triangle, whose
  // cache line the matching reads anyway, and a 1M-triangle file's peak
  // memory was this array's.
  BigVector<std::uint32_t> entries(h);
  {
    BigVector<std::uint32_t> fill(first.begin(), first.end() - 1);
    for (std::size_t t = 0; t < tris.size(); ++t)
      for (int k = 0; k < 3; ++k) {
        const std::uint32_t a = tris[t][k], b = tris[t][(k + 1) % 3];
        entries[fill[std::min(a, b)]++] = static_cast<std::uint32_t>(3 * t + k);
      }
  }
  struct Entry {
    std::uint32_t other, half;
    bool operator<(const Entry& e) const { return other != e.other ? other < e.other : half < e.half; }
  };
  auto forward = [&](std::uint32_t he) {
    const Tri& t = tris[he / 3];
    return t[he % 3] < t[(he % 3 + 1) % 3];
  };
  std::vector<Entry> bucket;
  for (std::size_t v = 0; v < vertex_count; ++v) {
    bucket.clear();
    for (std::uint32_t e = first[v]; e < first[v + 1]; ++e) {
      const std::uint32_t he = entries[e];
      const Tri& t = tris[he / 3];
      bucket.push_back({std::max(t[he % 3], t[(he % 3 + 1) % 3]), he});
    }
    Entry* const begin = bucket.data();
    Entry* const end = begin + bucket.size();
    // Insertion sort: buckets hold about six entries. A vertex shared by
    // thousands of triangles (a hostile file repeats one triangle) would make
    // it quadratic, so large buckets take std::sort; entries are distinct,
    // so both give the same order.
    if (end - begin > 32) {
      std::sort(begin, end);
    } else {
      for (Entry* i = begin + 1; i < end; ++i)
        for (Entry* j = i; j > begin && *j < *(j - 1); --j) std::swap(*j, *(j - 1));
    }
    for (Entry* i = begin; i < end;) {
      Entry* j = i + 1;
      while (j < end && j->other == i->other) ++j;
      adj.first_of_edge[i->half] = 1;
      if (j - i == 2) {
        const std::uint32_t x = i->half, y = (i + 1)->half;
        const std::uint8_t same = forward(x) == forward(y);
        adj.neighbor[x] = y / 3;
        adj.neighbor[y] = x / 3;
        adj.same_direction[x] = adj.same_direction[y] = same;
      } else {
        const std::uint8_t kind = j - i == 1 ? 1 : 2;
        for (Entry* e = i; e < j; ++e) adj.boundary[e->half] = kind;
      }
      i = j;
    }
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
