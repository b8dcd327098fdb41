// SPDX-License-Identifier: MIT
// Signature sets (.msig): the watch-list a scan compares against. A set never
// holds a mesh, only descriptors and a coarse point sample for verification
// (at most kMaxSignaturePoints points, too few to print anything from).
//
// File layout, version 6 (written by default): see docs/signature-format.md.
// A header and table of contents (every entry's small fields, and where its
// point samples lie in the file with their SHA-256) then the samples; read
// from a file, only the header and the table are parsed at open, the file is
// memory-mapped (shared between processes) and an entry's samples are
// decoded the first time the matcher needs them (decode_entry).
//
// File layout, version 5 (little-endian; strings are u32 length + UTF-8):
//   magic      8 bytes  "MSIG\0\r\n\x1a"
//   version    u32      5 (version 4, read too, stored the coarse views'
//                       samples as floats rather than quantised to 16 bits;
//                       version 3 had no stored SampleExtent;
//                       version 2 had no coarse views either; version 1
//                       lacked vertex_spacing: rebuild such sets)
//   length     u64      bytes of the body that follows
//   body       name, created, engine_version, descriptor params, u32 entry count,
//              entries (see msig_io.cpp)
//   checksum   32 bytes SHA-256 of everything before it
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "meshsentry/describe.hpp"
#include "meshsentry/status.hpp"

namespace meshsentry {

inline constexpr std::uint32_t kSignatureFormatVersion = 6;
inline constexpr std::uint32_t kMaxCoarseViews = 128;
inline constexpr std::uint32_t kMaxSignaturePoints = 1024;
// Points of a shape's sample the matcher's point-pair model uses (every
// stride-th one, stride = sample size / this); PpfParams' default.
inline constexpr std::uint32_t kModelPoints = 256;

// What the matcher's point-pair model measures on that subsample: the largest
// pair distance and the typical gap between neighbouring points (twice the
// mean nearest-neighbour distance). It costs O(n^2) distances per shape and a
// set holds ~70 shapes per entry, so format 4 stores it: measured at
// `sig build` (or whenever a set is written), read back instead of measured
// again every time a set is opened. model_points 0: not stored (a version-3
// file), measured at open as before.
struct SampleExtent {
  std::uint32_t model_points = 0;
  double diameter = 0;
  double spacing = 0;
  bool operator==(const SampleExtent&) const = default;
};

// The reference as vertex-clustering decimation leaves it at one cell size:
// every vertex in a cell of a grid aligned with the reference file's axes
// (from its box's minimum corner) moved to their mean, triangles that
// collapse dropped. A coarse copy made that way strays from the reference
// by up to half a cell, far past the verification tolerance, but lies close
// to the view of the same cell, so a scan compares a coarse copy with its
// view rather than with the fine reference (measured on the evaluation sets:
// docs/calibration.md). Descriptors and a point sample only, like the entry
// itself.
struct CoarseView {
  float cell = 0;  // grid cell over the reference's RMS radius
  std::uint32_t triangles = 0;
  std::array<double, 3> centroid{};
  std::array<double, 9> axes{};
  ShapeDescriptor descriptor;
  float vertex_spacing = 0;
  SurfaceSample sample;
  SampleExtent extent;  // of sample
};

// Which sizes of a reference count as the part (the manifest's `scale`
// column): any (a scaled copy is the part, the default) or the reference's
// own size and its unit conversions only (mm <-> inch, cm, m), for a part
// whose other sizes are other, lawful parts (a nut of another thread).
enum class ScalePolicy : std::uint8_t { any = 0, fixed = 1 };

struct SignatureEntry {
  std::string id;        // unique in the set; what scan reports as "signature"
  std::string label;     // human-readable name
  std::string cls;       // class, free text ("reference", "receiver", ...)
  std::string severity;  // "low" | "medium" | "high" (free text, passed through)
  ScalePolicy scale = ScalePolicy::any;  // stored from format 6 on (older sets: any)
  GeometryHash hash;     // exact geometry hash of the whole reference file
  ShapeDescriptor descriptor;
  std::uint32_t triangles = 0;
  std::uint32_t bodies = 0;
  // Reference frame for alignment: surface centroid and principal axes
  // (columns, largest variance first), in the reference file's coordinates.
  std::array<double, 3> centroid{};
  std::array<double, 9> axes{};
  // Median nearest-vertex distance of the reference mesh over its RMS
  // radius: the resolution it was tessellated at (see vertex_spacing.hpp).
  float vertex_spacing = 0;
  SurfaceSample sample;           // coarse oriented points, reference coordinates
  std::vector<CoarseView> views;  // coarsest first
  SampleExtent extent;            // of sample
};

// A format-6 set read from a file: the mapped file and, per entry, where its
// point samples lie and whether they are decoded yet. Copying a set copies
// which entries are decoded (the copy decodes the others into its own
// entries); an empty one (every other set) has nothing left to decode.
class LazySamples {
 public:
  struct State;
  LazySamples() noexcept;
  explicit LazySamples(std::unique_ptr<State> s) noexcept;
  LazySamples(const LazySamples& o);
  LazySamples& operator=(const LazySamples& o);
  LazySamples(LazySamples&&) noexcept;
  LazySamples& operator=(LazySamples&&) noexcept;
  ~LazySamples();
  State* state() const noexcept { return s_.get(); }

