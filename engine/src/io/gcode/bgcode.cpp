// SPDX-License-Identifier: MIT
// Binary G-code, as libbgcode's doc/specifications.md lays it out (all
// integers little-endian):
//   file header   "GCDE", u32 version (1), u16 checksum type (0 none, 1 CRC32)
//   block header  u16 type, u16 compression, u32 uncompressed size,
//                 u32 compressed size (only when compressed)
//   parameters    u16 encoding; a thumbnail's are u16 format, width, height
//   data          compressed size bytes, or uncompressed size when stored
//   checksum      CRC32 (zlib's) of header, parameters and data, when asked
// Block types: 0 file, 1 G-code, 2 slicer, 3 printer, 4 print metadata,
// 5 thumbnail. Compressions: 0 none, 1 DEFLATE (zlib stream), 2 heatshrink
// 11/4, 3 heatshrink 12/4. G-code encodings: 0 text, 1 MeatPack, 2 MeatPack
// keeping comments. Blocks are read in file order whatever their order.
#include "io/gcode/bgcode.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "io/gcode/heatshrink.hpp"
#include "io/gcode/meatpack.hpp"

namespace meshsentry::gcode {

namespace {

constexpr std::size_t kFileHeader = 10;
constexpr std::uint16_t kGCodeBlock = 1, kThumbnailBlock = 5, kLastBlockType = 5;
enum Compression : std::uint16_t { kStored = 0, kDeflate = 1, kHeatshrink11 = 2, kHeatshrink12 = 3 };
// The most a compressed byte can give: DEFLATE's limit is 1032 to 1; a
// heatshrink back-reference of 16 bits gives at most 16 bytes (8 to 1). A
// block that claims more is malformed, and is refused before allocating.
constexpr std::uint64_t kDeflateRatio = 1032, kHeatshrinkRatio = 8;
constexpr std::size_t kChunk = 1u << 20;  // inflated between deadline checks

std::uint32_t le(std::span<const std::byte> b, std::size_t at, int n) {
  std::uint32_t v = 0;
  for (int i = 0; i < n; ++i) v |= static_cast<std::uint32_t>(b[at + i]) << (8 * i);
  return v;
}

struct Block {
  std::size_t at = 0;  // offset of its header in the file
  std::uint16_t type = 0, compression = 0;
  std::uint32_t size = 0;                                 // uncompressed
  std::size_t header = 0, params = 0, data = 0, crc = 0;  // byte counts
  std::size_t end() const { return at + header + params + data + crc; }
};

Status fail(const Block& b, const std::string& what) {
  return make_error(ErrorCode::format, "bgcode: block at byte " + std::to_string(b.at) + ": " + what);
}

// The header of the block at `at`, its sizes checked against the file.
Result<Block> read_block(std::span<const std::byte> bytes, std::size_t at, bool crc) {
  Block b;
  b.at = at;
  const std::size_t left = bytes.size() - at;
  if (left < 8) return fail(b, "truncated block header");
  b.type = static_cast<std::uint16_t>(le(bytes, at, 2));
  b.compression = static_cast<std::uint16_t>(le(bytes, at + 2, 2));
  b.size = le(bytes, at + 4, 4);
  if (b.type > kLastBlockType) return fail(b, "unknown block type " + std::to_string(b.type));
  if (b.compression > kHeatshrink12) return fail(b, "unknown compression " + std::to_string(b.compression));
  b.header = b.compression == kStored ? 8 : 12;
  if (left < b.header) return fail(b, "truncated block header");
  b.data = b.compression == kStored ? b.size : le(bytes, at + 8, 4);
  b.params = b.type == kThumbnailBlock ? 6 : 2;
  b.crc = crc ? 4 : 0;
  // Each term is at most 2^32, so the sum cannot wrap.
  if (static_cast<std::uint64_t>(b.header) + b.params + b.data + b.crc > left)
    return fail(b, "truncated: its sizes run past the end of the file");
  const std::uint64_t ratio = b.compression == kDeflate ? kDeflateRatio : kHeatshrinkRatio;
  if (b.compression != kStored && b.size > b.data * ratio + 64)
    return fail(b, "uncompressed size " + std::to_string(b.size) + " impossible for " + std::to_string(b.data) +
                       " compressed bytes");
  return b;
}

Status check_crc(std::span<const std::byte> bytes, const Block& b) {
  const std::size_t covered = b.header + b.params + b.data;
  const auto* p = reinterpret_cast<const Bytef*>(bytes.data() + b.at);
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes at most 4 GiB - 1 a call; a block can be a little more.
  for (std::size_t done = 0; done < covered;) {
    const std::size_t n = std::min<std::size_t>(covered - done, 1u << 30);
    crc = crc32(crc, p + done, static_cast<uInt>(n));
    done += n;
  }
  if (static_cast<std::uint32_t>(crc) != le(bytes, b.at + covered, 4)) return fail(b, "CRC32 mismatch");
  return {};
}

// DEFLATE (a zlib stream) to exactly the block's size, appended to `out`,
// a MiB at a time between deadline checks.
Status inflate_to(const Block& b, std::span<const std::byte> data, std::string& out, const ScanBudget* budget) {
  z_stream z{};
  if (inflateInit(&z) != Z_OK) return make_error(ErrorCode::io, "bgcode: zlib could not start");
  const std::size_t start = out.size();
  out.resize(start + b.size);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  std::size_t done = 0;
  int rc = Z_OK;
  Status status;
  for (;;) {
    const std::size_t room = std::min(kChunk, b.size - done);
    unsigned char probe = 0;  // full: one more byte would be one too many
    z.next_out = room ? reinterpret_cast<Bytef*>(out.data() + start + done) : &probe;
    z.avail_out = static_cast<uInt>(room ? room : 1);
    rc = inflate(&z, Z_NO_FLUSH);
    done += room ? room - z.avail_out : 1 - z.avail_out;
    if (rc != Z_OK) break;  // the end, or an error (Z_BUF_ERROR: the data ran out)
    if (done > b.size) break;
    if (budget)
      if (status = budget->check_time(); !status.ok()) break;
  }
  inflateEnd(&z);
  if (!status.ok()) return status;
  if (rc == Z_STREAM_END && done == b.size) return {};
  if (rc == Z_STREAM_END || done > b.size) return fail(b, "DEFLATE data longer or shorter than its block says");
  return fail(b, rc == Z_BUF_ERROR ? "DEFLATE data cut short" : "corrupt DEFLATE data");
}

Status decompress(const Block& b, std::span<const std::byte> data, std::string& out, const ScanBudget* budget) {
  switch (b.compression) {
    case kStored:
      out.append(reinterpret_cast<const char*>(data.data()), data.size());
      return {};
    case kDeflate:
      return inflate_to(b, data, out, budget);
    default: {
      const int window = b.compression == kHeatshrink11 ? 11 : 12;
      if (Status s = heatshrink_decode(data, window, 4, b.size, out, budget); !s.ok()) return fail(b, s.message);
      return {};
    }
  }
}

// A G-code block's text appended to `text`, held to `max_text` bytes.
Status read_gcode_block(std::span<const std::byte> bytes, const Block& b, std::string& text, std::size_t max_text,
                        const ScanBudget* budget) {
  const std::uint16_t encoding = static_cast<std::uint16_t>(le(bytes, b.at + b.header, 2));
  if (encoding > 2) return fail(b, "unknown G-code encoding " + std::to_string(encoding));
  if (b.size > max_text - text.size())
    return make_error(ErrorCode::limit, "bgcode: decoded G-code over the file size limit");
  const auto data = bytes.subspan(b.at + b.header + b.params, b.data);
  if (encoding == 0) return decompress(b, data, text, budget);
  std::string packed;
  if (Status s = decompress(b, data, packed, budget); !s.ok()) return s;
  return meatpack_decode(std::as_bytes(std::span(packed.data(), packed.size())), text, max_text, budget);
}

}  // namespace

bool is_bgcode(std::span<const std::byte> bytes) noexcept {
  return bytes.size() >= 4 && std::memcmp(bytes.data(), "GCDE", 4) == 0;
}

Result<std::string> decode_bgcode(std::span<const std::byte> bytes, std::size_t max_text_bytes,
                                  const ScanBudget* budget) {
  if (!is_bgcode(bytes)) return make_error(ErrorCode::format, "bgcode: no GCDE magic");
  if (bytes.size() < kFileHeader) return make_error(ErrorCode::format, "bgcode: truncated file header");
  const std::uint32_t version = le(bytes, 4, 4);
  if (version != 1) return make_error(ErrorCode::format, "bgcode: version " + std::to_string(version) + " is not read (1 is)");
  const std::uint32_t checksum = le(bytes, 8, 2);
  if (checksum > 1) return make_error(ErrorCode::format, "bgcode: unknown checksum type " + std::to_string(checksum));
  std::string text;
  bool any_gcode = false;
  for (std::size_t at = kFileHeader; at < bytes.size();) {
    auto block = read_block(bytes, at, checksum == 1);
    if (!block) return block.status();
    if (checksum == 1)
      if (Status s = check_crc(bytes, *block); !s.ok()) return s;
    if (block->type == kGCodeBlock) {
      any_gcode = true;
      if (Status s = read_gcode_block(bytes, *block, text, max_text_bytes, budget); !s.ok()) return s;
    }
    if (budget)
      if (Status s = budget->check_time(); !s.ok()) return s;
    at = block->end();
  }
  if (!any_gcode) return make_error(ErrorCode::empty, "bgcode: no G-code block");
  return text;
}

}  // namespace meshsentry::gcode
