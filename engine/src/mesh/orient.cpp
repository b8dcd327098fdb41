// SPDX-License-Identifier: MIT
// Winding repair: breadth-first over manifold edges, a neighbour that runs a
// shared edge the same way is flipped; then each patch is turned outward by
// the sign of its enclosed volume. Files with flipped or mixed winding thus
// give the same volumes and normals as clean ones. Non-orientable patches
// (a Moebius strip) keep the first assignment found.
#include <vector>

#include "common/vec.hpp"
#include "mesh/mesh_ops.hpp"

namespace meshsentry {

std::size_t orient_triangles(BigVector<Tri>& tris, const BigVector<Vec3f>& vertices,
                             const EdgeAdjacency& adj) {
  const std::size_t n = tris.size();
  std::vector<std::int8_t> flip(n, -1);
  std::vector<std::uint32_t> queue;
  std::vector<std::uint32_t> patch;
  std::size_t flipped = 0;
  for (std::size_t seed = 0; seed < n; ++seed) {
    if (flip[seed] >= 0) continue;
    flip[seed] = 0;
    queue.assign(1, static_cast<std::uint32_t>(seed));
    patch.clear();
    // Reference point for the volume sign: the seed's first corner, so the
    // sign does not depend on where the part sits.
    const Vec3d origin = to_d(vertices[tris[seed][0]]);
    double volume = 0;
    for (std::size_t q = 0; q < queue.size(); ++q) {
      const std::uint32_t t = queue[q];
      patch.push_back(t);
      Vec3d a = sub(to_d(vertices[tris[t][0]]), origin);
      Vec3d b = sub(to_d(vertices[tris[t][1]]), origin);
      Vec3d c = sub(to_d(vertices[tris[t][2]]), origin);
      double v = dot(a, cross(b, c));
      volume += flip[t] ? -v : v;
      for (int k = 0; k < 3; ++k) {
        const std::uint32_t nb = adj.neighbor[3 * t + k];
        if (nb == kNoNeighbor || flip[nb] >= 0) continue;
        flip[nb] = static_cast<std::int8_t>(flip[t] ^ adj.same_direction[3 * t + k]);
        queue.push_back(nb);
      }
    }
    const bool outward_flip = volume < 0;
    for (std::uint32_t t : patch) {
      if (outward_flip) flip[t] ^= 1;
      if (flip[t]) {
        std::swap(tris[t][1], tris[t][2]);
        ++flipped;
      }
    }
  }
  return flipped;
}

}  // namespace meshsentry
