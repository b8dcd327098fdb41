// SPDX-License-Identifier: MIT
// A glTF inside an archive reads its buffers from the other members of that
// archive (issue 20), and from nowhere else: references that leave the
// archive, absolute names and file:// URIs are per-file errors, even where
// the host has a file of that name that would load.
#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "io/assimp_files.hpp"
#include "meshsentry/engine.hpp"
#include "meshsentry/io.hpp"
#include "support/fixtures.hpp"

using namespace meshsentry;
using namespace fixtures;

namespace {

std::string base64(const std::string& in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    std::uint32_t v = static_cast<std::uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<std::uint8_t>(in[i + 1]) << 8;
    if (i + 2 < in.size()) v |= static_cast<std::uint8_t>(in[i + 2]);
    out += k[(v >> 18) & 63];
    out += k[(v >> 12) & 63];
    out += i + 1 < in.size() ? k[(v >> 6) & 63] : '=';
    out += i + 2 < in.size() ? k[v & 63] : '=';
  }
  return out;
}

// `m` as a glTF 2.0 buffer: float32 positions, then uint32 indices.
std::string gltf_buffer(const Mesh& m) {
  std::string bin;
  for (const auto& v : m.vertices)
    for (int c = 0; c < 3; ++c) bin.append(reinterpret_cast<const char*>(&v[c]), 4);
  for (const auto& t : m.triangles)
    for (int c = 0; c < 3; ++c) {
      const std::uint32_t i = t[c];
      bin.append(reinterpret_cast<const char*>(&i), 4);
    }
  return bin;
}

// The glTF JSON for gltf_buffer(m), its buffer at `uri`.
std::string gltf_json(const Mesh& m, const std::string& uri) {
  const std::size_t vbytes = 12 * m.vertices.size(), ibytes = 12 * m.triangles.size();
  float lo[3] = {1e30f, 1e30f, 1e30f}, hi[3] = {-1e30f, -1e30f, -1e30f};
  for (const auto& v : m.vertices)
    for (int c = 0; c < 3; ++c) {
      lo[c] = std::min(lo[c], v[c]);
      hi[c] = std::max(hi[c], v[c]);
    }
  auto triple = [](const float* x) {
    return "[" + std::to_string(x[0]) + "," + std::to_string(x[1]) + "," + std::to_string(x[2]) + "]";
  };
  return R"({"asset":{"version":"2.0"},"scene":0,"scenes":[{"nodes":[0]}],"nodes":[{"mesh":0}],)"
         R"("meshes":[{"primitives":[{"attributes":{"POSITION":0},"indices":1}]}],)"
         R"("buffers":[{"uri":")" +
         uri + R"(","byteLength":)" + std::to_string(vbytes + ibytes) +
         R"(}],"bufferViews":[{"buffer":0,"byteOffset":0,"byteLength":)" + std::to_string(vbytes) +
         R"(},{"buffer":0,"byteOffset":)" + std::to_string(vbytes) + R"(,"byteLength":)" + std::to_string(ibytes) +
         R"(}],"accessors":[{"bufferView":0,"componentType":5126,"count":)" + std::to_string(m.vertices.size()) +
         R"(,"type":"VEC3","min":)" + triple(lo) + R"(,"max":)" + triple(hi) +
         R"(},{"bufferView":1,"componentType":5125,"count":)" + std::to_string(3 * m.triangles.size()) +
         R"(,"type":"SCALAR"}]})";
}

std::span<const std::byte> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

// A tar (as `tar -cf x.tar .` writes it: names start "./") of `members`.
std::string tar_of(const std::vector<std::pair<std::string, std::string>>& members) {
  std::string out(1u << 20, '\0');
  std::size_t used = 0;
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  REQUIRE(archive_write_open_memory(a, out.data(), out.size(), &used) == ARCHIVE_OK);
  for (const auto& [name, bytes] : members) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_size(e, static_cast<la_int64_t>(bytes.size()));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    REQUIRE(archive_write_header(a, e) == ARCHIVE_OK);
    REQUIRE(archive_write_data(a, bytes.data(), bytes.size()) == static_cast<la_ssize_t>(bytes.size()));
    archive_entry_free(e);
  }
  REQUIRE(archive_write_close(a) == ARCHIVE_OK);
  archive_write_free(a);
  out.resize(used);
  return out;
}

// A demo reference with holes (a flange), the part the demo set was built from.
const Mesh& part() {
  static const Mesh m = load_or_die((source_dir() / "models/refs/flange_3hole.stl").string());
  return m;
}

// The zip's records: [0] the archive, then its scanned members.
std::vector<ScanResult> scan_zip(const std::string& zip, bool isolate = true) {
  ScanOptions opt;
  opt.timing = false;
  opt.load.isolate = isolate;
  return demo_engine().scan_buffer(bytes_of(zip), "parts.zip", opt);
}

}  // namespace

