// SPDX-License-Identifier: MIT
// Internal to the scan pipeline: what folder_walk.cpp and the HTML report
// share with pipeline.cpp.
#pragma once

#include <string>

#include "meshsentry/scan.hpp"
#include "meshsentry/status.hpp"

namespace meshsentry {

// A result that reports `s` as the file's error.
ScanResult error_result(const std::string& path, const Status& s);

}  // namespace meshsentry
