// SPDX-License-Identifier: MIT
#include "io/glb_chunks.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace meshsentry {
namespace {

constexpr std::uint32_t kMagic = 0x46546C67, kJson = 0x4E4F534A, kBin = 0x004E4942;

std::uint32_t u32(std::span<const std::byte> b, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(b[at + i]) << (8 * i);
  return v;
}

void put_u32(std::vector<std::byte>& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<std::byte>((v >> (8 * i)) & 0xff);
}

}  // namespace

std::optional<std::vector<std::byte>> pad_glb_json_chunk(std::span<const std::byte> b) {
  if (b.size() < 20 || u32(b, 0) != kMagic || u32(b, 4) != 2 || u32(b, 16) != kJson) return std::nullopt;
  const std::uint64_t json = u32(b, 12);
  if (json % 4 == 0 || 20 + json > b.size()) return std::nullopt;
  const std::size_t after = 20 + static_cast<std::size_t>(json);
  // The next chunk must start right after the JSON, or nothing may follow.
  if (after != b.size() && (after + 8 > b.size() || u32(b, after + 4) != kBin)) return std::nullopt;
  const std::size_t pad = 4 - json % 4;
  if (b.size() + pad > UINT32_MAX) return std::nullopt;
  std::vector<std::byte> out;
  out.reserve(b.size() + pad);
  out.insert(out.end(), b.begin(), b.begin() + static_cast<std::ptrdiff_t>(after));
  out.insert(out.end(), pad, std::byte{' '});  // the specification pads JSON with spaces
  out.insert(out.end(), b.begin() + static_cast<std::ptrdiff_t>(after), b.end());
  put_u32(out, 8, static_cast<std::uint32_t>(out.size()));
  put_u32(out, 12, static_cast<std::uint32_t>(json + pad));
  return out;
}

}  // namespace meshsentry
