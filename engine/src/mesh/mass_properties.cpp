// SPDX-License-Identifier: MIT
// Mass properties by the divergence theorem (Eberly, "Polyhedral Mass
// Properties", 2002; Tonon 2004): each triangle with the origin spans a signed
// tetrahedron. Integrals are taken about the bounding-box centre of the
// subset so that far-away parts keep their precision.
#include <array>
#include <cmath>

#include "common/vec.hpp"
#include "mesh/mesh_ops.hpp"

namespace meshsentry {

MassProperties mass_properties(const Mesh& mesh, const std::vector<std::uint32_t>& subset) {
  const std::size_t n = subset.empty() ? mesh.triangles.size() : subset.size();
  auto tri_at = [&](std::size_t i) -> const Tri& {
    return mesh.triangles[subset.empty() ? i : subset[i]];
  };
  // Reference point: centre of the subset's bounding box.
  Vec3d lo{1e300, 1e300, 1e300}, hi{-1e300, -1e300, -1e300};
  for (std::size_t i = 0; i < n; ++i)
    for (int c = 0; c < 3; ++c)
      for (int k = 0; k < 3; ++k) {
        lo[k] = std::min(lo[k], double(mesh.vertices[tri_at(i)[c]][k]));
        hi[k] = std::max(hi[k], double(mesh.vertices[tri_at(i)[c]][k]));
      }
  const Vec3d o = n ? mul(add(lo, hi), 0.5) : Vec3d{0, 0, 0};

  MassProperties m;
  Vec3d area_moment{0, 0, 0}, vol_moment{0, 0, 0};
  // Second moments, upper triangle (xx, xy, xz, yy, yz, zz): a triangle's
  // E[pp^T] is (sum v v^T + s s^T) / 12, a tetrahedron's with the origin
  // V/20 times the same matrix, so it is formed once per triangle.
  constexpr int kI[6] = {0, 0, 0, 1, 1, 2}, kJ[6] = {0, 1, 2, 1, 2, 2};
  double surf2[6] = {}, vol2[6] = {};
  for (std::size_t i = 0; i < n; ++i) {
    const Tri& t = tri_at(i);
    const Vec3d a = sub(to_d(mesh.vertices[t[0]]), o);
    const Vec3d b = sub(to_d(mesh.vertices[t[1]]), o);
    const Vec3d c = sub(to_d(mesh.vertices[t[2]]), o);
    const Vec3d s = add(add(a, b), c);
    const double area = 0.5 * norm(cross(sub(b, a), sub(c, a)));
    const double vol = dot(a, cross(b, c)) / 6.0;
    m.area += area;
    m.signed_volume += vol;
    area_moment = add(area_moment, mul(s, area / 3.0));
    vol_moment = add(vol_moment, mul(s, vol / 4.0));
    const double ws = area / 12.0, wv = vol / 20.0;
    for (int e = 0; e < 6; ++e) {
      const int p = kI[e], q = kJ[e];
      const double mpq = a[p] * a[q] + b[p] * b[q] + c[p] * c[q] + s[p] * s[q];
      surf2[e] += ws * mpq;
      vol2[e] += wv * mpq;
    }
  }
  m.abs_volume = std::abs(m.signed_volume);
  const Vec3d ac = m.area > 0 ? mul(area_moment, 1.0 / m.area) : Vec3d{0, 0, 0};
  const Vec3d vc = m.signed_volume != 0 ? mul(vol_moment, 1.0 / m.signed_volume) : ac;
  m.area_centroid = add(ac, o);
  m.volume_centroid = add(vc, o);
  std::array<double, 9> solid{};
  for (int e = 0; e < 6; ++e) {
    const int i = kI[e], j = kJ[e];
    m.surface_covariance[3 * i + j] = m.surface_covariance[3 * j + i] = surf2[e] - m.area * ac[i] * ac[j];
    // Solid second moment about the volume centroid; inertia = tr(C) I - C.
    solid[3 * i + j] = solid[3 * j + i] = vol2[e] - m.signed_volume * vc[i] * vc[j];
  }
  const double tr = solid[0] + solid[4] + solid[8];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) m.inertia[3 * i + j] = (i == j ? tr : 0.0) - solid[3 * i + j];
  return m;
}

}  // namespace meshsentry
