// SPDX-License-Identifier: MIT
// SHA-256 through OpenSSL's EVP interface (uses the CPU's SHA extensions).
#include "common/sha256.hpp"

#include <openssl/evp.h>

namespace meshsentry {

std::array<unsigned char, 32> sha256(std::span<const std::byte> bytes) {
  std::array<unsigned char, 32> out{};
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), out.data(), &len, EVP_sha256(), nullptr);
  return out;
}

std::string to_hex(std::span<const unsigned char> bytes) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    s.push_back(digits[b >> 4]);
    s.push_back(digits[b & 15]);
  }
  return s;
}

std::string sha256_hex(std::span<const std::byte> bytes) {
  auto d = sha256(bytes);
  return to_hex(d);
}

}  // namespace meshsentry
