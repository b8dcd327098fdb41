// SPDX-License-Identifier: MIT
// Native STL reader, binary and ASCII: the hot path (most uploads are STL).
// Binary: one pass over 50-byte records, no per-triangle allocation.
// ASCII: a hand-written tokenizer (std::from_chars), any number of `solid`
// blocks, CRLF, exponents and -0, keywords in any case (admesh writes
// `SOLID`/`FACET`); a facet of 3 to 64 vertices (quads, as Assimp and the
// slicers accept) is a fan of triangles from its first vertex.
// Non-finite coordinates are an error: they poison every integral after them.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "common/text.hpp"
#include "io/stl_records.hpp"
#include "meshsentry/io.hpp"

namespace meshsentry {
namespace {

bool finite_bits(const float* v, int n) {
  for (int i = 0; i < n; ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, v + i, 4);
    if ((bits & 0x7f800000u) == 0x7f800000u) return false;
  }
  return true;
}

// The header's checks; the triangle count in `n`.
Status check_binary(std::span<const std::byte> b, const LoadLimits& limits, std::uint32_t& n) {
  if (b.size() < 84)
    return make_error(ErrorCode::format, "binary STL: file of " + std::to_string(b.size()) +
                                             " bytes is shorter than the 84-byte header");
  std::memcpy(&n, b.data() + 80, 4);
  const std::uint64_t expected = 84 + 50ull * n;
  if (expected != b.size()) {
    return make_error(ErrorCode::format,
                      "binary STL: header says " + std::to_string(n) + " triangles (" +
                          std::to_string(expected) + " bytes) but the file has " +
                          std::to_string(b.size()) + " bytes" +
                          (expected > b.size() ? " (truncated)" : ""));
  }
  if (n > limits.max_triangles)
    return make_error(ErrorCode::limit, "limit: " + std::to_string(n) + " triangles over " +
                                            std::to_string(limits.max_triangles));
  if (n == 0) return make_error(ErrorCode::empty, "binary STL holds no triangles");
  return {};
}

const char* const kNonFinite = "binary STL: non-finite coordinate (NaN or inf)";

Result<LoadedMesh> read_binary(std::span<const std::byte> b, const LoadLimits& limits) {
  std::uint32_t n = 0;
  if (Status s = check_binary(b, limits, n); !s.ok()) return s;
  LoadedMesh out;
  out.format = Format::stl_binary;
  auto& verts = out.mesh.vertices;
  auto& tris = out.mesh.triangles;
  verts.resize(3ull * n);
  tris.resize(n);
  const std::byte* rec = b.data() + 84;
  bool finite = true;
  for (std::uint32_t t = 0; t < n; ++t, rec += 50) {
    float v[9];
    std::memcpy(v, rec + 12, 36);  // skip the normal: recomputed from the corners
    finite &= finite_bits(v, 9);
    std::memcpy(&verts[3ull * t], v, 36);
    tris[t] = {3 * t, 3 * t + 1, 3 * t + 2};
  }
  if (!finite) return make_error(ErrorCode::format, kNonFinite);
  return out;
}

class AsciiParser {
 public:
  AsciiParser(const char* p, const char* end) : p_(p), end_(end) {}

  Result<LoadedMesh> parse(const LoadLimits& limits) {
    LoadedMesh out;
    out.format = Format::stl_ascii;
    auto& verts = out.mesh.vertices;
    bool in_facet = false;
    std::vector<Vec3f> facet;  // the current facet's vertices
    std::size_t solids = 0;
    std::string_view tok;
    while (next(tok)) {
      if (keyword(tok, "vertex")) {
        if (!in_facet) return error("vertex outside a facet");
        if (facet.size() >= kMaxFacetVertices)
          return error("facet with more than " + std::to_string(kMaxFacetVertices) + " vertices");
        Vec3f v;
        for (int k = 0; k < 3; ++k) {
          std::string_view num;
          if (!next(num)) return error("truncated vertex");
          if (!parse_float(num, v[k])) return error("bad number '" + std::string(num.substr(0, 32)) + "'");
          if (!std::isfinite(v[k])) return error("non-finite coordinate");
        }
        facet.push_back(v);
      } else if (keyword(tok, "facet")) {
        if (in_facet) return error("facet inside a facet");
        in_facet = true;
        facet.clear();
      } else if (keyword(tok, "endfacet")) {
        if (facet.size() < 3) return error("facet with " + std::to_string(facet.size()) + " vertices");
        for (std::size_t i = 1; i + 1 < facet.size(); ++i) verts.insert(verts.end(), {facet[0], facet[i], facet[i + 1]});
        in_facet = false;
        if (verts.size() / 3 > limits.max_triangles)
          return make_error(ErrorCode::limit, "limit: more than " +
                                                  std::to_string(limits.max_triangles) + " triangles");
      } else if (keyword(tok, "solid")) {
        ++solids;
        skip_name();
      } else if (keyword(tok, "endsolid")) {
        if (in_facet) return error("endsolid inside a facet");
        skip_line();
      }
      // "normal", "outer", "loop", "endloop" and normal components are skipped.
    }
    if (in_facet) return error("truncated: file ends inside a facet");
    if (solids == 0) return error("no 'solid' keyword");
    if (verts.empty()) return make_error(ErrorCode::empty, "ASCII STL holds no triangles");
    const auto n = static_cast<std::uint32_t>(verts.size() / 3);
    out.mesh.triangles.resize(n);
    for (std::uint32_t t = 0; t < n; ++t) out.mesh.triangles[t] = {3 * t, 3 * t + 1, 3 * t + 2};
    return out;
  }

