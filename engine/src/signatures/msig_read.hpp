// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <memory>
#include <optional>

#include "common/mapped_file.hpp"
#include "common/shared_map.hpp"
#include "meshsentry/signatures.hpp"

namespace meshsentry {

// parse_signature_set over a whole file's bytes, giving the bytes of the
// entries already decoded back to the system as it goes (checksum verified
// first): opening a large set then holds about one copy of it at its peak,
// not the file's bytes and the decoded set together.
Result<SignatureSet> parse_signature_file(MappedFile& file);

// Format 6 files are mapped rather than read (null: `path` holds an older
// format, or no signature set at all: read it as before).
Result<std::shared_ptr<const SharedMap>> map_lazy_signature_file(const std::string& path);
// Parses the header and table of contents only (see LazySamples).
Result<SignatureSet> parse_mapped_signature_file(std::shared_ptr<const SharedMap> map);
// A format-6 file's stored SHA-256 of its header and table of contents (what
// is signed; parsing checks it), else nothing: the whole file is hashed.
std::optional<std::array<unsigned char, 32>> stored_toc_digest(std::span<const std::byte> file);

}  // namespace meshsentry