 private:
  std::unique_ptr<State> s_;
};

struct SignatureSet {
  std::string name;
  std::string created;         // ISO 8601 UTC
  std::string engine_version;
  DescriptorParams params;
  std::vector<SignatureEntry> entries;
  std::string checksum;        // hex SHA-256 of the file it was read from / written to
  std::string signed_by;       // id of the trusted key whose signature verified it; empty: not checked
  std::uint32_t format_version = kSignatureFormatVersion;  // of the file it was read from
  // Format 6: entries whose point samples (entry.sample, every view's
  // sample) are not decoded yet; use decode_entry before reading them.
  LazySamples lazy;
};

// Decodes entry i's point samples if they are not yet (thread-safe; the
// samples are written once, before any caller of this returns). A blob that
// does not match its SHA-256 or layout is ErrorCode::corrupt naming the
// entry, every time it is asked, and leaves that entry's samples empty.
Status decode_entry(const SignatureSet& set, std::size_t i);
// Every entry; the first error, if any. Afterwards the set holds no lazy state.
Status decode_all(SignatureSet& set);

// Serialise (decodes every entry first, throwing std::runtime_error for a
// corrupt one; fills set.checksum, and every entry's and view's extent that
// is not stored for kModelPoints yet; format 5 first snaps every coarse view's
// sample to the 16-bit grid it is stored on, so the set in memory is what reading the
// file gives) and parse. `version` 3, 4 or 5 writes an older format (3: no
// extents, 4: float samples, 5: no table of contents; for comparisons and
// older readers), any other but the current one throws std::invalid_argument.
// A format-6 set's checksum is the SHA-256 of its header and table of
// contents (which holds every entry's samples' SHA-256), not of the file. Parsing is safe on any bytes: a
// truncated, corrupted or foreign file is ErrorCode::corrupt with the reason.
std::vector<std::byte> serialize_signature_set(SignatureSet& set, std::uint32_t version = kSignatureFormatVersion);
Result<SignatureSet> parse_signature_set(std::span<const std::byte> bytes);
// Writing replaces the file atomically (a temporary file beside it, synced,
// then renamed): an interrupted write leaves the old set loadable.
Status write_signature_set(SignatureSet& set, const std::string& path);
// Reads and parses, checking no signature. Format 6 is mapped and only its
// table of contents parsed (see LazySamples); parse_signature_set decodes
// everything, the bytes not being kept.
Result<SignatureSet> read_signature_set(const std::string& path);

// Signed sets (Ed25519). `sign_signature_set` writes SET.sig beside the set.
// A reader given trusted keys refuses a set that is not signed by one of
// them; the trusted keys are the files named plus, unless `default_keys` is
// off, every *.pem in default_trusted_keys_dir() (a packaged install's
// /etc/meshsentry/trusted-keys). With no trusted key at all, nothing is
// checked. A key id is the hex SHA-256 of the raw 32-byte public key.
struct TrustOptions {
  std::vector<std::string> trusted_keys;  // public keys, PEM (SubjectPublicKeyInfo)
  bool default_keys = true;
};
std::string default_trusted_keys_dir();
// Writes a new key pair (PEM): the private key with mode 0600, never over an existing file.
Status generate_signing_key(const std::string& private_key_path, const std::string& public_key_path);
Status sign_signature_set(const std::string& set_path, const std::string& private_key_path);
// Verifies (when trusted keys are configured) and parses the same bytes; sets `signed_by`.
Result<SignatureSet> read_signature_set(const std::string& path, const TrustOptions& trust);

// One row of a manifest: id, label, class, path (relative to the manifest's
// folder), optional severity. Extra columns are ignored.
struct ManifestRow {
  std::string id, label, cls, path, severity;
  ScalePolicy scale = ScalePolicy::any;  // column `scale`: "any" (or empty) or "true"
};
Result<std::vector<ManifestRow>> read_manifest(const std::string& manifest_path);

struct BuildOptions {
  std::string name;            // default: manifest file stem
  std::string created;         // default: SOURCE_DATE_EPOCH if set, else now
  DescriptorParams params;
  int threads = 0;             // 0: OpenMP default
};

// Load, prepare and describe every reference of the manifest. Fails on the
// first reference that cannot be loaded (a watch-list with holes is worse
// than none), naming it.
Result<SignatureSet> build_signature_set(const std::string& manifest_path,
                                         const BuildOptions& options = {});

// Describe one already-loaded reference mesh as an entry.
Result<SignatureEntry> describe_reference(Mesh mesh, const DescriptorParams& params);

// Editing a set without rebuilding it (set_edit.cpp). Each entry is described
// on its own, so the entries of `sig build A+B`, of `build A` then `add B`
// and of merging the builds of A and B are the same bytes. The result is
// stamped as a build is: `created` from options.created, else
// SOURCE_DATE_EPOCH, else now; the name kept unless options.name is given.
struct EditOptions {
  std::string name;      // empty: the set's own (merge: the first input's)
  std::string created;   // empty: SOURCE_DATE_EPOCH if set, else now
  bool replace = false;  // add: an id already in the set is replaced in place rather than an error
  int threads = 0;       // add: references described in parallel (0: OpenMP default)
};

// Describes the manifest's references with the parameters `sig build` uses
// and appends them. Refused, the set untouched, when the set was described
// with other parameters or by another engine version (its entries would not
// compare with the new ones), when an id is already in the set (unless
// `replace`) or when a reference cannot be loaded.
Status add_to_signature_set(SignatureSet& set, const std::string& manifest_path, const EditOptions& options = {});
// Drops the entries with these ids. Refused, the set untouched, when an id is
// not in the set or when no entry would be left (an empty set is invalid).
Status remove_from_signature_set(SignatureSet& set, const std::vector<std::string>& ids,
                                 const EditOptions& options = {});
// The inputs' entries in order (moved out of them). `sources` names each input in messages (a
// file name). Refused when two inputs hold the same id (both named) or differ
// in descriptor parameters or engine version.
Result<SignatureSet> merge_signature_sets(std::vector<SignatureSet> sets,
                                          const std::vector<std::string>& sources, const EditOptions& options = {});
// Writes an edited set (atomically, as write_signature_set) and then removes
// a PATH.sig beside it: a signature of the bytes that were there before would
// make a reader with trusted keys report a forged set. `removed_signature`:
// whether there was one.
Status write_edited_signature_set(SignatureSet& set, const std::string& path, bool& removed_signature);

}  // namespace meshsentry
