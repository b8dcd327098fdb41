// SPDX-License-Identifier: MIT
// ScanBudget: the limits of one scanned file, charged by every reader it
// passes through, so that an archive of archives or a 3MF of placements of
// placements gets no more than a plain file of the same limits.
#include <algorithm>
#include <string>

#include "meshsentry/io.hpp"

namespace meshsentry {
namespace {

// a + b, saturating: a reader's own product (placements times an object's
// size) may already be past 2^64.
std::uint64_t sum(std::uint64_t a, std::uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

std::uint64_t product(std::uint64_t a, std::uint64_t b) {
  return b != 0 && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

}  // namespace

ScanBudget::ScanBudget(const LoadLimits& load, const ArchiveLimits& archive, std::uint64_t input_bytes)
    : load_(load), archive_(archive), mesh_bytes_(std::max(load.max_mesh_bytes, product(input_bytes, kInputFactor))),
      deadline_(std::chrono::steady_clock::now() + std::chrono::seconds(load.max_seconds)) {}

Status ScanBudget::expand(std::uint64_t bytes) {
  bytes_ = sum(bytes_, bytes);
  if (bytes_ > archive_.max_total_bytes)
    return make_error(ErrorCode::limit, "limit: archive expands past " + std::to_string(archive_.max_total_bytes) + " bytes");
  return {};
}

Status ScanBudget::add_member() {
  if (++members_ > archive_.max_members)
    return make_error(ErrorCode::limit, "limit: more than " + std::to_string(archive_.max_members) + " members");
  return {};
}

Status ScanBudget::add_geometry(std::uint64_t triangles, std::uint64_t vertices) {
  const std::uint64_t t = sum(triangles_, triangles), v = sum(vertices_, vertices);
  if (t > load_.max_triangles)
    return make_error(ErrorCode::limit, "limit: more than " + std::to_string(load_.max_triangles) + " triangles");
  if (v > load_.max_vertices)
    return make_error(ErrorCode::limit, "limit: more than " + std::to_string(load_.max_vertices) + " vertices");
  // Memory is the mesh at hand's: an archive's meshes are scanned one at a time.
  const std::uint64_t bytes = sum(product(triangles, kBytesPerTriangle), product(vertices, kBytesPerVertex));
  if (bytes > mesh_bytes_)
    return make_error(ErrorCode::limit, "limit: the mesh would take about " + std::to_string(bytes >> 20) +
                                            " MiB, over " + std::to_string(mesh_bytes_ >> 20) + " MiB");
  triangles_ = t;
  vertices_ = v;
  return {};
}

Status ScanBudget::check_time() const {
  if (std::chrono::steady_clock::now() > deadline_)
    return make_error(ErrorCode::limit, "limit: scanning took longer than " + std::to_string(load_.max_seconds) + " s");
  return {};
}

bool ScanBudget::spent() const noexcept {
  return bytes_ > archive_.max_total_bytes || members_ > archive_.max_members;
}

std::uint64_t ScanBudget::triangles_left() const noexcept {
  return load_.max_triangles > triangles_ ? load_.max_triangles - triangles_ : 0;
}

unsigned ScanBudget::seconds_left() const noexcept {
  const auto left = std::chrono::ceil<std::chrono::seconds>(deadline_ - std::chrono::steady_clock::now()).count();
  return static_cast<unsigned>(std::clamp<long long>(left, 1, load_.max_seconds == 0 ? 1 : load_.max_seconds));
}

}  // namespace meshsentry
