// SPDX-License-Identifier: MIT
// Loading: bytes in, Mesh out. Formats are detected from the content; the
// file name is only a hint. Every function here is meant for untrusted input:
// it returns a Status instead of crashing, and honours LoadLimits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "meshsentry/mesh.hpp"
#include "meshsentry/status.hpp"

namespace meshsentry {

enum class Format {
  unknown,
  stl_binary,
  stl_ascii,
  obj,
  ply,
  off,
  threemf,
  amf,
  gltf,
  glb,
  collada,
  fbx,
  x3d,
  max3ds,
  zip,
  tar,
  gzip,
  bzip2,
  xz,
  sevenzip,
  gcode,
  step,
  iges,
};

// Short lower-case name used in reports ("stl", "obj", "3mf", ...).
const char* format_name(Format format) noexcept;
bool is_archive(Format format) noexcept;
// Lower-case extension of the last path component, without the dot; empty
// when there is none ("a/b.STL" -> "stl", "a.d/b" -> "").
std::string file_extension(std::string_view path);
bool is_mesh(Format format) noexcept;  // a format a loader here turns into a Mesh

// Detect the format from the first bytes and, for STL, the size rule
// (84 + 50 n bytes means binary even when the header starts with "solid").
// `name_hint` (a file name) only breaks ties between text formats.
Format sniff(std::span<const std::byte> bytes, std::string_view name_hint = {});

struct LoadLimits {
  std::uint64_t max_file_bytes = 1ull << 30;     // 1 GiB
  std::uint64_t max_triangles = 50'000'000;
  // Assimp-backed formats are parsed in a forked child (see
  // read_with_assimp_isolated) with these limits; the native readers (STL,
  // 3MF, G-code) never are.
  bool isolate = true;
  unsigned max_seconds = 60;                        // wall and CPU time per file
  // The child's memory: address space beyond what the parent had mapped,
  // at most 512 MiB + 64 times the file's size, and never more than this.
  std::uint64_t isolation_max_bytes = 8ull << 30;
};

struct LoadedMesh {
  Mesh mesh;
  Format format = Format::unknown;
  std::uint32_t source_meshes = 1;  // meshes merged from the file's scene
  double layer_height = 0;          // G-code: the most common layer height (mm)
};

// Native readers for the hot path. Safe on any bytes.
Result<LoadedMesh> read_stl(std::span<const std::byte> bytes, const LoadLimits& limits = {});
// G-code: the skin a sliced print lays down (outer walls, top and bottom
// surfaces) as a triangle soup with outward winding; see src/io/gcode/.
// prepare() it with PrepareOptions::from_toolpath.
Result<LoadedMesh> read_gcode(std::span<const std::byte> bytes, const LoadLimits& limits = {});

// 3MF, natively (expat): a zipped package or a bare model part; build items
// placed through their transforms, components resolved across parts,
// millimetres by the model's unit. See threemf_reader.cpp.
Result<LoadedMesh> read_3mf(std::span<const std::byte> bytes, const LoadLimits& limits = {});

// Assimp-backed formats, from memory. Node transforms are applied and all
// meshes of the scene merged; Mesh::source_mesh keeps where each triangle
// came from. `path`, when the bytes were read from a file there, lets side
// files (.mtl, .bin) named plainly beside it resolve; every other reference
// (absolute, "..", subfolders, symlinks, FIFOs, devices, or any at all
// without `path`) is not found, so nothing outside the scanned files is
// opened.
Result<LoadedMesh> read_with_assimp(std::span<const std::byte> bytes, Format format,
                                    const LoadLimits& limits = {}, const std::string& path = {});
// Reads the file, then read_with_assimp with `path`.
Result<LoadedMesh> read_file_with_assimp(const std::string& path, Format format,
                                         const LoadLimits& limits = {});

// The same in a forked child with an address-space and CPU-time limit: a
// crash, hang or memory blow-up of the parser is returned as an error.
// `path` as for read_with_assimp.
Result<LoadedMesh> read_with_assimp_isolated(std::span<const std::byte> bytes, Format format,
                                             const LoadLimits& limits, const std::string& path = {});

// Sniff, then dispatch to the right reader. Archives are not meshes: use
// list_archive for them. `path` (may be empty) lets Assimp resolve side files.
Result<LoadedMesh> load_mesh(std::span<const std::byte> bytes, std::string_view name_hint,
                             const LoadLimits& limits = {}, const std::string& path = {});

// Convenience: map the file and load it.
Result<LoadedMesh> load_mesh_file(const std::string& path, const LoadLimits& limits = {});

// One member of an archive, expanded in memory.
struct ArchiveMember {
  std::string name;                 // path inside the archive, '/'-separated
  std::vector<std::byte> bytes;     // empty when `error` is set
  Status error;                     // per-member problem (encrypted, over a limit)
};

struct ArchiveLimits {
  std::uint64_t max_member_bytes = 256ull << 20;   // 256 MiB per member
  std::uint64_t max_total_bytes = 1ull << 30;      // 1 GiB per archive
  std::uint32_t max_members = 10'000;
  // Expanded bytes / archive bytes, checked once ratio_min_bytes are out.
  // Mesh files compress up to about 1:31 (xz -9 on our test corpus), so
  // 1:100 leaves room, and a 1 MiB bomb stops after 100 MiB.
  double max_ratio = 100.0;
  std::uint64_t ratio_min_bytes = 16ull << 20;
};

// Expand every regular file of a zip/tar/gz/bz2/xz/7z archive in memory.
// Never writes to disk. A limit breach on one member is reported on that member.
Result<std::vector<ArchiveMember>> list_archive(std::span<const std::byte> bytes,
                                                const ArchiveLimits& limits = {});

}  // namespace meshsentry
