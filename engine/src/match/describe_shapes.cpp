// SPDX-License-Identifier: MIT
// Shapes worth describing: the whole file, and its largest bodies with at
// least a few triangles and a minimum share of the file's area. The bound is
// low because a plate may hold a small part next to a huge object (a printer
// bed); dust below it cannot hold a whole part.
#include <algorithm>

#include "common/parallel.hpp"
#include "match/stages.hpp"
#include "match/tolerance.hpp"

namespace meshsentry {

void describe_shapes(MatchContext& ctx) {
  const PreparedMesh& pm = ctx.mesh;
  const ShapeParams& p = ctx.params.shapes;
  std::vector<Shape>& shapes = ctx.shapes;
  Shape whole;
  whole.mass = &pm.mass;
  shapes.push_back(std::move(whole));
  if (pm.bodies.size() > 1) {
    for (std::size_t b = 0; b < pm.bodies.size() && shapes.size() <= p.max_bodies; ++b) {
      const Body& body = pm.bodies[b];
      if (body.mass.area < p.min_body_area_fraction * pm.mass.area) break;  // the rest are smaller still
      if (body.triangles.size() < p.min_body_triangles) continue;
      Shape s;
      s.body = static_cast<int>(b);
      s.subset = &body.triangles;
      s.mass = &body.mass;
      s.hash = geometry_hash(pm.mesh, body.triangles);
      shapes.push_back(std::move(s));
    }
  }
  const DescriptorParams& base = ctx.set.params;
  for (std::size_t si = 0; si < shapes.size(); ++si) {
    Shape& s = shapes[si];
    s.noisy = pm.layer_height == 0 && perturbed(pm, s.body, ctx.params.gates);
    // Bodies get samples in proportion to their share of the area (at least
    // a fraction of a whole file's): a plate of 30 small parts costs about
    // what one part does. Histograms are normalised, so fewer samples only
    // add a little noise.
    DescriptorParams params = base;
    if (s.subset) {
      const double share = s.mass->area / pm.mass.area;
      params.samples = static_cast<std::uint32_t>(std::clamp(p.sample_share_factor * share * base.samples,
                                                             base.samples * p.min_sample_fraction, double(base.samples)));
    }
    auto describe = [&] { s.descriptor = describe_shape(pm.mesh, ctx.triangles(si), *s.mass, params, &s.sample); };
    if (s.subset) {
      describe();
      continue;
    }
    // The whole file's hash beside its descriptors, on a large mesh when
    // the file has the machine to itself.
    run_both(ctx.options.threads != 1 && pm.mesh.triangles.size() >= kConcurrentTriangles,
             [&] { s.hash = geometry_hash(pm.mesh); }, describe);
  }
}

}  // namespace meshsentry
