// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string>

namespace meshsentry {

std::array<unsigned char, 32> sha256(std::span<const std::byte> bytes);
std::string sha256_hex(std::span<const std::byte> bytes);
std::string to_hex(std::span<const unsigned char> bytes);

}  // namespace meshsentry
