// SPDX-License-Identifier: MIT
// File and member names as the writers print them. A name comes from a
// seized drive or an archive, so it may hold any byte but '/' and NUL:
// newlines that would forge an output line, terminal escape sequences, or
// bytes that are not UTF-8 and that JSON cannot carry as they are.
#pragma once

#include <string>
#include <string_view>

namespace meshsentry {

// Whether `s` is well-formed UTF-8 (no overlong forms, surrogates or code
// points above U+10FFFF).
bool is_valid_utf8(std::string_view s) noexcept;

// `s` in the escaped form, which keeps distinct names distinct and prints on
// one line without driving a terminal: '\' becomes "\\"; '\n', '\r' and '\t'
// become "\n", "\r" and "\t"; every other control character (C0, DEL, the C1
// controls U+0080 to U+009F, each of their bytes) and every byte that is not
// part of a well-formed UTF-8 sequence becomes "\xHH" (two lower-case hex
// digits). Other characters are kept as they are.
std::string escape_name(std::string_view s);

}  // namespace meshsentry
