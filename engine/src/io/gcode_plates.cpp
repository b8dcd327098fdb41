// SPDX-License-Identifier: MIT
// The G-code plates of a print project. Bambu Studio and Orca Slicer save a
// sliced plate as Metadata/plate_<N>.gcode inside the 3MF package and leave
// its model part empty, so the print is only in the plates; the scan reads
// them as the package's members (see pipeline.cpp).
#include <algorithm>
#include <cctype>
#include <cstring>

#include "meshsentry/io.hpp"

namespace meshsentry {
namespace {

// The plate number of "Metadata/plate_<N>.gcode" (any case, OPC names are
// case-insensitive), or -1 for any other name.
long plate_number(std::string_view name) {
  while (!name.empty() && name.front() == '/') name.remove_prefix(1);
  constexpr std::string_view head = "metadata/plate_", tail = ".gcode";
  if (name.size() <= head.size() + tail.size()) return -1;
  auto same = [](std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](char x, char y) { return std::tolower(static_cast<unsigned char>(x)) == y; });
  };
  if (!same(name.substr(0, head.size()), head) || !same(name.substr(name.size() - tail.size()), tail)) return -1;
  const std::string_view digits = name.substr(head.size(), name.size() - head.size() - tail.size());
  if (digits.size() > 9) return -1;
  long n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
  }
  return n;
}

}  // namespace

bool is_gcode_plate(std::string_view member_name) { return plate_number(member_name) >= 0; }

Result<std::vector<ArchiveMember>> list_gcode_plates(std::span<const std::byte> bytes, ScanBudget& budget) {
  // A bare model part is XML, not a package: it has no plates.
  if (bytes.size() < 4 || std::memcmp(bytes.data(), "PK", 2) != 0) return std::vector<ArchiveMember>{};
  auto plates = list_archive(bytes, budget.archive(), &budget, is_gcode_plate);
  if (!plates) return plates;
  // Zip order is the slicer's; plate order reads the same on every run.
  std::stable_sort(plates->begin(), plates->end(), [](const ArchiveMember& a, const ArchiveMember& b) {
    return plate_number(a.name) < plate_number(b.name);
  });
  return plates;
}

}  // namespace meshsentry
