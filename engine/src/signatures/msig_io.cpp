// SPDX-License-Identifier: MIT
// .msig reading and writing (layout in signatures.hpp). The reader trusts
// nothing: every length is checked against what is left, counts are capped,
// the checksum is verified before any field is believed, and the body must be
// consumed exactly.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <optional>
#include <set>
#include <stdexcept>
#include <string_view>
#include <type_traits>

#include "common/atomic_file.hpp"
#include "common/mapped_file.hpp"
#include "common/sha256.hpp"
#include "common/shared_map.hpp"
#include "meshsentry/signatures.hpp"
#include "signatures/msig_blob.hpp"
#include "signatures/msig_read.hpp"
#include "signatures/sample_extent.hpp"
#include "signatures/sample_quantise.hpp"

namespace meshsentry {
namespace {

constexpr char kMagic[8] = {'M', 'S', 'I', 'G', '\0', '\r', '\n', '\x1a'};
constexpr std::size_t kHeader = 8 + 4 + 8;
constexpr std::uint32_t kMaxString = 1 << 16;
constexpr std::uint32_t kMaxEntries = 1 << 20;
constexpr std::uint32_t kMaxBins = 4096;
// Version 2 differs only in having no coarse views, version 3 in having no
// SampleExtent after each shape (measured when the set is opened instead),
// version 4 in storing the coarse views' samples as floats rather than
// quantised (an entry's own sample stays floats: sample_quantise.hpp).
constexpr std::uint32_t kOldestReadableVersion = 2;
// Samples are read and written as whole arrays of packed floats.
static_assert(sizeof(Vec3f) == 12);

class Writer {
 public:
  void raw(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::byte*>(p);
    out.insert(out.end(), b, b + n);
  }
  template <class T>
  void put(T v) {
    raw(&v, sizeof v);
  }
  void str(const std::string& s) {
    put<std::uint32_t>(static_cast<std::uint32_t>(s.size()));
    raw(s.data(), s.size());
  }
  void floats(const std::vector<float>& v) {
    put<std::uint32_t>(static_cast<std::uint32_t>(v.size()));
    raw(v.data(), v.size() * sizeof(float));
  }
  std::vector<std::byte> out;
};

class Reader {
 public:
  explicit Reader(std::span<const std::byte> b) : b_(b) {}
  bool ok() const { return ok_; }
  std::size_t left() const { return b_.size() - pos_; }
  std::size_t pos() const { return pos_; }
  const std::string& why() const { return why_; }
  void fail(const std::string& w) {
    if (ok_) why_ = w;
    ok_ = false;
  }
  bool raw(void* p, std::size_t n) {
    if (!ok_ || n > left()) {
      fail("truncated");
      return false;
    }
    std::memcpy(p, b_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  template <class T>
  T get() {
    T v{};
    raw(&v, sizeof v);
    return v;
  }
  std::string str() {
    const auto n = get<std::uint32_t>();
    if (n > kMaxString) fail("string too long");
    std::string s(ok_ ? n : 0, '\0');
    if (ok_) raw(s.data(), n);
    return s;
  }
  std::vector<float> floats(std::uint32_t expect) {
    const auto n = get<std::uint32_t>();
    if (n != expect) fail("histogram of " + std::to_string(n) + " bins, expected " + std::to_string(expect));
    std::vector<float> v(ok_ ? n : 0);
    if (ok_) raw(v.data(), n * sizeof(float));
    return v;
  }

 private:
  std::span<const std::byte> b_;
  std::size_t pos_ = 0;
  bool ok_ = true;
  std::string why_;
};

// The shape a verification aligns with, of an entry or of one of its coarse
// views: frame, descriptor, vertex spacing, point sample (a view's quantised
// from version 5) and (version 4) the sample's extent, in this order.
// Format 6 writes the sample's points to `samples` (the entry's blob) and
// the rest to the table of contents; older formats write both to `w`.
template <class Shape>
void write_shape(Writer& w, const Shape& e, std::uint32_t version, Writer& samples) {
  const bool quantised = version >= 5 && std::is_same_v<Shape, CoarseView>;
  for (double c : e.centroid) w.put(c);
  for (double a : e.axes) w.put(a);
  const ShapeDescriptor& d = e.descriptor;
  w.put(d.rms_radius);
  w.put(d.area);
  w.put(d.moment_ratios[0]);
  w.put(d.moment_ratios[1]);
  w.put(d.compactness);
  w.put(e.vertex_spacing);
  w.floats(d.d2);
  w.floats(d.d1);
  w.floats(d.a3);
  w.put<std::uint32_t>(static_cast<std::uint32_t>(e.sample.points.size()));
  if (quantised) {
    const QuantisedSample q = quantise_sample(e.sample);
    for (float c : q.lo) samples.put(c);
    samples.put(q.step);
    samples.raw(q.points.data(), q.points.size() * 2);
    samples.raw(q.normals.data(), q.normals.size() * 2);
  } else {
    for (const Vec3f& p : e.sample.points) samples.raw(p.data(), 12);
    for (const Vec3f& n : e.sample.normals) samples.raw(n.data(), 12);
  }
  if (version < 4) return;
  w.put(e.extent.model_points);
  w.put(e.extent.diameter);
  w.put(e.extent.spacing);
}

void write_entry(Writer& w, const SignatureEntry& e, std::uint32_t version, Writer& samples) {
  w.str(e.id);
  w.str(e.label);
  w.str(e.cls);
  w.str(e.severity);
  if (version >= 6) w.put(static_cast<std::uint8_t>(e.scale));
  w.put(e.hash.lo);
  w.put(e.hash.hi);
  w.put(e.triangles);
  w.put(e.bodies);
  write_shape(w, e, version, samples);
  w.put<std::uint32_t>(static_cast<std::uint32_t>(e.views.size()));
  for (const CoarseView& v : e.views) {
    w.put(v.cell);
    w.put(v.triangles);
    write_shape(w, v, version, samples);
  }
}

// Format 6 leaves the sample's points in the entry's blob: `points` gets
// their count (decode_blob reads them).
template <class Shape>
void read_shape(Reader& r, const DescriptorParams& params, Shape& e, const std::string& what, std::uint32_t version,
                std::vector<std::uint32_t>& points) {
  const bool quantised = version >= 5 && std::is_same_v<Shape, CoarseView>;
  for (double& c : e.centroid) c = r.get<double>();
  for (double& a : e.axes) a = r.get<double>();
  ShapeDescriptor& d = e.descriptor;
  d.rms_radius = r.get<double>();
  d.area = r.get<double>();
  d.moment_ratios[0] = r.get<float>();
  d.moment_ratios[1] = r.get<float>();
  d.compactness = r.get<float>();
  e.vertex_spacing = r.get<float>();
  d.d2 = r.floats(params.d2_bins);
  d.d1 = r.floats(params.d1_bins);
  d.a3 = r.floats(params.a3_bins);
  const auto n = r.get<std::uint32_t>();
  if (n > kMaxSignaturePoints) r.fail(what + ": point sample of " + std::to_string(n) + " points over the cap");
  if (!r.ok()) return;
  if (version >= 6) {
    points.push_back(n);
  } else if (quantised) {
    QuantisedSample q;
    for (float& c : q.lo) c = r.get<float>();
    q.step = r.get<float>();
    q.points.resize(std::size_t{n} * 3);
    q.normals.resize(std::size_t{n} * 2);
    r.raw(q.points.data(), q.points.size() * 2);
    r.raw(q.normals.data(), q.normals.size() * 2);
    if (r.ok() && !dequantise_sample(q, e.sample)) r.fail(what + ": point sample with a bad grid");
  } else {
    e.sample.points.resize(n);
    e.sample.normals.resize(n);
    r.raw(e.sample.points.data(), std::size_t{n} * 12);
    r.raw(e.sample.normals.data(), std::size_t{n} * 12);
  }
  if (!(d.rms_radius > 0) || !std::isfinite(d.rms_radius)) r.fail(what + " has no size");
  if (!(e.vertex_spacing >= 0) || !std::isfinite(e.vertex_spacing)) r.fail(what + " has a bad vertex spacing");
  if (version < 4) return;
  SampleExtent& x = e.extent;
  x.model_points = r.get<std::uint32_t>();
  x.diameter = r.get<double>();
  x.spacing = r.get<double>();
  if (r.ok() && (x.model_points == 0 || x.model_points > kMaxSignaturePoints || !(x.diameter >= 0) ||
                 !std::isfinite(x.diameter) || !(x.spacing >= 0) || !std::isfinite(x.spacing)))
    r.fail(what + " has a bad sample extent");
}

SignatureEntry read_entry(Reader& r, const DescriptorParams& params, std::uint32_t version, BlobRecord& blob) {
  SignatureEntry e;
  e.id = r.str();
  e.label = r.str();
  e.cls = r.str();
  e.severity = r.str();
  if (version >= 6) {
    const auto scale = r.get<std::uint8_t>();
    if (r.ok() && scale > static_cast<std::uint8_t>(ScalePolicy::fixed))
      r.fail("entry '" + e.id + "': unknown scale policy");
    e.scale = static_cast<ScalePolicy>(scale);
  }
  e.hash.lo = r.get<std::uint64_t>();
  e.hash.hi = r.get<std::uint64_t>();
  e.triangles = r.get<std::uint32_t>();
  e.bodies = r.get<std::uint32_t>();
  if (r.ok() && e.id.empty()) r.fail("entry with an empty id");
  const std::string what = "entry '" + e.id + "'";
  read_shape(r, params, e, what, version, blob.points);
  if (version < 3 || !r.ok()) return e;
  const auto views = r.get<std::uint32_t>();
  if (views > kMaxCoarseViews) r.fail(what + ": " + std::to_string(views) + " coarse views over the cap");
  for (std::uint32_t k = 0; k < views && r.ok(); ++k) {
    CoarseView v;
    v.cell = r.get<float>();
    v.triangles = r.get<std::uint32_t>();
    if (r.ok() && !(v.cell > 0 && std::isfinite(v.cell))) r.fail(what + ": coarse view with a bad cell size");
    read_shape(r, params, v, what + ", coarse view " + std::to_string(k), version, blob.points);
    e.views.push_back(std::move(v));
  }
  if (version >= 6 && r.ok()) {
    blob.offset = r.get<std::uint64_t>();
    blob.length = r.get<std::uint64_t>();
    r.raw(blob.sha256.data(), blob.sha256.size());
    if (r.ok() && blob.length != blob_length(blob.points)) r.fail(what + ": sample blob of the wrong length");
  }
  return e;
}

}  // namespace

std::vector<std::byte> serialize_signature_set(SignatureSet& set, std::uint32_t version) {
  if (version < 3 || version > kSignatureFormatVersion)
    throw std::invalid_argument("serialize_signature_set: cannot write format version " + std::to_string(version));
  if (Status s = decode_all(set); !s.ok()) throw std::runtime_error(s.message);
  if (version >= 5) snap_samples(set);  // what the file stores, so the extents are measured on it
  if (version >= 4) fill_sample_extents(set);
  Writer body;
  body.str(set.name);
  body.str(set.created);
  body.str(set.engine_version);
  const DescriptorParams& p = set.params;
  for (std::uint32_t v : {p.version, p.samples, p.d2_bins, p.d1_bins, p.a3_bins, p.seed}) body.put(v);
  body.put<std::uint32_t>(static_cast<std::uint32_t>(set.entries.size()));
  // Format 6: `body` is the table of contents, each entry's samples go to
  // `blobs`, the entry's record ending with where its blob lies and its hash.
  Writer blobs;
  for (const auto& e : set.entries) {
    if (version < 6) {
      write_entry(body, e, version, body);
      continue;
    }
    Writer blob;
    write_entry(body, e, version, blob);
    body.put<std::uint64_t>(blobs.out.size());
    body.put<std::uint64_t>(blob.out.size());
    const auto digest = sha256(blob.out);
    body.raw(digest.data(), digest.size());
    blobs.raw(blob.out.data(), blob.out.size());
  }

  Writer w;
  w.raw(kMagic, 8);
  w.put<std::uint32_t>(version);
  w.put<std::uint64_t>(body.out.size());
  w.raw(body.out.data(), body.out.size());
  const auto digest = sha256(w.out);
  w.raw(digest.data(), digest.size());
  w.raw(blobs.out.data(), blobs.out.size());
  set.checksum = to_hex(digest);
  set.format_version = version;
  return std::move(w.out);
}

namespace {

// The set's name, creation time, engine version and descriptor parameters,
// as every format from 3 on begins; returns the entry count that follows.
std::uint32_t read_set_header(Reader& r, SignatureSet& set) {
  set.name = r.str();
  set.created = r.str();
  set.engine_version = r.str();
  DescriptorParams& p = set.params;
  for (std::uint32_t* v : {&p.version, &p.samples, &p.d2_bins, &p.d1_bins, &p.a3_bins, &p.seed})
    *v = r.get<std::uint32_t>();
  if (p.d2_bins == 0 || p.d1_bins == 0 || p.a3_bins == 0 || p.d2_bins > kMaxBins || p.d1_bins > kMaxBins ||
      p.a3_bins > kMaxBins)
    r.fail("bad descriptor parameters");
  const auto count = r.get<std::uint32_t>();
  if (count > kMaxEntries) r.fail("too many entries");
  return count;
}

Result<SignatureSet> parse_toc(std::span<const std::byte> b, std::uint64_t length,
                               std::shared_ptr<const SharedMap> map);

// `consumed(n)`: the first n bytes of `b` will not be read again.
Result<SignatureSet> parse(std::span<const std::byte> b, const std::function<void(std::size_t)>& consumed) {
  auto corrupt = [](const std::string& why) { return make_error(ErrorCode::corrupt, "signature file: " + why); };
  if (b.size() < kHeader + 32) return corrupt("too short (" + std::to_string(b.size()) + " bytes)");
  if (std::memcmp(b.data(), kMagic, 8) != 0) return corrupt("not a meshsentry signature file (bad magic)");
  std::uint32_t version = 0;
  std::uint64_t length = 0;
  std::memcpy(&version, b.data() + 8, 4);
  std::memcpy(&length, b.data() + 12, 8);
  if (version < kOldestReadableVersion || version > kSignatureFormatVersion)
    return corrupt("format version " + std::to_string(version) + " is not supported (this engine reads " +
                   std::to_string(kOldestReadableVersion) + " to " + std::to_string(kSignatureFormatVersion) + ")");
  if (version >= 6) return parse_toc(b, length, nullptr);
  if (length != b.size() - kHeader - 32) return corrupt("length field disagrees with file size (truncated?)");
  const auto digest = sha256(b.first(b.size() - 32));
  if (std::memcmp(digest.data(), b.data() + b.size() - 32, 32) != 0) return corrupt("checksum mismatch");

  Reader r(b.subspan(kHeader, length));
  SignatureSet set;
  set.format_version = version;
  const std::uint32_t count = read_set_header(r, set);
  const DescriptorParams& p = set.params;
  std::set<std::string> ids;
  for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
    BlobRecord none;  // only format 6 has blobs
    set.entries.push_back(read_entry(r, p, version, none));
    if (r.ok() && !ids.insert(set.entries.back().id).second) r.fail("duplicate id '" + set.entries.back().id + "'");
    if (consumed) consumed(kHeader + r.pos());
  }
  if (r.ok() && r.left() != 0) r.fail("trailing bytes after the last entry");
  if (!r.ok()) return corrupt(r.why());
  set.checksum = to_hex(digest);
  return set;
}

// Format 6 (`b` the whole file, its header checked by the caller): the table
// of contents, verified against its SHA-256, then every entry's samples
// decoded now when `map` is null, else on first use (decode_entry).
Result<SignatureSet> parse_toc(std::span<const std::byte> b, std::uint64_t length,
                               std::shared_ptr<const SharedMap> map) {
  auto corrupt = [](const std::string& why) { return make_error(ErrorCode::corrupt, "signature file: " + why); };
  if (length > b.size() - kHeader - 32) return corrupt("table of contents longer than the file (truncated?)");
  const auto digest = sha256(b.first(kHeader + length));
  if (std::memcmp(digest.data(), b.data() + kHeader + length, 32) != 0) return corrupt("checksum mismatch");
  const std::span<const std::byte> blobs = b.subspan(kHeader + length + 32);
  Reader r(b.subspan(kHeader, length));
  SignatureSet set;
  set.format_version = 6;
  const std::uint32_t count = read_set_header(r, set);
  const DescriptorParams& p = set.params;
  std::vector<BlobRecord> records;
  std::uint64_t next = 0;  // the blobs lie in entry order, end to end, up to the end of the file
  for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
    records.emplace_back();
    set.entries.push_back(read_entry(r, p, 6, records.back()));
    if (r.ok() && records.back().offset != next)
      r.fail("entry '" + set.entries.back().id + "': sample blob out of place");
    next += records.back().length;
    if (r.ok() && next > blobs.size()) r.fail("sample blobs past the end of the file (truncated?)");
  }
  if (r.ok() && r.left() != 0) r.fail("trailing bytes after the last entry");
  if (r.ok() && next != blobs.size()) r.fail("trailing bytes after the last sample blob");
  // Ids unique: sorted once (a tree of 10,000 strings built at every open cost 3% of it).
  if (r.ok()) {
    std::vector<std::string_view> ids;
    ids.reserve(set.entries.size());
    for (const SignatureEntry& e : set.entries) ids.push_back(e.id);
    std::sort(ids.begin(), ids.end());
    if (auto d = std::adjacent_find(ids.begin(), ids.end()); d != ids.end())
      r.fail("duplicate id '" + std::string(*d) + "'");
  }
  if (!r.ok()) return corrupt(r.why());
  set.checksum = to_hex(digest);
  if (!map) {
    for (std::size_t i = 0; i < records.size(); ++i)
      if (Status s = decode_blob(blobs.subspan(records[i].offset, records[i].length), records[i], set.entries[i]);
          !s.ok())
        return s;
    return set;
  }
  auto state = std::make_unique<LazySamples::State>();
  state->map = std::move(map);
  state->blobs = blobs;
  state->done = std::make_unique<std::atomic<std::uint8_t>[]>(records.size());
  state->errors.resize(records.size());
  state->records = std::move(records);
  set.lazy = LazySamples(std::move(state));
  return set;
}

}  // namespace

std::optional<std::array<unsigned char, 32>> stored_toc_digest(std::span<const std::byte> b) {
  if (b.size() < kHeader + 32 || std::memcmp(b.data(), kMagic, 8) != 0) return std::nullopt;
  std::uint32_t version = 0;
  std::uint64_t length = 0;
  std::memcpy(&version, b.data() + 8, 4);
  std::memcpy(&length, b.data() + 12, 8);
  if (version < 6 || length > b.size() - kHeader - 32) return std::nullopt;
  std::array<unsigned char, 32> d{};
  std::memcpy(d.data(), b.data() + kHeader + length, 32);
  return d;
}

Result<std::shared_ptr<const SharedMap>> map_lazy_signature_file(const std::string& path) {
  auto head = read_file_head(path, kHeader);
  if (!head) return make_error(head.status().code, path + ": " + head.status().message);
  std::uint32_t version = 0;
  if (head->size() < kHeader || std::memcmp(head->data(), kMagic, 8) != 0) return std::shared_ptr<const SharedMap>();
  std::memcpy(&version, head->data() + 8, 4);
  if (version != 6) return std::shared_ptr<const SharedMap>();
  auto map = SharedMap::open(path, 1ull << 40);
  if (!map) return make_error(map.status().code, path + ": " + map.status().message);
  return map;
}

Result<SignatureSet> parse_mapped_signature_file(std::shared_ptr<const SharedMap> map) {
  const std::span<const std::byte> b = map->bytes();
  auto corrupt = [](const std::string& why) { return make_error(ErrorCode::corrupt, "signature file: " + why); };
  if (b.size() < kHeader + 32) return corrupt("too short (" + std::to_string(b.size()) + " bytes)");
  std::uint64_t length = 0;
  std::memcpy(&length, b.data() + 12, 8);
  return parse_toc(b, length, std::move(map));
}

Result<SignatureSet> parse_signature_set(std::span<const std::byte> b) { return parse(b, nullptr); }

Result<SignatureSet> parse_signature_file(MappedFile& file) {
  return parse(file.bytes(), [&](std::size_t n) { file.drop_prefix(n); });
}

Status write_signature_set(SignatureSet& set, const std::string& path) {
  if (Status s = decode_all(set); !s.ok()) return s;
  const auto bytes = serialize_signature_set(set);
  return write_file_atomically(path, bytes);
}

Result<SignatureSet> read_signature_set(const std::string& path) {
  auto map = map_lazy_signature_file(path);
  if (!map) return map.status();
  if (*map) {
    auto set = parse_mapped_signature_file(std::move(*map));
    if (!set) return make_error(set.status().code, path + ": " + set.status().message);
    return set;
  }
  auto file = MappedFile::open(path, 1ull << 32);
  if (!file) return make_error(file.status().code, path + ": " + file.status().message);
  return parse_signature_file(*file);
}

}  // namespace meshsentry
