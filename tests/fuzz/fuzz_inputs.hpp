// SPDX-License-Identifier: MIT
// How a fuzz input becomes entry-point arguments, shared by the fuzz targets
// and the test that replays their crashers (tests/io/test_fuzz_regressions.cpp),
// so a kept input reaches the same code again.
#pragma once

#include <cstddef>
#include <iterator>
#include <span>
#include <vector>

#include "meshsentry/io.hpp"

namespace fuzz {

inline bool is_cad(meshsentry::Format f) {
  return f == meshsentry::Format::step || f == meshsentry::Format::iges || f == meshsentry::Format::brep;
}

inline bool assimp_backed(meshsentry::Format f) {
  return meshsentry::is_mesh(f) && f != meshsentry::Format::stl_binary && f != meshsentry::Format::stl_ascii &&
         !is_cad(f);
}

// fuzz_isolated_loader: the CAD format the bytes sniff as (named .igs, so
// that IGES, known by its column 73 only with that name, is found too), or
// unknown.
inline meshsentry::Format cad_format(std::span<const std::byte> bytes) {
  const meshsentry::Format f = meshsentry::sniff(bytes, "x.igs");
  return is_cad(f) ? f : meshsentry::Format::unknown;
}

// fuzz_assimp_loader: the sniffed format when Assimp reads it, then one picked
// by the first byte, so mutations reach every importer and not only those a
// seed's magic selects.
inline std::vector<meshsentry::Format> assimp_formats(std::span<const std::byte> bytes) {
  using meshsentry::Format;
  static constexpr Format kForced[] = {Format::obj, Format::ply,  Format::off,     Format::threemf,
                                       Format::gltf, Format::glb, Format::collada, Format::amf,
                                       Format::fbx, Format::x3d,  Format::max3ds};
  std::vector<Format> out;
  if (bytes.empty()) return out;
  const Format sniffed = meshsentry::sniff(bytes);
  if (assimp_backed(sniffed)) out.push_back(sniffed);
  const Format forced = kForced[static_cast<unsigned char>(bytes[0]) % std::size(kForced)];
  if (forced != sniffed) out.push_back(forced);
  return out;
}

// fuzz_load_mesh: the name hint, picked by the first byte (it steers sniffing).
inline const char* load_mesh_name(std::span<const std::byte> bytes) {
  static constexpr const char* kNames[] = {"", "x.stl", "x.obj", "x.gcode", "x.igs", "x.gltf", "x.zip", "x"};
  return bytes.empty() ? "" : kNames[static_cast<unsigned char>(bytes[0]) % std::size(kNames)];
}

// fuzz_archive_reader: small limits, so a bomb ends fast.
inline meshsentry::ArchiveLimits archive_limits() {
  meshsentry::ArchiveLimits limits;
  limits.max_member_bytes = 4ull << 20;
  limits.max_total_bytes = 16ull << 20;
  limits.max_members = 1000;
  limits.ratio_min_bytes = 1ull << 20;
  return limits;
}

}  // namespace fuzz
