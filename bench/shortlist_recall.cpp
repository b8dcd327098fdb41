// SPDX-License-Identifier: MIT
// The descriptor index against the exhaustive comparison it replaced: every
// file is matched twice, once with IndexParams::exhaustive (every shape
// against every signature and coarse view) and once through the index, and
// the tool counts the (shape, signature) pairs within the widest gate and the
// (shape, view) pairs within the coarse gate that the exhaustive pass
// measured and the index found (recall), and whether both passes placed the
// same signatures the same way and gave the same matches and candidates.
// Exit status 1 when recall is under 1 or anything differs.
//   shortlist_recall SET.msig FILE_OR_FOLDER...
// Archives and G-code are skipped (bench/same_output.sh covers them end to end).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "match/context.hpp"
#include "match/descriptor_distance.hpp"
#include "match/stages.hpp"
#include "meshsentry/io.hpp"

using namespace meshsentry;

namespace {

struct Tally {
  std::size_t files = 0, pairs = 0, pairs_found = 0, views = 0, views_found = 0;
  std::size_t placements_differ = 0, results_differ = 0, measured = 0, measured_exhaustive = 0;
};

std::string describe(const ScanResult& r) {
  std::string s = std::string(to_string(r.verdict)) + ":";
  for (const auto* list : {&r.matches, &r.candidates})
    for (const Match& m : *list) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g", m.score);
      s += " " + m.signature + "=" + buf + "/" + to_string(m.method) + "/" + std::to_string(m.body);
    }
  return s;
}

// Runs the cascade, keeping the context for inspection.
struct Run {
  MatchContext ctx;
  ScanResult result;
  Run(const SignatureSet& set, const MatchIndex& index, const PreparedMesh& pm, const ScanOptions& o)
      : ctx(set, index, pm, o) {
    describe_shapes(ctx);
    shortlist(ctx);
    verify_whole(ctx);
    verify_coarse(ctx);
    find_fused_and_pieces(ctx);
    score(ctx, result);
  }
};

void compare(const SignatureSet& set, const MatchIndex& all, const MatchIndex& indexed, const std::string& path,
             Tally& t) {
  const std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".zip" || ext == ".gcode" || ext == ".bgcode" || ext == ".gz") return;
  auto loaded = load_mesh_file(path);
  if (!loaded) return;
  auto pm = prepare(std::move(loaded->mesh));
  if (!pm) return;
  ScanOptions o;
  o.threads = 1;
  Run a(set, all, *pm, o), b(set, indexed, *pm, o);
  ++t.files;
  const double reach = shortlist_reach(all.params);
  const double gate = all.params.gates.coarse_verify;
  for (std::size_t si = 0; si < a.ctx.shapes.size(); ++si) {
    const Shape& sa = a.ctx.shapes[si];
    const Shape& sb = b.ctx.shapes[si];
    for (std::size_t i = 0; i < sa.distance.size(); ++i) {
      t.measured_exhaustive += 1;
      if (std::find(sb.near.begin(), sb.near.end(), i) != sb.near.end()) ++t.measured;
      if (sa.distance[i] > reach) continue;
      ++t.pairs;
      if (sb.distance[i] == sa.distance[i]) ++t.pairs_found;
    }
    if (!indexed.view_search()) continue;
    std::set<std::size_t> found;
    for (const auto& [d, k] : indexed.view_search()->within(sb.descriptor, gate)) found.insert(k);
    for (std::size_t k = 0; k < all.views.size(); ++k)
      if (descriptor_distance(sa.descriptor, all.views[k].descriptor(), all.params.distance).total <= gate) {
        ++t.views;
        t.views_found += found.count(k);
      }
  }
  bool same = a.ctx.placements.size() == b.ctx.placements.size();
  for (std::size_t k = 0; same && k < a.ctx.placements.size(); ++k) {
    const Placement &p = a.ctx.placements[k], &q = b.ctx.placements[k];
    same = p.signature == q.signature && p.shape == q.shape && p.method == q.method &&
           p.pose.coverage_loose == q.pose.coverage_loose;
  }
  if (!same) {
    ++t.placements_differ;
    std::fprintf(stderr, "placements differ: %s\n", path.c_str());
  }
  if (describe(a.result) != describe(b.result)) {
    ++t.results_differ;
    std::fprintf(stderr, "results differ: %s\n  exhaustive: %s\n  indexed:    %s\n", path.c_str(),
                 describe(a.result).c_str(), describe(b.result).c_str());
    if (std::getenv("SHORTLIST_RECALL_VERBOSE"))
      for (const Shape& s : b.ctx.shapes) {
        std::fprintf(stderr, "  shape body %d certain %.4f near:", s.body, s.certain);
        for (std::size_t i : s.near) std::fprintf(stderr, " %zu=%.4f", i, s.distance[i]);
        std::fprintf(stderr, "\n");
      }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: shortlist_recall SET.msig FILE_OR_FOLDER...\n");
    return 2;
  }
  auto set = read_signature_set(argv[1]);
  if (!set) {
    std::fprintf(stderr, "shortlist_recall: %s\n", set.status().message.c_str());
    return 2;
  }
  MatchParams exhaustive;
  exhaustive.index.exhaustive = true;
  const auto all = MatchIndex::build(*set, exhaustive);
  const auto indexed = MatchIndex::build(*set);
  std::vector<std::string> files;
  for (int i = 2; i < argc; ++i) {
    if (std::filesystem::is_directory(argv[i])) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(argv[i]))
        if (e.is_regular_file()) files.push_back(e.path().string());
    } else {
      files.push_back(argv[i]);
    }
  }
  std::sort(files.begin(), files.end());
  Tally t;
  for (const std::string& f : files) compare(*set, *all, *indexed, f, t);
  auto ratio = [](std::size_t a, std::size_t b) { return b ? double(a) / double(b) : 1.0; };
  std::printf("files compared: %zu (of %zu; archives and G-code skipped)\n", t.files, files.size());
  std::printf("(shape, signature) pairs within %.2f: %zu, found by the index: %zu, recall %.4f\n",
              shortlist_reach(indexed->params), t.pairs, t.pairs_found, ratio(t.pairs_found, t.pairs));
  std::printf("(shape, view) pairs within %.2f: %zu, found by the index: %zu, recall %.4f\n",
              indexed->params.gates.coarse_verify, t.views, t.views_found, ratio(t.views_found, t.views));
  std::printf("signatures measured by stage 1's search: %zu of %zu (%.1f%%)\n", t.measured, t.measured_exhaustive,
              100 * ratio(t.measured, t.measured_exhaustive));
  std::printf("files whose placements differ: %zu; whose matches or candidates differ: %zu\n", t.placements_differ,
              t.results_differ);
  const bool ok = t.pairs_found == t.pairs && t.views_found == t.views && !t.placements_differ && !t.results_differ;
  std::printf("%s\n", ok ? "OK: the index finds everything the exhaustive comparison did" : "FAILED");
  return ok ? 0 : 1;
}
