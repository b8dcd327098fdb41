// SPDX-License-Identifier: MIT
// sig add, remove and merge in the engine: an edited set holds the same bytes
// as a full build of the same references, every refusal leaves the set as it
// was, and an edited set's old signature is removed rather than left stale.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>

#include "meshsentry/engine.hpp"
#include "meshsentry/signatures.hpp"
#include "support/fixtures.hpp"

using namespace meshsentry;
using namespace fixtures;

namespace {

constexpr const char* kCreated = "2026-12-01T00:00:00Z";

// Three small references (a cube, a slab, two cubes side by side) and
// manifests of the first two (a.tsv), the third (b.tsv) and all (ab.tsv).
struct Refs {
  TempDir d;
  Refs() {
    write_binary_stl(cube(10), d.path / "box.stl");
    write_binary_stl(transformed(cube(10), {2, 0, 0, 0, 1, 0, 0, 0, 0.5}, {0, 0, 0}), d.path / "slab.stl");
    Mesh pair = cube(10);
    append(pair, transformed(cube(10), {1, 0, 0, 0, 1, 0, 0, 0, 1}, {25, 0, 0}));
    write_binary_stl(pair, d.path / "pair.stl");
    write_binary_stl(transformed(cube(10), {1, 0, 0, 0, 3, 0, 0, 0, 1}, {0, 0, 0}), d.path / "bar.stl");
    manifest("a.tsv", {"box\tBox\treference\tbox.stl", "slab\tSlab\treference\tslab.stl\tlow"});
    manifest("b.tsv", {"pair\tPair\treference\tpair.stl"});
    manifest("ab.tsv", {"box\tBox\treference\tbox.stl", "slab\tSlab\treference\tslab.stl\tlow",
                        "pair\tPair\treference\tpair.stl"});
    manifest("new_box.tsv", {"box\tNew box\treference\tbar.stl"});
  }
  void manifest(const std::string& name, const std::vector<std::string>& rows) const {
    std::ofstream f(d.path / name);
    f << "id\tlabel\tclass\tpath\tseverity\n";
    for (const auto& r : rows) f << r << "\n";
  }
  std::string operator()(const std::string& name) const { return (d.path / name).string(); }
};

SignatureSet build(const std::string& manifest) {
  BuildOptions o;
  o.name = "parts";
  o.created = kCreated;
  auto set = build_signature_set(manifest, o);
  REQUIRE(set.ok());
  return std::move(*set);
}

// The set as a reader gets it back from its file.
SignatureSet reread(SignatureSet set) {
  auto back = parse_signature_set(serialize_signature_set(set));
  REQUIRE(back.ok());
  return std::move(*back);
}

EditOptions stamped() {
  EditOptions o;
  o.created = kCreated;
  return o;
}

std::vector<std::string> ids(const SignatureSet& set) {
  std::vector<std::string> v;
  for (const auto& e : set.entries) v.push_back(e.id);
  return v;
}

}  // namespace

TEST_CASE("build A then add B, and merging the builds of A and B, give the bytes of building A+B",
          "[signatures][edit]") {
  Refs refs;
  SignatureSet whole = build(refs("ab.tsv"));
  const auto expected = serialize_signature_set(whole);

  SignatureSet added = reread(build(refs("a.tsv")));
  REQUIRE(add_to_signature_set(added, refs("b.tsv"), stamped()).ok());
  CHECK(ids(added) == std::vector<std::string>{"box", "slab", "pair"});
  CHECK(serialize_signature_set(added) == expected);

  auto merged = merge_signature_sets({reread(build(refs("a.tsv"))), reread(build(refs("b.tsv")))}, {"a.msig", "b.msig"},
                                     stamped());
  REQUIRE(merged.ok());
  CHECK(merged->name == "parts");
  CHECK(serialize_signature_set(*merged) == expected);

  // Removing what was added gives A's bytes back.
  REQUIRE(remove_from_signature_set(added, {"pair"}, stamped()).ok());
  SignatureSet a = build(refs("a.tsv"));
  CHECK(serialize_signature_set(added) == serialize_signature_set(a));
}

