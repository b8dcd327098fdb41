// SPDX-License-Identifier: MIT
#pragma once

#include "common/mapped_file.hpp"
#include "meshsentry/signatures.hpp"

namespace meshsentry {

// parse_signature_set over a whole file's bytes, giving the bytes of the
// entries already decoded back to the system as it goes (checksum verified
// first): opening a large set then holds about one copy of it at its peak,
// not the file's bytes and the decoded set together.
Result<SignatureSet> parse_signature_file(MappedFile& file);

}  // namespace meshsentry
