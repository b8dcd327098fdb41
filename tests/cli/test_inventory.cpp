// SPDX-License-Identifier: MIT
// The inventory of a folder walk, end to end: ordinary files are skipped
// with a reason and no error, files named as 3D that are not are errors, and
// files whose name and content disagree are marked.
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>

#include "support/fixtures.hpp"

using namespace fixtures;

namespace {

using Run = CliRun;
std::string q(const std::filesystem::path& p) { return quoted(p); }

}  // namespace

TEST_CASE("a folder of ordinary files is an inventory of skips, without an error", "[cli][inventory]") {
  TempDir d;
  const auto docs = d.path / "doc";
  std::filesystem::create_directories(docs / "groff");
  write_bytes(docs / "groff" / "README", "groff for Debian\n----------------\n\nThe GNU roff typesetting system.\n");
  write_bytes(docs / "physics.py", "import math\nG1 = 5\nG0 = 9.81 * G1\n");
  write_bytes(docs / "logo.png", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10", 20));
  write_bytes(docs / "manual.pdf", "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n");
  write_bytes(docs / "install.sh", "#!/bin/sh\nset -e\nG1=5 make install\n");
  std::string changelog;
  for (int i = 0; i < 200; ++i) changelog += "  * Fix the glTF 1 version string (entry " + std::to_string(i) + ")\n";
  write_bytes(docs / "changelog.Debian", changelog);
  REQUIRE(std::system(("gzip -n9 " + q(docs / "changelog.Debian")).c_str()) == 0);
  write_bytes(docs / "empty", "");
  std::filesystem::create_symlink("/etc/hostname", docs / "hostname");
  REQUIRE(mkfifo((docs / "pipe").c_str(), 0600) == 0);

  const Run r = run_scan("--format json " + q(docs));
  CHECK(r.code == 0);
  const auto doc = nlohmann::json::parse(r.out);
  CHECK(doc["files"].empty());
  CHECK(doc["summary"]["errors"] == 0);
  std::map<std::string, std::pair<std::string, std::string>> skipped;
  for (const auto& s : doc["skipped"])
    skipped[std::filesystem::path(s["path"].get<std::string>()).filename()] = {s["reason"], s.value("content", "")};
  const std::map<std::string, std::pair<std::string, std::string>> expected = {
      {"README", {"not_3d", "text"}},
      {"physics.py", {"not_3d", "text"}},
      {"logo.png", {"not_3d", "png"}},
      {"manual.pdf", {"not_3d", "pdf"}},
      {"install.sh", {"not_3d", "script"}},
      {"changelog.Debian.gz", {"not_3d", "compressed-text"}},
      {"empty", {"empty", ""}},
      {"hostname", {"symlink_not_followed", ""}},
      {"pipe", {"device_or_fifo", ""}}};
  CHECK(skipped == expected);
  CHECK(doc["summary"]["skipped"] == expected.size());
  CHECK(doc["summary"]["skipped_by_reason"]["not_3d"] == 6);

  // JSONL lists them only when asked, so its default output is unchanged.
  CHECK(run_scan("--format jsonl " + q(docs)).out.empty());
  const Run listed = run_scan("--format jsonl --list-skipped " + q(docs));
  std::size_t lines = std::count(listed.out.begin(), listed.out.end(), '\n');
  CHECK(lines == expected.size());
  CHECK(listed.out.find("\"skipped\":\"not_3d\",\"content\":\"pdf\"") != std::string::npos);

  // Over the size limit: skipped when named like nothing 3D, an error when
  // named as 3D; a zip with a part among its READMEs is scanned.
  const auto big = d.path / "big";
  std::filesystem::create_directories(big);
  write_bytes(big / "video.mp4", std::string(50000, 'x'));
  write_bytes(big / "huge.stl", std::string(50000, 'x'));
  write_bytes(big / "parts.zip", stored_zip({{"README.txt", "the parts\n"},
                                             {"rack.stl", read_bytes(source_dir() / "models/refs/gear_rack_m2.stl")}}));
  const Run limited = run_scan("--format json --max-file-size 40000 " + q(big));
  CHECK(limited.code == 1);
  const auto ldoc = nlohmann::json::parse(limited.out);
  REQUIRE(ldoc["skipped"].size() == 1);
  CHECK(ldoc["skipped"][0]["reason"] == "over_limit");
  CHECK(ldoc["skipped"][0]["bytes"] == 50000);
  std::map<std::string, std::string> verdicts;
  for (const auto& f : ldoc["files"])
    verdicts[std::filesystem::path(f["path"].get<std::string>()).filename()] = f["verdict"];
  CHECK(verdicts ==
        std::map<std::string, std::string>{{"huge.stl", "error"}, {"parts.zip", "match"}, {"rack.stl", "match"}});
}

TEST_CASE("a file whose name and content disagree is marked; one named 3D that is not is an error",
          "[cli][inventory]") {
  TempDir d;
  const auto ref = source_dir() / "models/refs/gear_rack_m2.stl";
  std::filesystem::copy_file(ref, d.path / "holiday.png");  // a binary STL named as a picture
  write_ascii_stl(load_or_die(ref.string()), d.path / "notes.txt");
  write_bytes(d.path / "renamed.obj", read_bytes([&] {
                write_3mf(load_or_die(ref.string()), d.path / "tmp.3mf");
                return d.path / "tmp.3mf";
              }()));
  std::filesystem::remove(d.path / "tmp.3mf");
  std::filesystem::copy_file(ref, d.path / "plain.stl");
  write_bytes(d.path / "fake.stl", "this is not a mesh\n");
  write_bytes(d.path / "fake.obj", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16));

  const Run r = run_scan("--format json " + q(d.path));
  CHECK(r.code == 1);
  const auto doc = nlohmann::json::parse(r.out);
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& f : doc["files"]) by_name[std::filesystem::path(f["path"].get<std::string>()).filename()] = f;
  REQUIRE(by_name.size() == 6);
  using Pair = std::pair<std::string, std::string>;
  for (const auto& [name, ext_content] : std::map<std::string, Pair>{
           {"holiday.png", {"png", "stl"}}, {"notes.txt", {"txt", "stl"}}, {"renamed.obj", {"obj", "3mf"}}}) {
    INFO(name);
    CHECK(by_name[name]["verdict"] == "match");
    CHECK(by_name[name]["extension_mismatch"] ==
          nlohmann::json({{"extension", ext_content.first}, {"content", ext_content.second}}));
  }
  CHECK_FALSE(by_name["plain.stl"].contains("extension_mismatch"));
  for (const char* name : {"fake.stl", "fake.obj"}) {
    INFO(name);
    CHECK(by_name[name]["verdict"] == "error");
    CHECK_FALSE(by_name[name].contains("extension_mismatch"));  // content of no known format: nothing to compare
  }
  CHECK(doc["skipped"].empty());
  // In text, a note on the line.
  const Run t = run_scan(q(d.path / "holiday.png"));
  CHECK(t.out.find("[named .png, content stl]") != std::string::npos);
}