TEST_CASE("sig add refuses an id already in the set unless told to replace it, in place", "[signatures][edit]") {
  Refs refs;
  SignatureSet set = reread(build(refs("ab.tsv")));
  const auto before = serialize_signature_set(set);

  const Status dup = add_to_signature_set(set, refs("b.tsv"), stamped());
  REQUIRE(!dup.ok());
  CHECK(dup.message.find("'pair'") != std::string::npos);
  CHECK(serialize_signature_set(set) == before);

  EditOptions replace = stamped();
  replace.replace = true;
  const GeometryHash old_hash = set.entries[0].hash;
  REQUIRE(add_to_signature_set(set, refs("new_box.tsv"), replace).ok());
  CHECK(ids(set) == std::vector<std::string>{"box", "slab", "pair"});
  CHECK(set.entries[0].label == "New box");
  CHECK(!(set.entries[0].hash == old_hash));
  CHECK(set.entries[1].hash == build(refs("ab.tsv")).entries[1].hash);

  // A reference that cannot be loaded leaves the set as it was.
  refs.manifest("missing.tsv", {"gone\tGone\treference\tnope.stl"});
  const auto replaced = serialize_signature_set(set);
  const Status missing = add_to_signature_set(set, refs("missing.tsv"), stamped());
  REQUIRE(!missing.ok());
  CHECK(missing.message.find("nope.stl") != std::string::npos);
  CHECK(serialize_signature_set(set) == replaced);
}

TEST_CASE("sig add refuses a set described with other parameters or by another engine", "[signatures][edit]") {
  Refs refs;
  SignatureSet other_params = build(refs("a.tsv"));
  other_params.params.samples = 2048;
  const Status p = add_to_signature_set(other_params, refs("b.tsv"), stamped());
  REQUIRE(!p.ok());
  CHECK(p.message.find("2048 samples") != std::string::npos);
  CHECK(other_params.entries.size() == 2);

  SignatureSet old_engine = build(refs("a.tsv"));
  old_engine.engine_version = "0.0.1";
  const Status v = add_to_signature_set(old_engine, refs("b.tsv"), stamped());
  REQUIRE(!v.ok());
  CHECK(v.message.find("0.0.1") != std::string::npos);
  CHECK(old_engine.entries.size() == 2);

  // tests/data/demo_v2.msig: format 2, entries without coarse views.
  auto v2 = read_signature_set((source_dir() / "tests/data/demo_v2.msig").string());
  REQUIRE(v2.ok());
  const Status f = add_to_signature_set(*v2, refs("b.tsv"), stamped());
  REQUIRE(!f.ok());
  CHECK(f.message.find("format version 2") != std::string::npos);
  CHECK(!merge_signature_sets({*v2, build(refs("b.tsv"))}, {"v2.msig", "b.msig"}).ok());
}

TEST_CASE("sig remove drops entries by id; an unknown id or an emptied set is refused", "[signatures][edit]") {
  Refs refs;
  SignatureSet set = build(refs("ab.tsv"));
  const Status unknown = remove_from_signature_set(set, {"box", "nope"}, stamped());
  REQUIRE(!unknown.ok());
  CHECK(unknown.message.find("'nope'") != std::string::npos);
  CHECK(set.entries.size() == 3);

  const Status all = remove_from_signature_set(set, {"box", "slab", "pair"}, stamped());
  REQUIRE(!all.ok());
  CHECK(all.message.find("empty") != std::string::npos);
  CHECK(set.entries.size() == 3);

  EditOptions renamed = stamped();
  renamed.name = "fewer";
  REQUIRE(remove_from_signature_set(set, {"slab", "slab"}, renamed).ok());
  CHECK(ids(set) == std::vector<std::string>{"box", "pair"});
  CHECK(set.name == "fewer");
}

