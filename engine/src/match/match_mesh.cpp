// SPDX-License-Identifier: MIT
// Matching one prepared mesh against the signature set: the cascade of
// stages.hpp, cheapest first.
#include "match/match_mesh.hpp"

#include <algorithm>
#include <cmath>

#include "match/stages.hpp"

namespace meshsentry {
namespace {

void cascade(const SignatureSet& set, const MatchIndex& index, const PreparedMesh& mesh, const ScanOptions& options,
             ScanResult& result) {
  MatchContext ctx(set, index, mesh, options);
  describe_shapes(ctx);
  result.hash = ctx.shapes[0].hash;
  shortlist(ctx);
  verify_whole(ctx);
  verify_coarse(ctx);
  find_fused_and_pieces(ctx);
  score(ctx, result);
}

// A file drawn in inches and read as millimetres is 25.4 times too small.
// Whole parts are found at any scale, but the point-pair stages (fused
// parts, cut pieces) vote at the signature's own size, so a clean file small
// enough to be such a part in inches is matched again at 25.4 times its
// size, and what that finds is reported at the file's scale.
constexpr double kInch = 25.4;

bool small_enough_for_inches(const MatchIndex& index, std::size_t signatures, const PreparedMesh& mesh) {
  const UnitParams& p = index.params.units;
  double widest = 0, narrowest = 0;
  for (std::size_t i = 0; i < signatures; ++i) {
    const double w = index.diameter(i);
    widest = std::max(widest, w);
    narrowest = narrowest == 0 ? w : std::min(narrowest, w);
  }
  double diagonal = 0;
  for (int k = 0; k < 3; ++k) diagonal += std::pow(double(mesh.bounds.max[k]) - double(mesh.bounds.min[k]), 2);
  const double width = kInch * std::sqrt(diagonal);
  return widest > 0 && width <= p.max_width * widest && width >= p.min_width * narrowest;
}

void at_file_scale(Match& m) {
  m.scale /= kInch;
  for (int k = 0; k < 12; ++k) m.transform[static_cast<std::size_t>(k)] /= kInch;
}

}  // namespace

const char* to_string(Method m) noexcept {
  switch (m) {
    case Method::global: return "global";
    case Method::exact: return "exact";
    case Method::verified: return "verified";
    case Method::coarse: return "coarse";
    case Method::fused: return "fused";
    case Method::piece: return "piece";
  }
  return "global";
}

void match_mesh(const SignatureSet& set, const MatchIndex& index, const PreparedMesh& mesh, const ScanOptions& options,
                ScanResult& result) {
  result.triangles = mesh.mesh.triangles.size();
  result.bodies = static_cast<std::uint32_t>(mesh.bodies.size());
  cascade(set, index, mesh, options, result);
  if (result.verdict != Verdict::clean || !options.partial || set.entries.empty() ||
      !small_enough_for_inches(index, set.entries.size(), mesh))
    return;
  Mesh scaled = mesh.mesh;
  for (Vec3f& v : scaled.vertices)
    for (float& c : v) c = static_cast<float>(c * kInch);
  auto inches = prepare(std::move(scaled));
  if (!inches) return;
  inches->layer_height = mesh.layer_height * kInch;
  ScanResult again;
  cascade(set, index, *inches, options, again);
  if (again.verdict == Verdict::clean) return;
  result.verdict = again.verdict;
  result.matches = std::move(again.matches);
  result.candidates = std::move(again.candidates);
  for (Match& m : result.matches) at_file_scale(m);
  for (Match& m : result.candidates) at_file_scale(m);
}

void Engine::match_mesh(const PreparedMesh& prepared, const ScanOptions& options, ScanResult& result) const {
  meshsentry::match_mesh(set_, *index_, prepared, options, result);
}

}  // namespace meshsentry
