// SPDX-License-Identifier: MIT
// Pictures for one flagged file of the HTML report: the scanned geometry in
// three views (and a close-up of the matched body when the file has several)
// with the best match's signature points overlaid in its pose.
#pragma once

#include <string>
#include <vector>

#include "meshsentry/engine.hpp"
#include "meshsentry/report.hpp"

namespace meshsentry {

struct Picture {
  std::string view;      // "front", "top", "isometric", "close-up of body N"
  std::string png_data;  // base64 of the PNG, for a data: URI
};

struct Pictures {
  std::vector<Picture> views;  // empty when there is no picture
  std::string missing;         // why not, for the reader ("archive", "file changed since the scan", ...)
  bool overlay = false;        // the signature's points are drawn
};

// Re-reads result.path (an archive member through its archive), checks its
// SHA-256 against the scan's, prepares it as the scan did and renders it.
// Never throws; failures come back in `missing`.
Pictures render_pictures(const ScanResult& result, const Engine& engine, const ScanOptions& scan,
                         const HtmlReportOptions& options);

}  // namespace meshsentry
