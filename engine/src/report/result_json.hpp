// SPDX-License-Identifier: MIT
#pragma once

#include <nlohmann/json.hpp>

#include "meshsentry/scan.hpp"

namespace meshsentry {

// The one JSON shape of a scan result, shared by the JSONL and JSON writers.
nlohmann::ordered_json result_to_json(const ScanResult& r);

}  // namespace meshsentry
