// SPDX-License-Identifier: MIT
// What `sig build` and `sig add` share (manifest.cpp): describing a
// manifest's references, and the creation time a written set is stamped with.
#pragma once

#include <string>
#include <vector>

#include "meshsentry/signatures.hpp"

namespace meshsentry {

// Every reference of the manifest loaded and described (in parallel), with
// its row's id, label, class and severity, in manifest order. Fails on the
// first reference that cannot be loaded, naming it.
Result<std::vector<SignatureEntry>> describe_manifest(const std::string& manifest_path, const DescriptorParams& params,
                                                      int threads);

// `given` if not empty, else SOURCE_DATE_EPOCH as ISO 8601 UTC if set, else now.
std::string creation_time(const std::string& given);

}  // namespace meshsentry
