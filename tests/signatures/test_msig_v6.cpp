// SPDX-License-Identifier: MIT
// Format 6: a table of contents read at open, every entry's samples decoded
// on first use from the mapped file and checked against their own SHA-256.
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "common/sha256.hpp"
#include "match/match_index.hpp"
#include "meshsentry/engine.hpp"
#include "meshsentry/signatures.hpp"
#include "support/fixtures.hpp"

using namespace meshsentry;
using namespace fixtures;

namespace {

const std::string kDemoSet = (source_dir() / "signatures/demo.msig").string();

void check_same_samples(const SignatureSet& a, const SignatureSet& b) {
  REQUIRE(a.entries.size() == b.entries.size());
  for (std::size_t i = 0; i < a.entries.size(); ++i) {
    const auto &x = a.entries[i], &y = b.entries[i];
    INFO(x.id);
    CHECK(x.id == y.id);
    CHECK(x.hash == y.hash);
    CHECK(x.descriptor.d2 == y.descriptor.d2);
    CHECK(x.extent == y.extent);
    CHECK(x.sample.points == y.sample.points);
    CHECK(x.sample.normals == y.sample.normals);
    REQUIRE(x.views.size() == y.views.size());
    for (std::size_t k = 0; k < x.views.size(); ++k) {
      CHECK(x.views[k].cell == y.views[k].cell);
      CHECK(x.views[k].descriptor.a3 == y.views[k].descriptor.a3);
      CHECK(x.views[k].extent == y.views[k].extent);
      CHECK(x.views[k].sample.points == y.views[k].sample.points);
      CHECK(x.views[k].sample.normals == y.views[k].sample.normals);
    }
  }
}

// The demo set written in format 6 to `path`; its bytes.
std::string write_v6(const std::string& path) {
  auto set = read_signature_set(kDemoSet);
  REQUIRE(set.ok());
  REQUIRE(write_signature_set(*set, path).ok());
  return read_bytes(path);
}

std::span<const std::byte> as_span(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

}  // namespace

TEST_CASE("format 6 round-trips: decoded on first use, the same entries as format 5", "[signatures][msig6]") {
  TempDir d;
  const std::string path = (d.path / "s.msig").string();
  const std::string bytes = write_v6(path);
  auto v5 = read_signature_set(kDemoSet);
  REQUIRE(v5.ok());
  REQUIRE(v5->format_version == 5);

  auto lazy = read_signature_set(path);
  REQUIRE(lazy.ok());
  CHECK(lazy->format_version == 6);
  REQUIRE(lazy->lazy.state() != nullptr);
  REQUIRE(!lazy->entries.empty());
  // Only the table of contents is read at open: the samples are not there yet,
  // the small fields are.
  CHECK(lazy->entries[0].sample.points.empty());
  CHECK(lazy->entries[0].descriptor.d2 == v5->entries[0].descriptor.d2);
  // The checksum commits to the header and table of contents, not the whole file.
  CHECK(lazy->checksum != sha256_hex(as_span(bytes)));
  CHECK(lazy->checksum.size() == 64);

  const SignatureSet copy = *lazy;  // copies decode on their own
  REQUIRE(decode_entry(*lazy, 0).ok());
  CHECK(!lazy->entries[0].sample.points.empty());
  CHECK(copy.entries[0].sample.points.empty());
  REQUIRE(decode_all(*lazy).ok());
  CHECK(lazy->lazy.state() == nullptr);
  check_same_samples(*v5, *lazy);

  // Parsed from bytes (nothing kept), everything is decoded at once.
  auto eager = parse_signature_set(as_span(bytes));
  REQUIRE(eager.ok());
  CHECK(eager->lazy.state() == nullptr);
  CHECK(eager->checksum == lazy->checksum);
  check_same_samples(*v5, *eager);
  // Written again: the same bytes; format 5 again: the same as the committed set's entries.
  const auto again = serialize_signature_set(*eager);
  CHECK(std::string(reinterpret_cast<const char*>(again.data()), again.size()) == bytes);
  auto back5 = parse_signature_set(serialize_signature_set(*eager, 5));
  REQUIRE(back5.ok());
  check_same_samples(*v5, *back5);
}

TEST_CASE("format 6: entries decoded from many threads at once are decoded once, the same", "[signatures][msig6]") {
  TempDir d;
  const std::string path = (d.path / "s.msig").string();
  write_v6(path);
  auto set = read_signature_set(path);
  REQUIRE(set.ok());
  const SignatureSet& s = *set;
  std::vector<std::thread> threads;
  std::vector<int> failures(8, 0);
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (std::size_t i = 0; i < s.entries.size(); ++i) {
        const std::size_t k = (i + t) % s.entries.size();
        failures[t] += !decode_entry(s, k).ok() || s.entries[k].sample.points.empty();
      }
    });
  for (auto& t : threads) t.join();
  for (int f : failures) CHECK(f == 0);
  auto eager = parse_signature_set(as_span(read_bytes(path)));
  REQUIRE(eager.ok());
  check_same_samples(*eager, s);
}

