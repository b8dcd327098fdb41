// SPDX-License-Identifier: MIT
// A binary STL as its records, for the scan's big-file path: checked as
// read_stl checks it, but not copied into a soup (prepare_stl_records welds
// straight from the records).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "meshsentry/io.hpp"
#include "meshsentry/mesh.hpp"

namespace meshsentry {

struct StlRecords {
  const std::byte* first = nullptr;  // the first 50-byte record
  std::uint32_t count = 0;
  BoundingBox bounds;  // of every corner, as bounding_box() of read_stl's soup
};

// read_stl's checks of a binary STL (the caller knows it is one), without
// the soup: the records and their box.
Result<StlRecords> read_binary_stl_records(std::span<const std::byte> bytes, const LoadLimits& limits);

// True when `bytes` are a binary STL by the size rule and load_mesh would
// read them as one (what binary_stl_records takes).
bool is_exact_binary_stl(std::span<const std::byte> bytes, std::string_view name_hint);

// What load_mesh does to such a file, with the same errors in the same
// order (the budget's time, the limits, finite coordinates, the charge for
// the soup it would have made), but returning its records and their box.
Result<StlRecords> load_binary_stl(std::span<const std::byte> bytes, const LoadLimits& limits, ScanBudget* budget);

}  // namespace meshsentry
