// SPDX-License-Identifier: MIT
// libFuzzer target: the Assimp-backed readers and the CAD reader
// (OpenCASCADE) as a scan runs them, in the forked, limited child
// (isolated_loader.cpp), then prepare(). Here a crash, hang or blow-up
// inside Assimp or OCCT must come back as an error: any crash of this
// target is ours (the pipe protocol, the limits, the conversion). About 30
// inputs a second: each one forks.
#include <cstddef>
#include <cstdint>

#include "fuzz_inputs.hpp"
#include "meshsentry/io.hpp"
#include "meshsentry/mesh.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  meshsentry::LoadLimits limits;
  limits.max_triangles = 1'000'000;
  limits.max_vertices = 3'000'000;
  limits.max_seconds = 5;
  if (const meshsentry::Format cad = fuzz::cad_format(bytes); cad != meshsentry::Format::unknown) {
    auto r = meshsentry::read_cad_isolated(bytes, cad, limits);
    if (r.ok()) (void)meshsentry::prepare(std::move(r->mesh));
  }
  for (const meshsentry::Format f : fuzz::assimp_formats(bytes)) {
    auto r = meshsentry::read_with_assimp_isolated(bytes, f, limits);
    if (r.ok()) (void)meshsentry::prepare(std::move(r->mesh));
  }
  return 0;
}
