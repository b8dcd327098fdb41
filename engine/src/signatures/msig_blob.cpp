// SPDX-License-Identifier: MIT
// Decoding format 6's sample blobs, once per entry and on first use.
#include "signatures/msig_blob.hpp"

#include <cstring>

#include "common/sha256.hpp"
#include "signatures/sample_quantise.hpp"

namespace meshsentry {

std::uint64_t blob_length(const std::vector<std::uint32_t>& points) {
  std::uint64_t n = 0;
  for (std::size_t k = 0; k < points.size(); ++k)
    n += k == 0 ? std::uint64_t{points[k]} * 24 : 16 + std::uint64_t{points[k]} * 10;
  return n;
}

Status decode_blob(std::span<const std::byte> blob, const BlobRecord& record, SignatureEntry& e) {
  const std::string what = "signature file: entry '" + e.id + "'";
  if (blob.size() != record.length || blob.size() != blob_length(record.points) ||
      record.points.size() != e.views.size() + 1)
    return make_error(ErrorCode::corrupt, what + ": sample blob of the wrong length");
  if (const auto d = sha256(blob); std::memcmp(d.data(), record.sha256.data(), 32) != 0)
    return make_error(ErrorCode::corrupt, what + ": sample blob checksum mismatch");
  const std::byte* p = blob.data();
  const std::uint32_t n = record.points[0];
  SurfaceSample sample;
  sample.points.resize(n);
  sample.normals.resize(n);
  std::memcpy(sample.points.data(), p, std::size_t{n} * 12);
  std::memcpy(sample.normals.data(), p + std::size_t{n} * 12, std::size_t{n} * 12);
  p += std::size_t{n} * 24;
  std::vector<SurfaceSample> views(e.views.size());
  for (std::size_t k = 0; k < views.size(); ++k) {
    const std::uint32_t m = record.points[k + 1];
    QuantisedSample q;
    std::memcpy(q.lo.data(), p, 12);
    std::memcpy(&q.step, p + 12, 4);
    q.points.resize(std::size_t{m} * 3);
    q.normals.resize(std::size_t{m} * 2);
    std::memcpy(q.points.data(), p + 16, q.points.size() * 2);
    std::memcpy(q.normals.data(), p + 16 + q.points.size() * 2, q.normals.size() * 2);
    p += 16 + std::size_t{m} * 10;
    if (!dequantise_sample(q, views[k]))
      return make_error(ErrorCode::corrupt,
                        what + ", coarse view " + std::to_string(k) + ": point sample with a bad grid");
  }
  e.sample = std::move(sample);
  for (std::size_t k = 0; k < views.size(); ++k) e.views[k].sample = std::move(views[k]);
  return {};
}

Status decode_lazy(LazySamples::State* s, const SignatureEntry& e, std::size_t i) {
  if (!s || i >= s->records.size()) return {};
  auto result = [&](std::uint8_t d) -> Status {
    return d == 1 ? Status{} : make_error(ErrorCode::corrupt, s->errors[i]);
  };
  if (const auto d = s->done[i].load(std::memory_order_acquire)) return result(d);
  std::lock_guard lock(s->locks[i % s->locks.size()]);
  if (const auto d = s->done[i].load(std::memory_order_relaxed)) return result(d);
  const BlobRecord& r = s->records[i];
  // The entry's samples are written here once, under the lock, before any
  // caller can read them (the release below): the set is const to readers
  // but these fields are filled on first use.
  auto& entry = const_cast<SignatureEntry&>(e);
  const Status st = decode_blob(s->blobs.subspan(r.offset, r.length), r, entry);
  if (!st.ok()) s->errors[i] = st.message;
  s->done[i].store(st.ok() ? 1 : 2, std::memory_order_release);
  return st;
}

Status decode_entry(const SignatureSet& set, std::size_t i) {
  if (i >= set.entries.size()) return {};
  return decode_lazy(set.lazy.state(), set.entries[i], i);
}

Status decode_all(SignatureSet& set) {
  Status first;
  for (std::size_t i = 0; i < set.entries.size(); ++i)
    if (Status s = decode_entry(set, i); !s.ok() && first.ok()) first = s;
  if (first.ok()) set.lazy = LazySamples();
  return first;
}

LazySamples::LazySamples() noexcept = default;
LazySamples::LazySamples(std::unique_ptr<State> s) noexcept : s_(std::move(s)) {}
LazySamples::LazySamples(LazySamples&&) noexcept = default;
LazySamples& LazySamples::operator=(LazySamples&&) noexcept = default;
LazySamples::~LazySamples() = default;

LazySamples::LazySamples(const LazySamples& o) {
  if (!o.s_) return;
  auto s = std::make_unique<State>();
  s->map = o.s_->map;
  s->blobs = o.s_->blobs;
  s->records = o.s_->records;
  s->errors = o.s_->errors;
  s->done = std::make_unique<std::atomic<std::uint8_t>[]>(s->records.size());
  for (std::size_t i = 0; i < s->records.size(); ++i) s->done[i].store(o.s_->done[i].load());
  s_ = std::move(s);
}

LazySamples& LazySamples::operator=(const LazySamples& o) {
  if (this != &o) *this = LazySamples(o);
  return *this;
}

}  // namespace meshsentry
