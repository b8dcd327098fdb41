// SPDX-License-Identifier: MIT
// Prints, for every case of an evaluation set (EVAL-FORMAT.md layout), the
// per-component descriptor distances to every signature, as TSV:
//   path kind transform ref_id signature shape d2 d1 a3 moments compactness total score
// `shape` is -1 for the whole file, else the body index. Archives and files
// that do not load are skipped. This is the raw material for choosing the
// descriptor weights and the match threshold (bench/calibrate.py).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "describe/principal_frame.hpp"
#include "match/descriptor_distance.hpp"
#include "match/params.hpp"
#include "match/pose_search.hpp"
#include "meshsentry/describe.hpp"
#include "meshsentry/io.hpp"
#include "meshsentry/mesh.hpp"
#include "meshsentry/signatures.hpp"

using namespace meshsentry;

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) {
    std::fprintf(stderr, "usage: descriptor_distances SIGNATURES.msig SETDIR [VERIFY_BELOW]\n");
    return 2;
  }
  auto set = read_signature_set(argv[1]);
  if (!set) {
    std::fprintf(stderr, "%s\n", set.status().message.c_str());
    return 2;
  }
  const std::string root = argv[2];
  const double verify_below = argc == 4 ? std::atof(argv[3]) : 0.3;
  const MatchParams params;  // the defaults: a study varies them here
  std::ifstream truth(root + "/truth.tsv");
  std::string line;
  std::getline(truth, line);
  std::vector<std::vector<std::string>> rows;
  while (std::getline(truth, line)) {
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string c;
    while (std::getline(ss, c, '\t')) cols.push_back(c);
    if (cols.size() >= 4) rows.push_back(cols);
  }
  std::vector<std::string> out(rows.size());
#pragma omp parallel for schedule(dynamic)
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    auto loaded = load_mesh_file(root + "/" + r[0]);
    if (!loaded) continue;
    auto pm = prepare(std::move(loaded->mesh));
    if (!pm) continue;
    struct S { int body; ShapeDescriptor d; SurfaceSample s; const MassProperties* m; };
    std::vector<S> shapes;
    shapes.push_back({-1, {}, {}, &pm->mass});
    shapes.back().d = describe_shape(pm->mesh, {}, pm->mass, set->params, &shapes.back().s);
    if (pm->bodies.size() > 1)
      for (std::size_t b = 0; b < pm->bodies.size() && b < 32; ++b) {
        if (pm->bodies[b].mass.area < 1e-3 * pm->mass.area) break;
        shapes.push_back({int(b), {}, {}, &pm->bodies[b].mass});
        shapes.back().d = describe_shape(pm->mesh, pm->bodies[b].triangles, pm->bodies[b].mass, set->params, &shapes.back().s);
      }
    std::string s;
    char buf[512];
    for (const auto& e : set->entries)
      for (const auto& sh : shapes) {
        const DescriptorDistance dd = descriptor_distance(sh.d, e.descriptor, params.distance);
        PoseEstimate pe;
        if (dd.total < verify_below) {
          const DenseSample dense(sample_surface(pm->mesh, sh.body < 0 ? std::vector<std::uint32_t>{} : pm->bodies[sh.body].triangles, params.verify.dense_samples, 99));
          pe = estimate_pose(e, pm->mesh, sh.s, [&]() -> const DenseSample& { return dense; }, principal_frame(*sh.m),
                             sh.d.rms_radius, params.verify.loose_tolerance, params);
        }
        std::snprintf(buf, sizeof buf, "%s\t%s\t%s\t%s\t%s\t%d\t%.6f\t%.6f\t%.6f\t%.6f\t%.6f\t%.6f\t%.6f\t%.4f\t%.4f\t%.4f\n",
                      r[0].c_str(), r[1].c_str(), r[2].c_str(), r[3].c_str(), e.id.c_str(), sh.body, dd.d2, dd.d1,
                      dd.a3, dd.moments, dd.compactness, dd.total, descriptor_score(dd.total, params.distance), pe.coverage, pe.coverage_loose, pe.fit);
        s += buf;
      }
    out[i] = s;
  }
  std::printf("path\tkind\ttransform\tref_id\tsignature\tshape\td2\td1\ta3\tmoments\tcompactness\ttotal\tscore\tcoverage\tcoverage3\tfit\n");
  for (const auto& s : out) std::fputs(s.c_str(), stdout);
  return 0;
}
