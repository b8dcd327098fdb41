// SPDX-License-Identifier: MIT
// Signed signature sets: a set signed by a trusted key opens, anything else
// is refused once trusted keys are configured; an empty set never opens; a
// rebuilt set replaces the old one atomically.
#include <catch2/catch.hpp>

#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

#include "meshsentry/engine.hpp"
#include "meshsentry/signatures.hpp"
#include "support/fixtures.hpp"

using namespace meshsentry;
using namespace fixtures;

namespace {

const std::string kDemoSet = (source_dir() / "signatures/demo.msig").string();

TrustOptions trusting(const std::filesystem::path& key) {
  TrustOptions t;
  t.trusted_keys = {key.string()};
  t.default_keys = false;  // the test must not depend on this machine's /etc
  return t;
}

}  // namespace

TEST_CASE("a set signed by a trusted key opens; other keys, forged and unsigned sets do not", "[signatures][signing]") {
  TempDir d;
  const auto set = d.path / "set.msig";
  std::filesystem::copy_file(kDemoSet, set);
  REQUIRE(generate_signing_key((d.path / "a.pem").string(), (d.path / "a.pub.pem").string()).ok());
  REQUIRE(generate_signing_key((d.path / "b.pem").string(), (d.path / "b.pub.pem").string()).ok());
  // The private key is the owner's alone, and is never overwritten.
  struct stat st {};
  REQUIRE(::stat((d.path / "a.pem").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(!generate_signing_key((d.path / "a.pem").string(), (d.path / "c.pub.pem").string()).ok());

  // Unsigned: fine without trusted keys, refused with one.
  CHECK(Engine::open(set.string(), TrustOptions{.trusted_keys = {}, .default_keys = false}).ok());
  auto unsigned_open = Engine::open(set.string(), trusting(d.path / "a.pub.pem"));
  REQUIRE(!unsigned_open.ok());
  CHECK(unsigned_open.status().message.find("not signed") != std::string::npos);

  REQUIRE(sign_signature_set(set.string(), (d.path / "a.pem").string()).ok());
  auto opened = Engine::open(set.string(), trusting(d.path / "a.pub.pem"));
  REQUIRE(opened.ok());
  CHECK(opened->signatures().signed_by.size() == 64);
  CHECK(!Engine::open(set.string(), trusting(d.path / "b.pub.pem")).ok());

  // A forged set: one signature dropped, checksum recomputed, so it passes
  // `sig verify` without keys; the old signature no longer covers it.
  auto forged = read_signature_set(set.string());
  REQUIRE(forged.ok());
  forged->entries.pop_back();
  REQUIRE(write_signature_set(*forged, set.string()).ok());
  CHECK(read_signature_set(set.string()).ok());
  auto refused = Engine::open(set.string(), trusting(d.path / "a.pub.pem"));
  REQUIRE(!refused.ok());
  CHECK(refused.status().message.find("does not verify") != std::string::npos);

  // A trusted key that cannot be read is an error, never skipped.
  write_bytes(d.path / "junk.pem", "not a key");
  CHECK(!Engine::open(set.string(), trusting(d.path / "junk.pem")).ok());
}

TEST_CASE("an empty signature set is refused", "[signatures][signing]") {
  TempDir d;
  auto set = read_signature_set(kDemoSet);
  REQUIRE(set.ok());
  set->entries.clear();
  const auto path = (d.path / "empty.msig").string();
  REQUIRE(write_signature_set(*set, path).ok());
  CHECK(read_signature_set(path).ok());  // well-formed ...
  auto e = Engine::open(path);
  REQUIRE(!e.ok());  // ... but it would pass every file as clean
  CHECK(e.status().message.find("empty") != std::string::npos);
}

TEST_CASE("writing a set replaces the old file whole, never in place", "[signatures][signing]") {
  TempDir d;
  const auto path = d.path / "live.msig";
  const auto link = d.path / "old-copy.msig";
  std::filesystem::copy_file(kDemoSet, path);
  // A second name for the old file: a write in place (truncate, then write)
  // would change it too; a rename leaves it as it was.
  REQUIRE(::link(path.c_str(), link.c_str()) == 0);
  auto set = read_signature_set(path.string());
  REQUIRE(set.ok());
  set->name = "rebuilt";
  set->entries.pop_back();
  REQUIRE(write_signature_set(*set, path.string()).ok());
  auto now = read_signature_set(path.string());
  auto old = read_signature_set(link.string());
  REQUIRE(now.ok());
  REQUIRE(old.ok());
  CHECK(now->name == "rebuilt");
  CHECK(old->entries.size() == now->entries.size() + 1);
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(d.path)) files += e.is_regular_file();
  CHECK(files == 2);  // no temporary file left behind
}
