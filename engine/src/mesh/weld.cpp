// SPDX-License-Identifier: MIT
// Vertex welding on a quantised grid with an open-addressing hash table.
// O(n) expected; the table holds a key and an index per welded position,
// sized for typical meshes where each position repeats about six times.
// A binary STL is welded straight from its records, without a soup.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <functional>

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
      // The origin is the box's minimum, so q >= 0 and truncation is the
      // floor (std::floor is a library call on baseline x86-64: it was a
      // third of the weld's time).
      const double q = std::min((double(p[a]) - origin[a]) * inv_cell, double((1u << 21) - 1));
      k |= static_cast<std::uint64_t>(q > 0 ? q : 0.0) << (21 * a);
    }
    return k;
  }
};

// The weld of `n` positions, read through `pos(i)`, in order: each gets the
// id of the first position in its cell, and `emit(i, id)` is told it; the
// first position of each cell is appended to `vertices`. Shared by the weld
// of a soup and the weld straight from a binary STL's records.
template <class Pos, class Emit>
void weld_stream(std::size_t n, Pos pos, const BoundingBox& box, double cell, BigVector<Vec3f>& vertices, Emit emit) {
  // A cell never finer than the grid's 21 bits per axis can address.
  double extent = 0;
  for (int a = 0; a < 3; ++a) extent = std::max(extent, double(box.max[a]) - double(box.min[a]));
  cell = std::max({cell, extent / double((1u << 21) - 2), 1e-30});
  const Quantizer q{{box.min[0], box.min[1], box.min[2]}, 1.0 / cell};

  // Slots hold the key beside the id, so a probe is one cache miss, and the
  // slots of the next few vertices are prefetched while this one is probed:
  // the table is far larger than the cache for a large mesh, and the
  // misses, not the arithmetic, were the cost (a 1M-triangle file: 65 ms).
  struct Slot {
    std::uint64_t key;
    std::uint32_t id;
  };
  // It starts at a quarter of the size a closed mesh ends with (n / 6
  // positions at load 1/2) and grows: the last doubling comes about halfway
  // through, when half a big STL's bytes have gone back already, instead of
  // the whole table living beside the whole file (peak memory).
  std::size_t cap = 16;
  while (cap < n / 16) cap <<= 1;
  BigVector<Slot> table(cap);
  std::fill(table.begin(), table.end(), Slot{0, kNoNeighbor});
  vertices.reserve(n / 4 + 16);
  constexpr std::size_t kAhead = 16;
  std::array<std::uint64_t, kAhead> ahead{};
  for (std::size_t i = 0; i < std::min(n, kAhead); ++i) {
    ahead[i] = q.key(pos(i));
    __builtin_prefetch(&table[mix64(ahead[i]) & (cap - 1)]);
  }
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t k = ahead[i % kAhead];
    if (i + kAhead < n) {
      const std::uint64_t next = q.key(pos(i + kAhead));
      ahead[i % kAhead] = next;
      __builtin_prefetch(&table[mix64(next) & (cap - 1)]);
    }
    std::size_t slot = mix64(k) & (cap - 1);
    while (true) {
      Slot& s = table[slot];
      if (s.id == kNoNeighbor) {
        s = {k, static_cast<std::uint32_t>(vertices.size())};
        vertices.push_back(pos(i));
        emit(i, s.id);
        break;
      }
      if (s.key == k) {
        emit(i, s.id);
        break;
      }
      slot = (slot + 1) & (cap - 1);
    }
    // Keep the load factor under 1/2 by doubling and reinserting.
    if (vertices.size() * 2 > cap) {
      BigVector<Slot> old(cap * 2);
      std::fill(old.begin(), old.end(), Slot{0, kNoNeighbor});
      old.swap(table);
      cap <<= 1;
      for (const Slot& o : old) {
        if (o.id == kNoNeighbor) continue;
        std::size_t s = mix64(o.key) & (cap - 1);
        while (table[s].id != kNoNeighbor) s = (s + 1) & (cap - 1);
        table[s] = o;
      }
    }
  }
}

}  // namespace

WeldResult weld_vertices(const BigVector<Vec3f>& vertices, const BoundingBox& box, double cell) {
  WeldResult out;
  out.remap.resize(vertices.size());
  weld_stream(
      vertices.size(), [&](std::size_t i) -> const Vec3f& { return vertices[i]; }, box, cell, out.vertices,
      [&](std::size_t i, std::uint32_t id) { out.remap[i] = id; });
  return out;
}

std::size_t weld_stl_records(const std::byte* first, std::uint32_t count, const BoundingBox& box, double cell,
                             Mesh& out, const std::function<void(std::size_t)>& consumed) {
  auto pos = [first](std::size_t i) {
    Vec3f p;
    std::memcpy(p.data(), first + 50 * (i / 3) + 12 + 12 * (i % 3), 12);
    return p;
  };
  out.triangles.reserve(count);
  std::size_t dropped = 0;
  // Tell `consumed` every 2 MiB or so, a little behind the read-ahead.
  constexpr std::size_t kReport = (std::size_t{2} << 20) / 50;
  Tri t{};
  weld_stream(3ull * count, pos, box, cell, out.vertices, [&](std::size_t i, std::uint32_t id) {
    t[i % 3] = id;
    if (i % 3 != 2) return;
    if (t[0] == t[1] || t[1] == t[2] || t[0] == t[2]) ++dropped;
    else out.triangles.push_back(t);
    const std::size_t tri = i / 3;
    if (consumed && tri % kReport == kReport - 1 && tri > 64) consumed(50 * (tri - 64));
  });
  if (consumed) consumed(50ull * count);
  return dropped;
}

}  // namespace meshsentry
