// SPDX-License-Identifier: MIT
// Writers for scan results: JSONL for pipelines, text for people, one JSON
// document for archiving a run. The JSONL fields follow EVAL-FORMAT.md.
#pragma once

#include <string>
#include <vector>

#include "meshsentry/engine.hpp"

namespace meshsentry {

// One JSON object on one line, no trailing newline.
std::string to_jsonl(const ScanResult& result);

// One line for a person; `color` adds ANSI highlighting of matches.
std::string to_text(const ScanResult& result, bool color);

struct RunInfo {
  std::string signature_name, signature_checksum;
  std::size_t signature_entries = 0;
  double threshold = 0;
  std::string started, finished;  // ISO 8601 UTC
};

// The whole run as one JSON document (pretty-printed).
std::string to_json_document(const std::vector<ScanResult>& results, const RunInfo& info);

}  // namespace meshsentry
