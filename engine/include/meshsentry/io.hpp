// SPDX-License-Identifier: MIT
// Loading: bytes in, Mesh out. Formats are detected from the content; the
// file name is only a hint. Every function here is meant for untrusted input:
// it returns a Status instead of crashing, and honours LoadLimits.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "meshsentry/mesh.hpp"
#include "meshsentry/status.hpp"

namespace meshsentry {

class ScanBudget;  // below: one scanned file's limits across its nesting

enum class Format {
  unknown,
  stl_binary,
  stl_ascii,
  obj,
  ply,
  off,
  threemf,
  amf,
  gltf,
  glb,
  collada,
  fbx,
  x3d,
  max3ds,
  zip,
  tar,
  gzip,
  bzip2,
  xz,
  sevenzip,
  gcode,
  step,
  iges,
  bgcode,  // Prusa's binary G-code, read as the G-code text it holds
  vrml,
  brep,  // OpenCASCADE's own BREP (text or binary), read with STEP and IGES
};

// Short lower-case name used in reports ("stl", "obj", "3mf", ...).
const char* format_name(Format format) noexcept;
bool is_archive(Format format) noexcept;
// Lower-case extension of the last path component, without the dot; empty
// when there is none ("a/b.STL" -> "stl", "a.d/b" -> "").
std::string file_extension(std::string_view path);
bool is_mesh(Format format) noexcept;  // a format a loader here turns into a Mesh
// The name of a 3D format meshsentry does not read, by its extension
// ("wrl" -> "VRML"), or null: such a file is reported as unsupported, never
// skipped in silence.
const char* unsupported_3d_format(std::string_view extension) noexcept;

// What bytes of no 3D format look like, for the inventory of a folder walk:
// "empty", "text", "html", "xml", "json", "script" (#!), "png", "jpeg",
// "gif", "webp", "tiff", "pdf", "postscript", "elf", "sqlite", "font",
// "gzip", "zip", ... or "binary".
const char* content_kind(std::span<const std::byte> bytes) noexcept;
// Whether a name's extension (lower case, no dot) disagrees with the
// content's format: it names a 3D or archive format the content is not
// (an AMF may be a zip), or names none while the content is 3D. Never for
// a name without extension or content of no known format.
bool extension_disagrees(std::string_view extension, Format content) noexcept;

// Detect the format from the first bytes and, for STL, the size rule
// (84 + 50 n bytes means binary even when the header starts with "solid").
// `name_hint` (a file name) only breaks ties between text formats.
Format sniff(std::span<const std::byte> bytes, std::string_view name_hint = {});

struct LoadLimits {
  std::uint64_t max_file_bytes = 1ull << 30;     // 1 GiB
  // Triangles and vertices per scanned file, after 3MF placement and summed
  // over an archive's members at every depth (see ScanBudget).
  std::uint64_t max_triangles = 50'000'000;
  std::uint64_t max_vertices = 150'000'000;  // three a triangle: an STL's unshared corners
  // What one mesh may cost in memory through loading and preparation,
  // estimated from its triangles and vertices (ScanBudget::kBytesPerTriangle,
  // ...) before a reader that amplifies (3MF placements) allocates them:
  // about 8 million triangles of STL, keeping a scan under 1.5 GB. A larger
  // input may take three times its own size (a 500 MB, 10-million-triangle
  // STL scans), so only a small file cannot ask for much memory.
  std::uint64_t max_mesh_bytes = 1ull << 30;
  // Assimp-backed formats are parsed in a forked child (see
  // read_with_assimp_isolated) with these limits; the native readers (STL,
  // 3MF, VRML, G-code) run in process under the scanned file's ScanBudget.
  bool isolate = true;
  // Wall time per scanned file, all of its nesting included; the isolated
  // child also gets it as its CPU time.
  unsigned max_seconds = 60;
  // The child's memory: address space beyond what the parent had mapped,
  // at most 512 MiB + 64 times the file's size, and never more than this.
  std::uint64_t isolation_max_bytes = 8ull << 30;
};

struct LoadedMesh {
  Mesh mesh;
  Format format = Format::unknown;
  std::uint32_t source_meshes = 1;  // meshes merged from the file's scene
  double layer_height = 0;          // G-code: the most common layer height (mm)
};

// Native readers for the hot path. Safe on any bytes.
Result<LoadedMesh> read_stl(std::span<const std::byte> bytes, const LoadLimits& limits = {});
// G-code: the skin a sliced print lays down (outer walls, top and bottom
// surfaces) as a triangle soup with outward winding; see src/io/gcode/.
// prepare() it with PrepareOptions::from_toolpath.
Result<LoadedMesh> read_gcode(std::span<const std::byte> bytes, const LoadLimits& limits = {},
                              ScanBudget* budget = nullptr);
// Prusa's binary G-code (.bgcode): its G-code text (at most
// limits.max_file_bytes), decoded natively, then read as read_gcode does;
// the result's format is Format::bgcode. See src/io/gcode/bgcode.hpp.
Result<LoadedMesh> read_bgcode(std::span<const std::byte> bytes, const LoadLimits& limits = {},
                               ScanBudget* budget = nullptr);

// 3MF, natively (expat): a zipped package or a bare model part; build items
// placed through their transforms, components resolved across parts,
// millimetres by the model's unit. See threemf_reader.cpp.
// Placed triangles and vertices are counted before they are allocated.
Result<LoadedMesh> read_3mf(std::span<const std::byte> bytes, const LoadLimits& limits = {},
                            ScanBudget* budget = nullptr);

// VRML 2.0 / VRML97 and VRML 1.0 text, natively: IndexedFaceSet polygons
// through their transforms, DEF/USE resolved (see vrml_reader.cpp). The
// triangles and vertices are counted before they are allocated.
Result<LoadedMesh> read_vrml(std::span<const std::byte> bytes, const LoadLimits& limits = {},
                             ScanBudget* budget = nullptr);

// One member of an archive, expanded in memory.
struct ArchiveMember {
  std::string name;                 // path inside the archive, '/'-separated
  std::vector<std::byte> bytes;     // empty when `error` is set
  Status error;                     // per-member problem (encrypted, over a limit)
};

// Where a scanned file's side files (a glTF's .bin buffers, an OBJ's .mtl)
// come from. A file read from disk (`path`): files named plainly beside it;
// every other reference (absolute, "..", subfolders, symlinks, FIFOs,
// devices) is not found. A member of an archive (`members`, `member`): the
// other members of that archive, by a relative name from the member's folder
// ("../x.bin" too while it stays inside the archive); absolute names,
// URIs with a scheme (file://) and names that leave the archive are not
// found, and the host's files are never opened. With neither, none at all.
struct SideFiles {
  SideFiles() = default;
  // Implicit: a path on disk is what most callers have.
  SideFiles(std::string disk_path) : path(std::move(disk_path)) {}  // NOLINT(google-explicit-constructor)
  SideFiles(const char* disk_path) : path(disk_path ? disk_path : "") {}  // NOLINT(google-explicit-constructor)
  SideFiles(const std::vector<ArchiveMember>& archive, std::string member_name)
      : members(&archive), member(std::move(member_name)) {}

