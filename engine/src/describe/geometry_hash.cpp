// SPDX-License-Identifier: MIT
// Exact geometry hash: a multiset hash (sum mod 2^64 of strong per-triangle
// hashes, two independent lanes) so it ignores triangle order; each triangle
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

std::uint64_t lane(const std::array<Corner, 3>& c, std::uint64_t seed) {
  std::uint64_t h = seed;
  for (const Corner& p : c)
    for (std::uint32_t x : p) h = mix64(h ^ x) + 0x9e3779b97f4a7c15ull;
  return mix64(h);
}

}  // namespace

GeometryHash geometry_hash(const Mesh& mesh, const std::vector<std::uint32_t>& subset) {
  GeometryHash g;
  const std::size_t n = subset.empty() ? mesh.triangles.size() : subset.size();
  for (std::size_t i = 0; i < n; ++i) {
    const Tri& t = mesh.triangles[subset.empty() ? i : subset[i]];
    std::array<Corner, 3> c{bits(mesh.vertices[t[0]]), bits(mesh.vertices[t[1]]), bits(mesh.vertices[t[2]])};
    std::sort(c.begin(), c.end());
    g.lo += lane(c, 0x6d73686173680001ull);
    g.hi += lane(c, 0x6d73686173680002ull);
  }
  g.lo = mix64(g.lo ^ n);
  g.hi = mix64(g.hi + n);
  return g;
}

}  // namespace meshsentry
