// SPDX-License-Identifier: MIT
// libFuzzer target: the native VRML reader (VRML 2.0 and 1.0 text).
#include <cstddef>
#include <cstdint>

#include "meshsentry/io.hpp"
#include "meshsentry/mesh.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  meshsentry::LoadLimits limits;
  limits.max_triangles = 1'000'000;
  limits.max_vertices = 3'000'000;
  auto r = meshsentry::read_vrml(bytes, limits);
  if (r.ok()) (void)meshsentry::prepare(std::move(r->mesh));
  return 0;
}
