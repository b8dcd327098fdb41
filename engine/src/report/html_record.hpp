// SPDX-License-Identifier: MIT
// The forensic record of the HTML report: the case header, the inventory of
// every file met and the legend of the numbers (html_record.cpp).
#pragma once

#include <string>
#include <vector>

#include "meshsentry/report.hpp"

namespace meshsentry {

// Whether each result is an archive member (its path is an earlier
// archive's path, "!/", and more), so that summaries count an archive once.
std::vector<bool> archive_members(const std::vector<ScanResult>& results);

// The case record as <div><dt>..</dt><dd>..</dd></div> facts.
void case_facts(std::string& h, const RunInfo& info);

// The inventory section: every result (members under their archive), the
// skipped paths with their reason, and errors with their message.
void inventory(std::string& h, const std::vector<ScanResult>& results, const RunInfo& info,
               const HtmlReportOptions& options);

// The legend section: what each number and word of the report means.
void legend(std::string& h);

}  // namespace meshsentry