 private:
  static constexpr std::size_t kMaxFacetVertices = 64;

  // A keyword in any case: `tok` equals the lower-case `word` but for case.
  static bool keyword(std::string_view tok, std::string_view word) {
    if (tok.size() != word.size()) return false;
    for (std::size_t i = 0; i < tok.size(); ++i)
      if ((tok[i] | 0x20) != word[i]) return false;
    return true;
  }

  static bool space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

  bool next(std::string_view& tok) {
    while (p_ < end_ && space(*p_)) {
      if (*p_ == '\n') ++line_;
      ++p_;
    }
    if (p_ >= end_) return false;
    const char* s = p_;
    while (p_ < end_ && !space(*p_)) ++p_;
    tok = {s, static_cast<std::size_t>(p_ - s)};
    return true;
  }

  void skip_line() {
    while (p_ < end_ && *p_ != '\n') ++p_;
  }

  // The name runs to the end of the line; a file written on one line has its
  // first facet on it too, so stop early at the keyword.
  void skip_name() {
    while (p_ < end_ && *p_ != '\n') {
      while (p_ < end_ && *p_ != '\n' && space(*p_)) ++p_;
      if (end_ - p_ >= 6 && keyword({p_, 5}, "facet") && space(p_[5])) return;
      while (p_ < end_ && !space(*p_)) ++p_;
    }
  }

  // Read as float (rounded once); a leading '+' is allowed, and a value
  // beyond float's range saturates: tiny values underflow to 0, huge ones
  // are not finite.
  static bool parse_float(std::string_view s, float& out) {
    return parse_number(s, out, {.plus = true, .saturate = true});
  }

  Status error(const std::string& what) const {
    return make_error(ErrorCode::format, "ASCII STL line " + std::to_string(line_) + ": " + what);
  }

  const char* p_;
  const char* end_;
  std::size_t line_ = 1;
};

Status check_file_size(std::span<const std::byte> bytes, const LoadLimits& limits) {
  if (bytes.size() > limits.max_file_bytes)
    return make_error(ErrorCode::limit, "limit: file size " + std::to_string(bytes.size()) + " bytes over " +
                                            std::to_string(limits.max_file_bytes));
  return {};
}

}  // namespace

Result<StlRecords> read_binary_stl_records(std::span<const std::byte> bytes, const LoadLimits& limits) {
  if (Status s = check_file_size(bytes, limits); !s.ok()) return s;
  StlRecords out;
  if (Status s = check_binary(bytes, limits, out.count); !s.ok()) return s;
  out.first = bytes.data() + 84;
  // One pass: finite coordinates, and the box as bounding_box() of the soup
  // makes it (the same comparisons in the same order, so the same box).
  bool finite = true;
  const std::byte* rec = out.first;
  std::memcpy(out.bounds.min.data(), rec + 12, 12);
  out.bounds.max = out.bounds.min;
  for (std::uint32_t t = 0; t < out.count; ++t, rec += 50) {
    float v[9];
    std::memcpy(v, rec + 12, 36);
    finite &= finite_bits(v, 9);
    for (int c = 0; c < 3; ++c)
      for (int k = 0; k < 3; ++k) {
        out.bounds.min[k] = std::min(out.bounds.min[k], v[3 * c + k]);
        out.bounds.max[k] = std::max(out.bounds.max[k], v[3 * c + k]);
      }
  }
  if (!finite) return make_error(ErrorCode::format, kNonFinite);
  return out;
}

Result<LoadedMesh> read_stl(std::span<const std::byte> bytes, const LoadLimits& limits) {
  if (Status s = check_file_size(bytes, limits); !s.ok()) return s;
  if (bytes.empty()) return make_error(ErrorCode::empty, "empty file");
  Format f = sniff(bytes, "x.stl");
  if (f == Format::stl_ascii) {
    const char* p = reinterpret_cast<const char*>(bytes.data());
    return AsciiParser(p, p + bytes.size()).parse(limits);
  }
  return read_binary(bytes, limits);
}

}  // namespace meshsentry
