// SPDX-License-Identifier: MIT
// Digests besides SHA-256 that examiners look files up by in hash sets
// (NSRL and the like publish MD5 and SHA-1): never used for any decision.
#pragma once

#include <cstddef>
#include <span>
#include <string>

namespace meshsentry {

// Lower-case hex of `bytes` under OpenSSL's digest `name` ("md5", "sha1",
// "sha256"); empty when the digest is not available.
std::string digest_hex(std::span<const std::byte> bytes, const char* name);

}  // namespace meshsentry
