// SPDX-License-Identifier: MIT
// Exact geometry hash: a multiset hash (sums mod 2^64 of a strong
// per-triangle hash and of a remix of it) so it ignores triangle order; each triangle
// hashes its corners sorted, so it ignores winding and corner order; corners
// are float bit patterns, so any encoding that keeps float32 values (binary
// STL, OBJ/PLY written with 9 digits, 3MF) gives the same hash.
#include <algorithm>
#include <cstdio>
#include <cstring>

#include "common/rng.hpp"
#include "meshsentry/describe.hpp"

namespace meshsentry {

std::string GeometryHash::hex() const {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(hi),
                static_cast<unsigned long long>(lo));
  return buf;
}

namespace {

using Corner = std::array<std::uint32_t, 3>;

Corner bits(const Vec3f& v) {
  Corner c;
  for (int k = 0; k < 3; ++k) {
    float f = v[k] == 0.0f ? 0.0f : v[k];  // -0 and +0 are the same point
    std::memcpy(&c[k], &f, 4);
  }
  return c;
}

// 9 words folded pairwise into 64-bit lanes, one full mix per pair.
std::uint64_t triangle_hash(const std::array<Corner, 3>& c) {
  std::uint32_t w[9];
  std::memcpy(w, c.data(), sizeof w);
  std::uint64_t h = 0x6d73686173680001ull;
  for (int i = 0; i < 8; i += 2) h = mix64(h ^ (std::uint64_t(w[i]) << 32 | w[i + 1]));
  return mix64(h ^ w[8]);
}

}  // namespace

GeometryHash geometry_hash(const Mesh& mesh, const std::vector<std::uint32_t>& subset) {
  GeometryHash g;
  const std::size_t n = subset.empty() ? mesh.triangles.size() : subset.size();
  for (std::size_t i = 0; i < n; ++i) {
    const Tri& t = mesh.triangles[subset.empty() ? i : subset[i]];
    std::array<Corner, 3> c{bits(mesh.vertices[t[0]]), bits(mesh.vertices[t[1]]), bits(mesh.vertices[t[2]])};
    // Three compare-exchanges sort three corners (std::sort's call and
    // loop were a third of the hash's time on a 1M-triangle file).
    if (c[1] < c[0]) std::swap(c[0], c[1]);
    if (c[2] < c[1]) std::swap(c[1], c[2]);
    if (c[1] < c[0]) std::swap(c[0], c[1]);
    const std::uint64_t h = triangle_hash(c);
    g.lo += h;
    g.hi += mix64(h ^ 0x6d73686173680002ull);
  }
  g.lo = mix64(g.lo ^ n);
  g.hi = mix64(g.hi + n);
  return g;
}

}  // namespace meshsentry
