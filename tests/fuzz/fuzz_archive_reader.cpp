// SPDX-License-Identifier: MIT
// libFuzzer target: list_archive (libarchive, in-process as in a scan) with
// small limits (fuzz_inputs.hpp), then the sniffer on every member, as the
// scanner does before dispatching it.
#include <cstddef>
#include <cstdint>

#include "fuzz_inputs.hpp"
#include "meshsentry/io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  auto r = meshsentry::list_archive(bytes, fuzz::archive_limits());
  if (!r.ok()) return 0;
  for (const auto& m : *r) (void)meshsentry::sniff(m.bytes, m.name);
  return 0;
}