  std::string path;                                     // the file on disk, or empty
  const std::vector<ArchiveMember>* members = nullptr;  // its archive's members (not owned)
  std::string member;                                   // its own name in that archive
};

// Assimp-backed formats, from memory. Node transforms are applied and all
// meshes of the scene merged; Mesh::source_mesh keeps where each triangle
// came from. Side files (.mtl, .bin) resolve only as `side` allows, so
// nothing outside the scanned files is opened.
Result<LoadedMesh> read_with_assimp(std::span<const std::byte> bytes, Format format,
                                    const LoadLimits& limits = {}, const SideFiles& side = {});
// Reads the file, then read_with_assimp with `path`.
Result<LoadedMesh> read_file_with_assimp(const std::string& path, Format format,
                                         const LoadLimits& limits = {});

// The same in a forked child with an address-space and CPU-time limit: a
// crash, hang or memory blow-up of the parser is returned as an error.
// `side` as for read_with_assimp.
Result<LoadedMesh> read_with_assimp_isolated(std::span<const std::byte> bytes, Format format,
                                             const LoadLimits& limits, const SideFiles& side = {});

// A pool of pre-forked isolation workers: once started, the isolated
// readers above (Assimp, OpenCASCADE) send each file to a waiting worker
// instead of forking a child for it. The limits are set again for every
// file and the answers are the same; a worker that crashes, runs past a
// limit or answers garbage is replaced. Process-wide; a long-running
// service starts it once. See docs/service.md.
struct IsolationPoolOptions {
  unsigned workers = 1;                           // files read at once; more fork a child each
  unsigned max_files = 100;                       // a worker is replaced after this many files,
  std::uint64_t max_growth_bytes = 256ull << 20;  // or once it has grown by this much
  bool prefork = true;                            // all forked at start, else at first use
};
struct IsolationPoolStats {
  std::uint64_t files = 0;      // read by a worker
  std::uint64_t forked = 0;     // workers started
  std::uint64_t killed = 0;     // after a crash, a limit or a bad answer
  std::uint64_t retired = 0;    // after max_files or max_growth_bytes
  std::uint64_t fallbacks = 0;  // files forked for because no worker was free
};
void start_isolation_pool(const IsolationPoolOptions& options);  // replaces a running one
void stop_isolation_pool();
IsolationPoolStats isolation_pool_stats();  // zeros when none was started

// CAD: STEP (AP203/214/242), IGES and OpenCASCADE BREP through
// OpenCASCADE. Every solid placed by its assembly location, lengths in
// millimetres (STEP and IGES units converted), each part tessellated with a
// chord deflection of 0.1% of its bounding-box diagonal and 0.5 rad of
// angle (see cad_reader.cpp and docs/formats.md); Mesh::source_mesh says
// which solid a triangle came from. read_cad_isolated runs it in the forked,
// limited child as read_with_assimp_isolated does; a scan always does.
Result<LoadedMesh> read_cad(std::span<const std::byte> bytes, Format format, const LoadLimits& limits = {});
Result<LoadedMesh> read_cad_isolated(std::span<const std::byte> bytes, Format format, const LoadLimits& limits);

// Sniff, then dispatch to the right reader. Archives are not meshes: use
// list_archive for them. `side` (a path on disk, an archive's members, or
// none) is where Assimp may find side files (see SideFiles).
// The mesh is charged to `budget` when given (a scan's, for the scanned file
// this is in), else to a budget of `limits` for this file alone.
Result<LoadedMesh> load_mesh(std::span<const std::byte> bytes, std::string_view name_hint,
                             const LoadLimits& limits = {}, const SideFiles& side = {},
                             ScanBudget* budget = nullptr);

// Convenience: map the file and load it.
Result<LoadedMesh> load_mesh_file(const std::string& path, const LoadLimits& limits = {});

struct ArchiveLimits {
  std::uint64_t max_member_bytes = 256ull << 20;   // 256 MiB per member
  // Per scanned file, across all nesting: an inner archive's members count
  // again when it is expanded (see ScanBudget).
  std::uint64_t max_total_bytes = 1ull << 30;      // 1 GiB expanded
  std::uint32_t max_members = 10'000;
  // Expanded bytes / archive bytes, checked once ratio_min_bytes are out.
  // Mesh files compress up to about 1:31 (xz -9 on our test corpus), so
  // 1:100 leaves room, and a 1 MiB bomb stops after 100 MiB.
  double max_ratio = 100.0;
  std::uint64_t ratio_min_bytes = 16ull << 20;
};

// One scanned file's allowance, shared by everything it expands into (an
// archive's members and theirs, a 3MF's placements, G-code's skin), so that
// nesting cannot multiply the limits: bytes expanded, members, triangles,
// vertices and their estimated memory, and a wall-clock deadline. A breach
// is an ErrorCode::limit Status whose message starts "limit:". Not shared
// between threads: one scanned file is read on one thread.
class ScanBudget {
 public:
  // Memory a triangle or vertex costs through loading and preparation, a
  // little over what was measured: 185 MB for a 2-million-triangle STL (6
  // million unshared vertices), about 140 MB for a 1.4-million-triangle 3MF.
  static constexpr std::uint64_t kBytesPerTriangle = 96, kBytesPerVertex = 12;

