// SPDX-License-Identifier: MIT
// libFuzzer target: the Assimp-backed readers in-process (a scan forks them,
// see isolated_loader.cpp; here a crash must surface), then prepare(). Which
// importers an input reaches: fuzz_inputs.hpp. Assimp is not instrumented:
// coverage guides only our side (sniff, convert, prepare), and ASan sees
// Assimp's heap misuse through malloc/free. Crashes inside Assimp are listed
// in KNOWN-ASSIMP.md; run.sh keeps fuzzing past them and fails only on ours.
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
  limits.isolate = false;
  for (const meshsentry::Format f : fuzz::assimp_formats(bytes)) {
    auto r = meshsentry::read_with_assimp(bytes, f, limits);
    if (r.ok()) (void)meshsentry::prepare(std::move(r->mesh));
  }
  return 0;
}
