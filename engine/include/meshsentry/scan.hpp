// SPDX-License-Identifier: MIT
// What a scan takes and gives: verdicts and how they combine, the
// allow-list, scan options, matches and per-file results, and the files a
// folder walk finds. The Engine that produces them is in engine.hpp.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "meshsentry/describe.hpp"
#include "meshsentry/io.hpp"
#include "meshsentry/mesh.hpp"
#include "meshsentry/status.hpp"

namespace meshsentry {

// allowed: would be flagged, but its file or geometry is on the allow-list.
enum class Verdict { clean, match, suspect, error, allowed };
const char* to_string(Verdict verdict) noexcept;

// Flagged: a match or a suspect (an allowed file is no longer flagged).
constexpr bool is_flagged(Verdict v) noexcept { return v == Verdict::match || v == Verdict::suspect; }

// The more severe of two verdicts, for summing up several results or
// matches: match > suspect > error > allowed > clean. Allowed ranks above
// clean because something was found, below error because it was looked at.
constexpr Verdict combine(Verdict a, Verdict b) noexcept {
  constexpr auto rank = [](Verdict v) {
    switch (v) {
      case Verdict::match: return 4;
      case Verdict::suspect: return 3;
      case Verdict::error: return 2;
      case Verdict::allowed: return 1;
      case Verdict::clean: break;
    }
    return 0;
  };
  return rank(b) > rank(a) ? b : a;
}

// The appeal path for false positives and lawful props: files whose sha256,
// or geometry whose hash, must never be flagged. One rule per line,
// "sha256:<64 hex>" or "geometry:<32 hex>" (a bare 64- or 32-digit hex is
// read as such); '#' starts a comment.
struct AllowList {
  std::unordered_set<std::string> sha256, geometry;
};
Result<AllowList> read_allow_list(const std::string& path);

struct ScanOptions {
  int threads = 0;                  // files scanned in parallel; 0: OpenMP default
  double match_threshold = 0.90;    // score >= this: verdict "match"
  std::uint32_t candidates = 3;     // near misses reported below the threshold
  bool timing = true;               // report elapsed_ms (off: byte-identical output)
  bool follow_symlinks = false;     // never leave the scanned tree by default
  bool skip_unrecognised = true;    // in folder walks, skip non-3D files (see has_scannable_extension)
  std::uint32_t max_archive_depth = 3;
  bool verify = true;               // align and verify (stage 2); off: descriptors alone, never a match
  bool partial = true;              // point-pair voting (stage 3): parts fused with other material, and
  // Cut pieces holding 30% or more of a part (verdict "suspect"): a piece
  // must show a cut at an angle none of the part's flat faces has, since a
  // shorter member of its family ends on faces parallel to its own (a 2x2
  // brick is half a 2x4); see README "Cut pieces".
  bool pieces = true;
  std::shared_ptr<const AllowList> allow;  // never flag these (verdict "allowed")
  // Set (from another thread or a signal handler) to stop a folder scan:
  // scan_paths starts no new file once it reads true, and emits the files
  // already started as they finish. Null: never cancelled. Must outlive the scan.
  const std::atomic<bool>* cancel = nullptr;
  LoadLimits load;
  ArchiveLimits archive;
  PrepareOptions prepare;
};

// How a match was found; see Match::score.
enum class Method { global, exact, verified, coarse, fused, piece };
const char* to_string(Method method) noexcept;

struct Match {
  std::string signature;    // entry id
  std::string label, cls, severity;
  // In [0, 1]. "exact": 1, the geometry hash matched. "verified": the share
  // of the signature's surface found within 3% of its RMS radius of the
  // scanned surface after alignment (more for a coarser tessellation or a
  // print), times a fit factor that is 1 while the RMS residual is within
  // that tolerance and falls to 0.5 at twice it. "coarse": the same, with
  // one of the signature's coarse views (a file coarser than the reference,
  // such as a decimated copy). "fused" and "piece": the
  // same for a part found inside a larger shape, or a piece of it, by
  // point-pair voting at scale 1. "global": descriptor similarity scaled
  // under 0.5 (not verified, never a match). Aligned scores are scaled down
  // while under 80% of the signature's detail was found and capped at
  // 0.7 + 0.4 * coverage (docs/calibration.md, GateParams).
  double score = 0;
  Method method = Method::global;
  // match: score >= the threshold; suspect: a cut piece of the signature
  // (method "piece"); clean: a near miss, listed among the candidates.
  Verdict verdict = Verdict::clean;
  // Why a suspect is not a match: "piece" (a cut piece of the part),
  // "coarse" (all of it is there, but under half within the tight tolerance:
  // a decimated, noisy or printed copy), or "few_layers" (a G-code with too
  // few layers across the part to identify it; its score is scaled down
  // with the layers). Empty otherwise.
  std::string reason;
  double coverage = 0;      // share found within 1% of the RMS radius (verified matches)
  double scale = 1;         // scanned size / reference size
  bool mirrored = false;    // best alignment needs a reflection
  int body = -1;            // body index in the scanned file; -1: the whole file
  double fit = 0;           // RMS distance of the signature's points to the surface / RMS radius
  // Share of the scanned file's surface (all bodies) that the placed
  // signature accounts for: about 1 for a whole copy, the part's share of a
  // plate, less than 1 where dummy material or other parts add surface.
  // Measured for matches and suspects; 0 for near misses.
  double explained = 0;
  // Share of the signature's detail found: its points off its own bounding
  // box, within the score's tolerance (a plain box of the right size has
  // none of it). 1 for exact copies and signatures with no such points.
  double detail = 1;
  // A deformation fitted to reach this score (a copy stretched per axis,
  // sheared, or with its surface offset, as a slicer undoes): scales along
  // three perpendicular directions, largest first, at the reference's size
  // (`scale`, 1 or a unit conversion), those directions (stretch_axes: three
  // unit vectors one after the other, in the reference's coordinates), and
  // the offset in the file's units. `transform` is the similarity alone.
  std::array<double, 3> axis_scale{1, 1, 1};
  std::array<double, 9> stretch_axes{1, 0, 0, 0, 1, 0, 0, 0, 1};
  double offset = 0;
  // A bent or twisted copy: the turn between its two ends, in degrees, once
  // its segments across the longest axis were aligned one by one.
  double bend_deg = 0;
  bool deformed() const { return offset != 0 || bend_deg != 0 || axis_scale != std::array<double, 3>{1, 1, 1}; }
  std::array<double, 16> transform{};  // reference -> file coordinates, row-major
};

struct ScanResult {
  std::string path;         // as given; archive members as outer.zip!/inner.stl
  Verdict verdict = Verdict::clean;
  std::vector<Match> matches;      // best first, score >= threshold
  std::vector<Match> candidates;   // best near misses below the threshold
  std::string error;               // set when verdict == error
  std::string allowed_by;          // the allow-list rule, when verdict == allowed
  std::string sha256;              // of the file's bytes
  Format format = Format::unknown;
  std::uint64_t bytes = 0;
  std::uint64_t triangles = 0;
  std::uint32_t bodies = 0;
  GeometryHash hash;
  double elapsed_ms = 0;
  std::uint32_t members = 0;       // archives: members scanned
  // The name's extension and the content disagree (an STL named .png, a
  // .obj that is a 3MF package): both, lower case ("png", "stl"); empty when
  // they agree, when the name has no extension or the content is no known
  // format. Forensic tools flag this; see extension_mismatch().
  std::string mismatch_extension, mismatch_content;
  // Format unknown: what the bytes look like instead ("text", "png", "pdf",
  // ...; see content_kind); a gzip, bzip2 or xz file of one member that is
  // no 3D file: "compressed-" and its kind. For the inventory of a folder walk.
  std::string content;
};

// Why a file met in a folder walk was not scanned. Together with the
// results (scanned, or error) these account for every path met.
enum class SkipReason {
  not_3d,                // named and made like no 3D format (text, images, archives without 3D files...)
  empty,                 // no bytes, and not named as a 3D file
  over_limit,            // over LoadLimits::max_file_bytes, and not named as a 3D file
  symlink_not_followed,  // a symlink in a walked folder (ScanOptions::follow_symlinks off)
  dangling_symlink,      // a followed symlink to nothing
  device_or_fifo,        // a device, FIFO or socket in a walked folder: never read
};
const char* to_string(SkipReason reason) noexcept;

struct SkippedFile {
  std::string path;
  SkipReason reason = SkipReason::not_3d;
  // not_3d: what the bytes are ("text", "png", "pdf", "compressed-text",
  // "compressed", "archive", ...; see content_kind).
  std::string content;
  std::uint64_t bytes = 0;  // the file's size, where known (0 for links, devices and FIFOs)
  auto operator<=>(const SkippedFile&) const = default;
};

// Files under `paths` in the order scan_paths scans them (sorted), skipping
// symlinks (unless followed), devices, FIFOs and sockets. Unreadable entries,
// and folders that cannot be listed, carry an error: nothing under a scanned
// folder is passed over silently. Followed symlinks reach each folder once.
// `skipped`, when given, gets the walked entries passed over (symlinks,
// devices, FIFOs, sockets), sorted.
struct FoundFile {
  std::string path;
  std::string error;       // why it cannot be scanned; empty when it can
  bool from_walk = false;  // found inside a folder rather than named
  auto operator<=>(const FoundFile&) const = default;
};
std::vector<FoundFile> collect_files(const std::vector<std::string>& paths, bool follow_symlinks,
                                     std::vector<SkippedFile>* skipped = nullptr);

// Whether a file name ends in an extension of a format meshsentry recognises
// (meshes, archives, G-code, CAD, and the 3D formats it does not read, which
// are reported as unsupported). Folder walks skip other files whose content
// is not recognised either: a scan of a drive reports its 3D files, not every
// document on it as an error.
bool has_scannable_extension(std::string_view path);

}  // namespace meshsentry
