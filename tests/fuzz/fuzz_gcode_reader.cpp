// SPDX-License-Identifier: MIT
// libFuzzer target: the G-code reader and the toolpath prepare on any bytes.
#include <cstddef>
#include <cstdint>

#include "meshsentry/io.hpp"
#include "meshsentry/mesh.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  meshsentry::LoadLimits limits;
  limits.max_triangles = 1'000'000;
  auto r = meshsentry::read_gcode(bytes, limits);
  if (r.ok()) {
    meshsentry::PrepareOptions opt;
    opt.from_toolpath = true;
    (void)meshsentry::prepare(std::move(r->mesh), opt);
  }
  return 0;
}