  // `input_bytes`: the scanned file's size, which raises the mesh memory
  // cap to kInputFactor times it when that is more than max_mesh_bytes.
  static constexpr std::uint64_t kInputFactor = 3;
  explicit ScanBudget(const LoadLimits& load = {}, const ArchiveLimits& archive = {}, std::uint64_t input_bytes = 0);
  const LoadLimits& load() const noexcept { return load_; }
  const ArchiveLimits& archive() const noexcept { return archive_; }

  Status expand(std::uint64_t bytes);  // bytes expanded out of an archive, at any depth
  Status add_member();                 // one more archive member, at any depth
  // Triangles and vertices a reader is about to produce, before it allocates them.
  Status add_geometry(std::uint64_t triangles, std::uint64_t vertices);
  Status check_time() const;           // the deadline; cheap enough for inner loops
  // Bytes or members past their limit: the breach was reported where it
  // happened, and whatever is left of the file can only breach again.
  bool spent() const noexcept;
  std::uint64_t triangles_left() const noexcept;
  unsigned seconds_left() const noexcept;  // at least 1 while time is left

 private:
  LoadLimits load_;
  ArchiveLimits archive_;
  std::uint64_t mesh_bytes_;  // the mesh memory cap for this file
  std::chrono::steady_clock::time_point deadline_;
  std::uint64_t bytes_ = 0, members_ = 0, triangles_ = 0, vertices_ = 0;
};

// Which members of an archive to expand, by their name inside it.
using MemberFilter = std::function<bool(std::string_view name)>;

// Expand every regular file of a zip/tar/gz/bz2/xz/7z archive in memory, or
// only those `wanted` names (the others are skipped unread and uncounted).
// Never writes to disk. A limit breach on one member is reported on that
// member. Totals (bytes, members, time) are charged to `budget` when given,
// else to a budget of `limits` for this archive alone.
Result<std::vector<ArchiveMember>> list_archive(std::span<const std::byte> bytes,
                                                const ArchiveLimits& limits = {},
                                                ScanBudget* budget = nullptr, const MemberFilter& wanted = {});

// A print project's G-code plates (Bambu Studio and Orca Slicer save
// Metadata/plate_<N>.gcode in a .gcode.3mf), in plate order, expanded and
// charged to `budget`. None for a package without plates or a bare model part.
bool is_gcode_plate(std::string_view member_name);
Result<std::vector<ArchiveMember>> list_gcode_plates(std::span<const std::byte> bytes, ScanBudget& budget);

}  // namespace meshsentry
