// SPDX-License-Identifier: MIT
// Matching one prepared mesh against the signature set: the cascade of
// stages.hpp, cheapest first.
#include "match/match_mesh.hpp"

#include "match/stages.hpp"

namespace meshsentry {

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
  MatchContext ctx(set, index, mesh, options);
  describe_shapes(ctx);
  result.hash = ctx.shapes[0].hash;
  shortlist(ctx);
  verify_whole(ctx);
  verify_coarse(ctx);
  find_fused_and_pieces(ctx);
  score(ctx, result);
}

void Engine::match_mesh(const PreparedMesh& prepared, const ScanOptions& options, ScanResult& result) const {
  meshsentry::match_mesh(set_, *index_, prepared, options, result);
}

}  // namespace meshsentry
