// SPDX-License-Identifier: MIT
// Dispatch from detected format to reader. Formats we recognise but do not
// read yet get an error that says so, not "unknown". Every reader is held to
// what is left of the scanned file's ScanBudget: its triangles and its time.
#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

#include "common/mapped_file.hpp"
#include "io/glb_chunks.hpp"
#include "io/stl_records.hpp"
#include "meshsentry/io.hpp"

namespace meshsentry {

namespace {

Result<LoadedMesh> dispatch(std::span<const std::byte> bytes, std::string_view name_hint, const LoadLimits& limits,
                            const SideFiles& side, ScanBudget& budget) {
  if (bytes.empty()) return make_error(ErrorCode::empty, "empty file");
  const Format f = sniff(bytes, name_hint);
  switch (f) {
    case Format::stl_binary:
    case Format::stl_ascii:
      return read_stl(bytes, limits);
    case Format::gcode:
      return read_gcode(bytes, limits, &budget);
    case Format::bgcode:
      return read_bgcode(bytes, limits, &budget);
    case Format::threemf:
      return read_3mf(bytes, limits, &budget);
    case Format::vrml:
      return read_vrml(bytes, limits, &budget);
    case Format::step:
    case Format::iges:
    case Format::brep:
      return limits.isolate ? read_cad_isolated(bytes, f, limits) : read_cad(bytes, f, limits);
    case Format::unknown:
      if (const std::string ext = file_extension(name_hint); const char* other = unsupported_3d_format(ext))
        return make_error(ErrorCode::format, std::string("unsupported format: ") + other + " (." + ext + ")");
      return make_error(ErrorCode::format, "unknown format: content matches no supported mesh format");
    default:
      break;
  }
  if (is_archive(f))
    return make_error(ErrorCode::invalid, "archive: expand it with list_archive");
  // Formats with side files (.mtl, .bin) find them beside the file on disk
  // (only plain names) or among the other members of its archive (only
  // there): see AssimpFiles. The file itself is always parsed from `bytes`,
  // the bytes that were hashed.
  const bool side_files = f == Format::gltf || f == Format::obj || f == Format::collada;
  const SideFiles beside = side_files ? side : SideFiles();
  // A GLB as trimesh wrote it (JSON chunk unpadded) is parsed from a padded
  // copy; the scanned bytes, which are hashed, stay as they are.
  const std::optional<std::vector<std::byte>> padded = f == Format::glb ? pad_glb_json_chunk(bytes) : std::nullopt;
  if (padded) bytes = *padded;
  if (limits.isolate) return read_with_assimp_isolated(bytes, f, limits, beside);
  return read_with_assimp(bytes, f, limits, beside);
}

}  // namespace

namespace {

// The readers see the triangles and seconds left, so that a file's last
// member cannot take what its first ones already used.
LoadLimits limits_left(const LoadLimits& limits, const ScanBudget& b) {
  LoadLimits left = limits;
  left.max_triangles = std::min(limits.max_triangles, b.triangles_left());
  left.max_seconds = std::min(limits.max_seconds, b.seconds_left());
  return left;
}

}  // namespace

Result<LoadedMesh> load_mesh(std::span<const std::byte> bytes, std::string_view name_hint,
                             const LoadLimits& limits, const SideFiles& side, ScanBudget* budget) {
  ScanBudget own(limits);
  ScanBudget& b = budget ? *budget : own;
  if (Status s = b.check_time(); !s.ok()) return s;
  const LoadLimits left = limits_left(limits, b);
  auto loaded = dispatch(bytes, name_hint, left, side, b);
  if (!loaded) return loaded;
  // 3MF, VRML and G-code charged theirs before allocating; the others are
  // charged now, before preparation multiplies their memory.
  if (loaded->format != Format::threemf && loaded->format != Format::vrml && loaded->format != Format::gcode &&
      loaded->format != Format::bgcode)
    if (Status s = b.add_geometry(loaded->mesh.triangles.size(), loaded->mesh.vertices.size()); !s.ok()) return s;
  return loaded;
}

bool is_exact_binary_stl(std::span<const std::byte> bytes, std::string_view name_hint) {
  if (bytes.size() < 84) return false;
  std::uint32_t n = 0;
  std::memcpy(&n, bytes.data() + 80, 4);
  return 84 + 50ull * n == bytes.size() && sniff(bytes, name_hint) == Format::stl_binary;
}

Result<StlRecords> load_binary_stl(std::span<const std::byte> bytes, const LoadLimits& limits, ScanBudget* budget) {
  ScanBudget own(limits);
  ScanBudget& b = budget ? *budget : own;
  if (Status s = b.check_time(); !s.ok()) return s;
  const LoadLimits left = limits_left(limits, b);
  auto records = read_binary_stl_records(bytes, left);
  if (!records) return records;
  // Charged as the soup load_mesh would have made: its limits hold alike.
  if (Status s = b.add_geometry(records->count, 3ull * records->count); !s.ok()) return s;
  return records;
}

Result<LoadedMesh> load_mesh_file(const std::string& path, const LoadLimits& limits) {
  auto file = MappedFile::open(path, limits.max_file_bytes);
  if (!file) return file.status();
  return load_mesh(file->bytes(), path, limits, path);
}

}  // namespace meshsentry
