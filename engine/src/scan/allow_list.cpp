// SPDX-License-Identifier: MIT
// The allow-list: parsing, and turning a flagged result into "allowed".
#include "scan/allow.hpp"

#include <cctype>
#include <fstream>

#include "common/text.hpp"
#include "meshsentry/scan.hpp"

namespace meshsentry {
namespace {

bool is_hex(const std::string& s) {
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return !s.empty();
}

}  // namespace

Result<AllowList> read_allow_list(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error(ErrorCode::io, "allow-list " + path + ": cannot be read");
  AllowList list;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    const auto a = line.find_first_not_of(" \t\r");
    if (a == std::string::npos) continue;
    const auto b = line.find_last_not_of(" \t\r");
    std::string rule = to_lower(line.substr(a, b - a + 1));
    std::string kind;
    if (const auto colon = rule.find(':'); colon != std::string::npos) {
      kind = rule.substr(0, colon);
      rule = rule.substr(colon + 1);
    } else {
      kind = rule.size() == 64 ? "sha256" : rule.size() == 32 ? "geometry" : "";
    }
    const bool ok = is_hex(rule) && ((kind == "sha256" && rule.size() == 64) || (kind == "geometry" && rule.size() == 32));
    if (!ok)
      return make_error(ErrorCode::invalid, "allow-list " + path + " line " + std::to_string(n) +
                                                ": expected sha256:<64 hex> or geometry:<32 hex>");
    (kind == "sha256" ? list.sha256 : list.geometry).insert(rule);
  }
  return list;
}

void apply_allow_list(const ScanOptions& options, ScanResult& r) {
  if (!options.allow || !is_flagged(r.verdict)) return;
  if (options.allow->sha256.count(r.sha256)) {
    r.allowed_by = "sha256:" + r.sha256;
  } else if (!r.hash.empty() && options.allow->geometry.count(r.hash.hex())) {
    r.allowed_by = "geometry:" + r.hash.hex();
  } else {
    return;
  }
  r.verdict = Verdict::allowed;
}

}  // namespace meshsentry