TEST_CASE("format 6: a corrupted sample blob is an error for that signature only", "[signatures][msig6]") {
  TempDir d;
  const std::string path = (d.path / "s.msig").string();
  std::string bytes = write_v6(path);
  bytes[bytes.size() - 5] ^= 0x40;  // inside the last entry's blob
  write_bytes(path, bytes);

  auto set = read_signature_set(path);
  REQUIRE(set.ok());  // the table of contents is intact
  const std::size_t last = set->entries.size() - 1;
  CHECK(decode_entry(*set, 0).ok());
  const Status bad = decode_entry(*set, last);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.code == ErrorCode::corrupt);
  CHECK_THAT(bad.message, Catch::Contains(set->entries[last].id) && Catch::Contains("checksum mismatch"));
  CHECK(decode_entry(*set, last).code == ErrorCode::corrupt);  // every time it is asked
  CHECK(set->entries[last].sample.points.empty());
  CHECK_FALSE(decode_all(*set).ok());

  // The matcher's index: that signature has no samples and says why; the others do.
  auto index = MatchIndex::build(*set);
  CHECK(index->entry(last).sample.points.empty());
  CHECK(index->sample_error(last).code == ErrorCode::corrupt);
  CHECK(!index->entry(0).sample.points.empty());
  CHECK(index->sample_error(0).ok());
  // An engine opens it and scans without crashing.
  auto engine = Engine::open(path);
  REQUIRE(engine.ok());
  const auto results = engine->scan_paths({(source_dir() / "models").string()}, ScanOptions{});
  CHECK(!results.empty());

  // Parsed whole from bytes, the set is corrupt.
  auto whole = parse_signature_set(as_span(bytes));
  REQUIRE_FALSE(whole.ok());
  CHECK(whole.status().code == ErrorCode::corrupt);
}

TEST_CASE("format 6: a truncated or altered table of contents is corrupt at open", "[signatures][msig6]") {
  TempDir d;
  const std::string path = (d.path / "s.msig").string();
  const std::string good = write_v6(path);
  for (std::size_t len : {std::size_t{30}, std::size_t{200}, good.size() / 2, good.size() - 1}) {
    INFO(len);
    write_bytes(path, good.substr(0, len));
    auto r = read_signature_set(path);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code == ErrorCode::corrupt);
  }
  write_bytes(path, good + "x");
  CHECK(read_signature_set(path).status().code == ErrorCode::corrupt);
  std::string flipped = good;
  flipped[100] ^= 1;  // inside the table of contents
  write_bytes(path, flipped);
  auto r = read_signature_set(path);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.status().message, Catch::Contains("checksum mismatch"));
}

TEST_CASE("format 6: a signed set verifies by its table of contents", "[signatures][msig6][signing]") {
  TempDir d;
  const std::string path = (d.path / "s.msig").string();
  write_v6(path);
  REQUIRE(generate_signing_key((d.path / "a.pem").string(), (d.path / "a.pub.pem").string()).ok());
  REQUIRE(sign_signature_set(path, (d.path / "a.pem").string()).ok());
  const TrustOptions trust{.trusted_keys = {(d.path / "a.pub.pem").string()}, .default_keys = false};
  auto set = read_signature_set(path, trust);
  REQUIRE(set.ok());
  CHECK(!set->signed_by.empty());
  CHECK(set->lazy.state() != nullptr);  // verifying did not read the samples
  // Another table of contents (a renamed entry) no longer verifies.
  SignatureSet other = *set;
  REQUIRE(decode_all(other).ok());
  other.entries[0].label += " (changed)";
  const std::string moved = (d.path / "t.msig").string();
  REQUIRE(write_signature_set(other, moved).ok());
  std::filesystem::copy_file(path + ".sig", moved + ".sig");
  auto forged = read_signature_set(moved, trust);
  REQUIRE_FALSE(forged.ok());
  CHECK_THAT(forged.status().message, Catch::Contains("does not verify"));
}

TEST_CASE("format 6: a set with a duplicate id is corrupt at open", "[signatures][msig6]") {
  auto set = read_signature_set(kDemoSet);
  REQUIRE(set.ok());
  REQUIRE(set->entries.size() >= 2);
  set->entries[1].id = set->entries[0].id;
  TempDir d;
  const std::string path = (d.path / "s.msig").string();
  REQUIRE(write_signature_set(*set, path).ok());
  auto r = read_signature_set(path);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code == ErrorCode::corrupt);
  CHECK_THAT(r.status().message, Catch::Contains("duplicate id '" + set->entries[0].id + "'"));
}

TEST_CASE("the committed format-6 file still opens, every entry decoded, its scale policy kept",
          "[signatures][msig6]") {
  // tests/data/one_v6.msig: the star knob of models/refs, built with `scale true` on 2026-12-08.
  // A change to format 6's layout that forgets older files fails here.
  auto set = read_signature_set((source_dir() / "tests/data/one_v6.msig").string());
  REQUIRE(set.ok());
  CHECK(set->format_version == 6);
  REQUIRE(set->entries.size() == 1);
  CHECK(set->entries[0].id == "star_knob_5lobe");
  CHECK(set->entries[0].scale == ScalePolicy::fixed);
  REQUIRE(decode_all(*set).ok());
  CHECK(set->entries[0].sample.points.size() > 100);
}
