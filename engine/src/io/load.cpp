// SPDX-License-Identifier: MIT
// Dispatch from detected format to reader. Formats we recognise but do not
// read yet get an error that says so, not "unknown".
#include "common/mapped_file.hpp"
#include "meshsentry/io.hpp"

namespace meshsentry {

Result<LoadedMesh> load_mesh(std::span<const std::byte> bytes, std::string_view name_hint,
                             const LoadLimits& limits, const std::string& path) {
  if (bytes.empty()) return make_error(ErrorCode::empty, "empty file");
  const Format f = sniff(bytes, name_hint);
  switch (f) {
    case Format::stl_binary:
    case Format::stl_ascii:
      return read_stl(bytes, limits);
    case Format::gcode:
      return read_gcode(bytes, limits);
    case Format::threemf:
      return read_3mf(bytes, limits);
    case Format::step:
    case Format::iges:
      return make_error(ErrorCode::format, std::string(format_name(f)) + " (CAD) is recognised but not read");
    case Format::unknown:
      return make_error(ErrorCode::format, "unknown format: content matches no supported mesh format");
    default:
      break;
  }
  if (is_archive(f))
    return make_error(ErrorCode::invalid, "archive: expand it with list_archive");
  // Formats with side files (.mtl, .bin) find them beside the file on disk
  // (only there, and only plain names: see AssimpFiles); the file itself is
  // always parsed from `bytes`, the bytes that were hashed.
  const bool side_files = f == Format::gltf || f == Format::obj || f == Format::collada;
  const std::string beside = side_files ? path : std::string();
  if (limits.isolate) return read_with_assimp_isolated(bytes, f, limits, beside);
  return read_with_assimp(bytes, f, limits, beside);
}

Result<LoadedMesh> load_mesh_file(const std::string& path, const LoadLimits& limits) {
  auto file = MappedFile::open(path, limits.max_file_bytes);
  if (!file) return file.status();
  return load_mesh(file->bytes(), path, limits, path);
}

}  // namespace meshsentry
