// SPDX-License-Identifier: MIT
// Format 6's per-entry sample blobs (layout in docs/signature-format.md):
// where each lies, its SHA-256, how to decode it, and the lazy state of a
// set read from a mapped file.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "common/shared_map.hpp"
#include "meshsentry/signatures.hpp"

namespace meshsentry {

struct BlobRecord {
  std::uint64_t offset = 0;  // from the first byte after the table of contents' SHA-256
  std::uint64_t length = 0;
  std::array<unsigned char, 32> sha256{};
  std::vector<std::uint32_t> points;  // the entry's sample, then each view's
};

// The bytes a blob of these sample sizes takes: the entry's sample as floats
// (24 bytes a point), each view's quantised (16 + 10 a point).
std::uint64_t blob_length(const std::vector<std::uint32_t>& points);

// Checks the blob against its SHA-256, then fills the entry's and its views'
// samples. Errors name the entry; the entry is left without samples.
Status decode_blob(std::span<const std::byte> blob, const BlobRecord& record, SignatureEntry& e);

struct LazySamples::State {
  std::shared_ptr<const SharedMap> map;
  std::span<const std::byte> blobs;                   // in map
  std::vector<BlobRecord> records;                    // per entry
  std::unique_ptr<std::atomic<std::uint8_t>[]> done;  // 0 not yet, 1 decoded, 2 corrupt
  std::vector<std::string> errors;                    // of the corrupt ones
  std::array<std::mutex, 64> locks;                   // entry i's: locks[i % 64]
};

// decode_entry on entry i of the set `s` belongs to, `e` being that entry
// (the matcher's index keeps these two, which stay put when a set moves).
Status decode_lazy(LazySamples::State* s, const SignatureEntry& e, std::size_t i);

}  // namespace meshsentry
