// SPDX-License-Identifier: MIT
// Text encodings the HTML report needs: escaping for element text and
// attribute values, and base64 for data: URIs.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace meshsentry {

// Escapes & < > " ' so the result is safe both as element text and inside a
// quoted attribute. File names are bytes, not UTF-8: invalid sequences and
// control characters become U+FFFD, so a hostile name cannot break the page.
std::string html_escape(std::string_view text);

// RFC 4648 base64 with padding, no line breaks.
std::string base64_encode(std::span<const std::uint8_t> bytes);

}  // namespace meshsentry
