// SPDX-License-Identifier: MIT
// libFuzzer target: the binary G-code decoder (header, blocks, CRC32,
// DEFLATE, heatshrink, MeatPack), then the G-code reader and the toolpath
// prepare on what it gives. Inputs not starting "GCDE" get the magic put in
// front, so the fuzzer's bytes reach the blocks.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "meshsentry/io.hpp"
#include "meshsentry/mesh.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::uint8_t> file;
  if (size < 4 || std::memcmp(data, "GCDE", 4) != 0) file = {'G', 'C', 'D', 'E'};
  file.insert(file.end(), data, data + size);
  meshsentry::LoadLimits limits;
  limits.max_triangles = 1'000'000;
  limits.max_file_bytes = 64u << 20;  // decoded text: keeps each run fast and small
  auto r = meshsentry::read_bgcode(std::as_bytes(std::span(file)), limits);
  if (r.ok()) {
    meshsentry::PrepareOptions opt;
    opt.from_toolpath = true;
    (void)meshsentry::prepare(std::move(r->mesh), opt);
  }
  return 0;
}
