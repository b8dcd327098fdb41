// SPDX-License-Identifier: MIT
#include "common/digests.hpp"

#include <openssl/evp.h>

#include "common/sha256.hpp"

namespace meshsentry {

std::string digest_hex(std::span<const std::byte> bytes, const char* name) {
  const EVP_MD* md = EVP_get_digestbyname(name);
  if (!md) return {};
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!EVP_Digest(bytes.data(), bytes.size(), out, &len, md, nullptr)) return {};
  return to_hex(std::span<const unsigned char>(out, len));
}

}  // namespace meshsentry
