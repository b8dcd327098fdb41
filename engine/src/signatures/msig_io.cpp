// SPDX-License-Identifier: MIT
// .msig reading and writing (layout in signatures.hpp). The reader trusts
// nothing: every length is checked against what is left, counts are capped,
// the checksum is verified before any field is believed, and the body must be
// consumed exactly.
#include <cmath>
#include <cstring>
#include <functional>
#include <set>
#include <stdexcept>
#include <type_traits>

#include "common/atomic_file.hpp"
#include "common/mapped_file.hpp"
#include "common/sha256.hpp"
#include "meshsentry/signatures.hpp"
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
template <class Shape>
void write_shape(Writer& w, const Shape& e, std::uint32_t version) {
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
    for (float c : q.lo) w.put(c);
    w.put(q.step);
    w.raw(q.points.data(), q.points.size() * 2);
    w.raw(q.normals.data(), q.normals.size() * 2);
  } else {
    for (const Vec3f& p : e.sample.points) w.raw(p.data(), 12);
    for (const Vec3f& n : e.sample.normals) w.raw(n.data(), 12);
  }
  if (version < 4) return;
  w.put(e.extent.model_points);
  w.put(e.extent.diameter);
  w.put(e.extent.spacing);
}

void write_entry(Writer& w, const SignatureEntry& e, std::uint32_t version) {
  w.str(e.id);
  w.str(e.label);
  w.str(e.cls);
  w.str(e.severity);
  w.put(e.hash.lo);
  w.put(e.hash.hi);
  w.put(e.triangles);
  w.put(e.bodies);
  write_shape(w, e, version);
  w.put<std::uint32_t>(static_cast<std::uint32_t>(e.views.size()));
  for (const CoarseView& v : e.views) {
    w.put(v.cell);
    w.put(v.triangles);
    write_shape(w, v, version);
  }
}

template <class Shape>
void read_shape(Reader& r, const DescriptorParams& params, Shape& e, const std::string& what, std::uint32_t version) {
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
  if (quantised) {
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

SignatureEntry read_entry(Reader& r, const DescriptorParams& params, std::uint32_t version) {
  SignatureEntry e;
  e.id = r.str();
  e.label = r.str();
  e.cls = r.str();
  e.severity = r.str();
  e.hash.lo = r.get<std::uint64_t>();
  e.hash.hi = r.get<std::uint64_t>();
  e.triangles = r.get<std::uint32_t>();
  e.bodies = r.get<std::uint32_t>();
  if (r.ok() && e.id.empty()) r.fail("entry with an empty id");
  const std::string what = "entry '" + e.id + "'";
  read_shape(r, params, e, what, version);
  if (version < 3 || !r.ok()) return e;
  const auto views = r.get<std::uint32_t>();
  if (views > kMaxCoarseViews) r.fail(what + ": " + std::to_string(views) + " coarse views over the cap");
  for (std::uint32_t k = 0; k < views && r.ok(); ++k) {
    CoarseView v;
    v.cell = r.get<float>();
    v.triangles = r.get<std::uint32_t>();
    if (r.ok() && !(v.cell > 0 && std::isfinite(v.cell))) r.fail(what + ": coarse view with a bad cell size");
    read_shape(r, params, v, what + ", coarse view " + std::to_string(k), version);
    e.views.push_back(std::move(v));
  }
  return e;
}

}  // namespace

std::vector<std::byte> serialize_signature_set(SignatureSet& set, std::uint32_t version) {
  if (version < 3 || version > kSignatureFormatVersion)
    throw std::invalid_argument("serialize_signature_set: cannot write format version " + std::to_string(version));
  if (version >= 5) snap_samples(set);  // what the file stores, so the extents are measured on it
  if (version >= 4) fill_sample_extents(set);
  Writer body;
  body.str(set.name);
  body.str(set.created);
  body.str(set.engine_version);
  const DescriptorParams& p = set.params;
  for (std::uint32_t v : {p.version, p.samples, p.d2_bins, p.d1_bins, p.a3_bins, p.seed}) body.put(v);
  body.put<std::uint32_t>(static_cast<std::uint32_t>(set.entries.size()));
  for (const auto& e : set.entries) write_entry(body, e, version);

  Writer w;
  w.raw(kMagic, 8);
  w.put<std::uint32_t>(version);
  w.put<std::uint64_t>(body.out.size());
  w.raw(body.out.data(), body.out.size());
  const auto digest = sha256(w.out);
  w.raw(digest.data(), digest.size());
  set.checksum = to_hex(digest);
  set.format_version = version;
  return std::move(w.out);
}

namespace {

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
  if (length != b.size() - kHeader - 32) return corrupt("length field disagrees with file size (truncated?)");
  const auto digest = sha256(b.first(b.size() - 32));
  if (std::memcmp(digest.data(), b.data() + b.size() - 32, 32) != 0) return corrupt("checksum mismatch");

  Reader r(b.subspan(kHeader, length));
  SignatureSet set;
  set.format_version = version;
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
  std::set<std::string> ids;
  for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
    set.entries.push_back(read_entry(r, p, version));
    if (r.ok() && !ids.insert(set.entries.back().id).second) r.fail("duplicate id '" + set.entries.back().id + "'");
    if (consumed) consumed(kHeader + r.pos());
  }
  if (r.ok() && r.left() != 0) r.fail("trailing bytes after the last entry");
  if (!r.ok()) return corrupt(r.why());
  set.checksum = to_hex(digest);
  return set;
}

}  // namespace

Result<SignatureSet> parse_signature_set(std::span<const std::byte> b) { return parse(b, nullptr); }

Result<SignatureSet> parse_signature_file(MappedFile& file) {
  return parse(file.bytes(), [&](std::size_t n) { file.drop_prefix(n); });
}

Status write_signature_set(SignatureSet& set, const std::string& path) {
  const auto bytes = serialize_signature_set(set);
  return write_file_atomically(path, bytes);
}

Result<SignatureSet> read_signature_set(const std::string& path) {
  auto file = MappedFile::open(path, 1ull << 32);
  if (!file) return make_error(file.status().code, path + ": " + file.status().message);
  return parse_signature_file(*file);
}

}  // namespace meshsentry
