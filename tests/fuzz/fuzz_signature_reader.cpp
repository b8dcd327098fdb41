// SPDX-License-Identifier: MIT
// libFuzzer target: the .msig reader on any bytes.
#include <cstddef>
#include <cstdint>

#include "meshsentry/signatures.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)meshsentry::parse_signature_set({reinterpret_cast<const std::byte*>(data), size});
  return 0;
}
