// SPDX-License-Identifier: MIT
#pragma once

namespace meshsentry {

// The report's whole stylesheet, inlined into <style>: no web fonts, no
// external resources; system font stacks only.
const char* html_report_css() noexcept;

}  // namespace meshsentry