TEST_CASE("sig merge names both inputs of a duplicate id and refuses incomparable sets", "[signatures][edit]") {
  Refs refs;
  auto dup = merge_signature_sets({build(refs("a.tsv")), build(refs("ab.tsv"))}, {"first.msig", "second.msig"});
  REQUIRE(!dup.ok());
  CHECK(dup.status().message.find("'box'") != std::string::npos);
  CHECK(dup.status().message.find("first.msig") != std::string::npos);
  CHECK(dup.status().message.find("second.msig") != std::string::npos);

  SignatureSet other = build(refs("b.tsv"));
  other.params.d2_bins = 128;
  auto params = merge_signature_sets({build(refs("a.tsv")), other}, {"a.msig", "b.msig"});
  REQUIRE(!params.ok());
  CHECK(params.status().message.find("b.msig") != std::string::npos);

  other = build(refs("b.tsv"));
  other.engine_version = "9.9.9";
  auto engine = merge_signature_sets({build(refs("a.tsv")), other}, {"a.msig", "b.msig"});
  REQUIRE(!engine.ok());
  CHECK(engine.status().message.find("9.9.9") != std::string::npos);
}

TEST_CASE("an edited set is stamped with SOURCE_DATE_EPOCH, and its stale signature is removed",
          "[signatures][edit][signing]") {
  Refs refs;
  const std::string path = refs("set.msig");
  SignatureSet set = build(refs("ab.tsv"));
  REQUIRE(write_signature_set(set, path).ok());
  REQUIRE(generate_signing_key(refs("k.pem"), refs("k.pub.pem")).ok());
  REQUIRE(sign_signature_set(path, refs("k.pem")).ok());
  const TrustOptions trust{.trusted_keys = {refs("k.pub.pem")}, .default_keys = false};
  REQUIRE(read_signature_set(path, trust).ok());

  ::setenv("SOURCE_DATE_EPOCH", "86400", 1);
  const Status removed = remove_from_signature_set(set, {"pair"});
  ::unsetenv("SOURCE_DATE_EPOCH");
  REQUIRE(removed.ok());
  CHECK(set.created == "1970-01-02T00:00:00Z");

  // Left beside the new bytes, the old signature reads as a forgery...
  SignatureSet copy = set;
  REQUIRE(write_signature_set(copy, path).ok());
  auto stale = read_signature_set(path, trust);
  REQUIRE(!stale.ok());
  CHECK(stale.status().message.find("does not verify") != std::string::npos);
  // ...so an edit removes it: the set reads as what it is, unsigned.
  bool had_signature = false;
  REQUIRE(write_edited_signature_set(set, path, had_signature).ok());
  CHECK(had_signature);
  CHECK(!std::filesystem::exists(path + ".sig"));
  auto unsigned_set = read_signature_set(path, trust);
  REQUIRE(!unsigned_set.ok());
  CHECK(unsigned_set.status().message.find("not signed") != std::string::npos);
  CHECK(read_signature_set(path)->entries.size() == 2);
  REQUIRE(write_edited_signature_set(set, path, had_signature).ok());
  CHECK(!had_signature);
}

TEST_CASE("editing a set read from its file keeps every entry's samples (format 6 decodes them on first use)",
          "[signatures][edit]") {
  Refs refs;
  SignatureSet built = build(refs("ab.tsv"));
  const std::string path = refs("ab.msig");
  REQUIRE(write_signature_set(built, path).ok());
  for (const bool merge : {false, true}) {
    INFO((merge ? "merge" : "remove"));
    auto read = read_signature_set(path);
    REQUIRE(read.ok());
    SignatureSet edited;
    if (merge) {
      auto other = read_signature_set(path);
      REQUIRE(other.ok());
      REQUIRE(remove_from_signature_set(*other, {"box", "slab"}, stamped()).ok());
      REQUIRE(remove_from_signature_set(*read, {"pair"}, stamped()).ok());
      std::vector<SignatureSet> both;
      both.push_back(std::move(*read));
      both.push_back(std::move(*other));
      auto merged = merge_signature_sets(std::move(both), {"a", "b"}, stamped());
      REQUIRE(merged.ok());
      edited = std::move(*merged);
    } else {
      REQUIRE(remove_from_signature_set(*read, {"box"}, stamped()).ok());
      edited = std::move(*read);
    }
    for (const SignatureEntry& e : edited.entries) {
      INFO(e.id);
      const auto same = std::find_if(built.entries.begin(), built.entries.end(),
                                     [&](const SignatureEntry& b) { return b.id == e.id; });
      REQUIRE(same != built.entries.end());
      REQUIRE(e.sample.points.size() == same->sample.points.size());
      CHECK(e.sample.points == same->sample.points);
    }
  }
}