TEST_CASE("a glTF member reads its .bin from the same archive and is matched", "[io][archive][gltf]") {
  const std::string bin = gltf_buffer(part());
  for (const bool isolate : {true, false}) {
    INFO("isolated: " << isolate);
    // Beside it, and in a sibling folder reached by "..".
    auto beside = scan_zip(
        stored_zip({{"part/flange.gltf", gltf_json(part(), "flange.bin")}, {"part/flange.bin", bin}}), isolate);
    REQUIRE(beside.size() == 2);  // the .bin is no mesh: skipped like a texture
    CHECK(beside[1].path == "parts.zip!/part/flange.gltf");
    CHECK(beside[1].format == Format::gltf);
    CHECK(beside[1].error == "");
    REQUIRE(beside[1].verdict == Verdict::match);
    CHECK(beside[1].matches[0].signature == "flange_3hole");
    CHECK(beside[0].verdict == Verdict::match);

    auto up = scan_zip(
        stored_zip({{"gltf/./flange.gltf", gltf_json(part(), "../buffers/./flange.bin")}, {"buffers/flange.bin", bin}}),
        isolate);
    REQUIRE(up.size() == 2);
    CHECK(up[1].error == "");
    CHECK(up[1].verdict == Verdict::match);
  }
  // A tar's "./" names, and a name given twice in a zip: the first one is read.
  auto tar = scan_zip(tar_of({{"./part/flange.gltf", gltf_json(part(), "flange.bin")}, {"./part/flange.bin", bin}}));
  REQUIRE(tar.size() == 2);
  CHECK(tar[1].verdict == Verdict::match);
  auto twice = scan_zip(stored_zip({{"flange.gltf", gltf_json(part(), "flange.bin")},
                                    {"flange.bin", bin},
                                    {"flange.bin", std::string(bin.size(), '\0')}}));
  REQUIRE(twice.size() == 2);
  CHECK(twice[1].verdict == Verdict::match);
  // data: URIs keep working inside an archive.
  auto inline_data =
      scan_zip(stored_zip({{"flange.gltf", gltf_json(part(), "data:application/octet-stream;base64," + base64(bin))}}));
  REQUIRE(inline_data.size() == 2);
  CHECK(inline_data[1].verdict == Verdict::match);
}

TEST_CASE("a glTF member's references out of its archive are errors, never host files", "[io][archive][gltf][traps]") {
  // A buffer that would load and match sits on the host, at an absolute path
  // and beside the scanned zip: a reader that opened it would report a match.
  const std::string bin = gltf_buffer(part());
  TempDir d;
  write_bytes(d.path / "flange.bin", bin);
  const std::string host = (d.path / "flange.bin").string();
  std::string up = "..";  // enough ".." from any member to the file system root
  for (std::size_t k = 0; k < host.size(); ++k)
    if (host[k] == '/') up += "/..";
  for (const std::string& uri :
       std::vector<std::string>{host, "file://" + host, up + host, "../flange.bin", "../../etc/passwd", "/etc/passwd",
                                "file:///etc/passwd", "C:\\\\flange.bin", "missing.bin"}) {
    INFO("uri: " << uri);
    const std::string zip = stored_zip({{"in/flange.gltf", gltf_json(part(), uri)}});
    write_bytes(d.path / "parts.zip", zip);
    ScanOptions opt;
    opt.timing = false;
    auto r = demo_engine().scan_file((d.path / "parts.zip").string(), opt);
    REQUIRE(r.size() == 2);
    CHECK(r[1].verdict == Verdict::error);
    CHECK(r[1].error.find("assimp:") == 0);
    CHECK(r[0].verdict == Verdict::error);
    CHECK(r[0].error == "1 of 1 members could not be scanned");
  }
  // A member's plain name is looked up in the archive, not beside it on disk.
  write_bytes(d.path / "parts.zip", stored_zip({{"flange.gltf", gltf_json(part(), "flange.bin")}}));
  ScanOptions opt;
  opt.timing = false;
  auto beside_zip = demo_engine().scan_file((d.path / "parts.zip").string(), opt);
  REQUIRE(beside_zip.size() == 2);
  CHECK(beside_zip[1].verdict == Verdict::error);
  CHECK(beside_zip[1].error.find("flange.bin") != std::string::npos);
  // The same file on disk, beside its buffer, still reads it (plain names only).
  write_bytes(d.path / "flange.gltf", gltf_json(part(), "flange.bin"));
  auto on_disk = demo_engine().scan_file((d.path / "flange.gltf").string(), opt);
  REQUIRE(on_disk.size() == 1);
  CHECK(on_disk[0].verdict == Verdict::match);
}

TEST_CASE("member side-file names stay inside the archive", "[io][archive][gltf]") {
  CHECK(member_side_name("", "a.bin") == "a.bin");
  CHECK(member_side_name("dir/", "a.bin") == "dir/a.bin");
  CHECK(member_side_name("dir/sub/", "../b/./a.bin") == "dir/b/a.bin");
  CHECK(member_side_name("./dir//", "a.bin") == "dir/a.bin");
  CHECK(member_side_name("dir/", "../a.bin") == "a.bin");
  CHECK(member_side_name("dir/", "../../a.bin") == "");
  CHECK(member_side_name("", "../a.bin") == "");
  CHECK(member_side_name("", "/etc/passwd") == "");
  CHECK(member_side_name("", "file:///etc/passwd") == "");
  CHECK(member_side_name("", "C:/a.bin") == "");
  CHECK(member_side_name("", "dir\\a.bin") == "");
  CHECK(member_side_name("", std::string("a\0b", 3)) == "");
  CHECK(member_side_name("", "dir/..") == "");
  CHECK(member_side_name("", "") == "");
  // A path on disk converts, as the std::string parameter it replaced did.
  const SideFiles literal = "dir/x.gltf";
  CHECK(literal.path == "dir/x.gltf");
  CHECK(literal.members == nullptr);
}
