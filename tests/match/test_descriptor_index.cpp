// SPDX-License-Identifier: MIT
// Stage 1's descriptor index: its bound never exceeds the descriptor
// distance, its searches return exactly what comparing with every
// descriptor returns, and a scan through it gives what the exhaustive
// comparison gives (matches and near misses alike).
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <random>

#include "match/descriptor_distance.hpp"
#include "match/descriptor_index.hpp"
#include "match/match_index.hpp"
#include "match/match_mesh.hpp"
#include "meshsentry/engine.hpp"
#include "support/fixtures.hpp"

using namespace meshsentry;
using namespace fixtures;

namespace {

std::vector<float> histogram(std::mt19937_64& rng, const std::vector<float>& around, double jitter, std::size_t bins) {
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<float> h(bins);
  double sum = 0;
  for (std::size_t i = 0; i < bins; ++i) sum += h[i] = float((around.empty() ? u(rng) : around[i]) + jitter * u(rng));
  for (float& x : h) x = float(x / sum);
  return h;
}

// Descriptors in clusters, so that every radius tried holds some and not all.
std::vector<ShapeDescriptor> random_descriptors(std::size_t n, const DescriptorParams& bins, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<ShapeDescriptor> out;
  for (std::size_t i = 0; i < n; ++i) {
    ShapeDescriptor d;
    const bool fresh = i % 10 == 0;
    const ShapeDescriptor* base = fresh ? nullptr : &out[i - i % 10];
    const double j = fresh ? 0 : 0.05 + 0.3 * u(rng);
    d.d2 = histogram(rng, base ? base->d2 : std::vector<float>{}, j, bins.d2_bins);
    d.d1 = histogram(rng, base ? base->d1 : std::vector<float>{}, j, bins.d1_bins);
    d.a3 = histogram(rng, base ? base->a3 : std::vector<float>{}, j, bins.a3_bins);
    for (int k = 0; k < 2; ++k) d.moment_ratios[k] = float(base ? base->moment_ratios[k] + 0.1 * j * u(rng) : u(rng));
    d.compactness = float(base ? base->compactness + 0.1 * j * u(rng) : u(rng));
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace

TEST_CASE("the descriptor index finds exactly the descriptors within a radius, and the nearest", "[match][index]") {
  const DescriptorParams bins;
  const DistanceParams weights;
  const std::vector<ShapeDescriptor> items = random_descriptors(600, bins, 5);
  const std::vector<ShapeDescriptor> queries = random_descriptors(60, bins, 6);
  std::vector<const ShapeDescriptor*> ptrs;
  for (const ShapeDescriptor& d : items) ptrs.push_back(&d);
  const DescriptorIndex index(ptrs, bins, weights, IndexParams{});
  std::size_t hits = 0;
  for (std::size_t q = 0; q < queries.size(); ++q) {
    const ShapeDescriptor& query = q % 2 ? queries[q] : items[q * 7];  // half of them among the items
    REQUIRE(index.accepts(query));
    std::vector<std::pair<double, std::size_t>> all;
    for (std::size_t i = 0; i < items.size(); ++i)
      all.push_back({descriptor_distance(query, items[i], weights).total, i});
    std::sort(all.begin(), all.end());
    for (double radius : {0.1, 0.25, 0.4, 0.8}) {
      auto got = index.within(query, radius);
      std::sort(got.begin(), got.end());
      std::vector<std::pair<double, std::size_t>> want;
      for (const auto& p : all)
        if (p.first <= radius) want.push_back(p);
      INFO("query " << q << " radius " << radius);
      CHECK(got == want);
      hits += want.size();
    }
    for (std::size_t k : {1, 3, 8}) {
      const auto [near, kth] = index.nearest(query, k);
      REQUIRE(near.size() >= k);
      CHECK(kth == all[k - 1].first);
      CHECK(std::equal(near.begin(), near.begin() + k, all.begin()));
    }
  }
  CHECK(hits > 0);                                      // the radii hold something
  CHECK(hits < queries.size() * 4 * items.size() / 2);  // and far from everything
}

TEST_CASE("a scan through the descriptor index equals the exhaustive comparison", "[match][index]") {
  // Read anew: an Engine's own set has its coarse views' samples moved into its index.
  const auto read = read_signature_set((source_dir() / "signatures/demo.msig").string());
  REQUIRE(read.ok());
  const SignatureSet& set = *read;
  MatchParams exhaustive;
  exhaustive.index.exhaustive = true;
  const auto all = MatchIndex::build(set, exhaustive);
  const auto indexed = MatchIndex::build(set);
  ScanOptions opt;
  opt.timing = false;
  opt.threads = 1;
  opt.candidates = 5;
  std::size_t files = 0;
  for (const char* folder : {"models/refs", "models/benign", "models/hard"})
    for (const auto& f : std::filesystem::directory_iterator(source_dir() / folder)) {
      if (f.path().extension() != ".stl") continue;
      auto pm = prepare(load_or_die(f.path().string()));
      REQUIRE(pm);
      ScanResult a, b;
      match_mesh(set, *all, *pm, opt, a);
      match_mesh(set, *indexed, *pm, opt, b);
      INFO(f.path().string());
      CHECK(a.verdict == b.verdict);
      REQUIRE(a.matches.size() == b.matches.size());
      REQUIRE(a.candidates.size() == b.candidates.size());
      for (std::size_t k = 0; k < a.matches.size(); ++k) {
        CHECK(a.matches[k].signature == b.matches[k].signature);
        CHECK(a.matches[k].score == b.matches[k].score);
      }
      for (std::size_t k = 0; k < a.candidates.size(); ++k) {
        CHECK(a.candidates[k].signature == b.candidates[k].signature);
        CHECK(a.candidates[k].score == b.candidates[k].score);
        CHECK(a.candidates[k].body == b.candidates[k].body);
      }
      ++files;
    }
  CHECK(files >= 20);
}
