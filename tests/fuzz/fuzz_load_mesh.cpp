// SPDX-License-Identifier: MIT
// libFuzzer target: load_mesh's dispatch (load.cpp) without Assimp and
// OpenCASCADE. Inputs that sniff as an Assimp or CAD format are skipped
// (fuzz_assimp_loader and fuzz_isolated_loader cover them), so every other
// branch (STL, archive, G-code, VRML, unknown) runs in-process.
// The name hint comes from the first byte (fuzz_inputs.hpp).
#include <cstddef>
#include <cstdint>

#include "fuzz_inputs.hpp"
#include "meshsentry/io.hpp"
#include "meshsentry/mesh.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  const char* name = fuzz::load_mesh_name(bytes);
  if (const auto f = meshsentry::sniff(bytes, name); fuzz::assimp_backed(f) || fuzz::is_cad(f)) return 0;
  meshsentry::LoadLimits limits;
  limits.max_triangles = 1'000'000;
  limits.max_vertices = 3'000'000;
  limits.isolate = false;
  auto r = meshsentry::load_mesh(bytes, name, limits);
  if (r.ok()) (void)meshsentry::prepare(std::move(r->mesh));
  return 0;
}
