// SPDX-License-Identifier: MIT
// CAD files (STEP, IGES, OpenCASCADE BREP) through OpenCASCADE: the exact
// geometry is read, placed and tessellated here, the only file that includes
// OCCT's headers. Tessellation is relative to each part's size (see
// kRelativeDeflection), so a part gives the same mesh whether it is scanned
// or is itself a signature's reference. OCCT is a large parser of untrusted
// text: a scan runs it in the isolated child (read_cad_isolated), like Assimp.
#include <sys/mman.h>
#include <unistd.h>

#include <BRepBndLib.hxx>
#include <BRepMesh_IncrementalMesh.hxx>
#include <BRepTools.hxx>
#include <BRep_Builder.hxx>
#include <BRep_Tool.hxx>
#include <BinTools.hxx>
#include <Bnd_Box.hxx>
#include <IFSelect_ReturnStatus.hxx>
#include <IGESControl_Reader.hxx>
#include <Interface_Static.hxx>
#include <Message.hxx>
#include <Message_Messenger.hxx>
#include <Poly_Triangulation.hxx>
#include <STEPControl_Reader.hxx>
#include <Standard_Failure.hxx>
#include <Standard_OutOfMemory.hxx>
#include <TopExp_Explorer.hxx>
#include <TopLoc_Location.hxx>
#include <TopoDS.hxx>
#include <TopoDS_Compound.hxx>
#include <TopoDS_Face.hxx>
#include <TopoDS_Shape.hxx>
#include <algorithm>
#include <cmath>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "io/isolation.hpp"
#include "meshsentry/io.hpp"

namespace meshsentry {
namespace {

// Tessellation: the chord may leave the surface by at most 0.1% of the
// part's bounding-box diagonal (clamped to 0.1 um .. 50 mm, which bites only
// for parts under 0.1 mm or over 50 m), and consecutive normals may turn by at
// most 0.5 rad. Relative, so a part scaled or given in other units is cut
// the same way; 0.1% keeps area and volume within a percent of the exact
// part (on the test block, 60 x 40 x 20 mm, chords stay within 0.075 mm).
constexpr double kRelativeDeflection = 1e-3;
constexpr double kMinDeflection = 1e-4, kMaxDeflection = 50.0;  // mm
constexpr double kAngularDeflection = 0.5;                      // rad

// OCCT reports through a global messenger that prints to stdout; nothing of
// it may reach a scan's output. Its readers also share global settings
// (Interface_Static), so one file is read at a time in a process.
std::mutex& occt_mutex() {
  static std::mutex m;
  return m;
}

void silence_occt() {
  static std::once_flag once;
  std::call_once(once, [] { Message::DefaultMessenger()->ChangePrinters().Clear(); });
}

// The bytes as a file name OCCT can open: IGES reads only from a path, and
// a memory file keeps the scanned bytes off the disk.
class MemoryFile {
 public:
  explicit MemoryFile(std::span<const std::byte> bytes) {
    fd_ = ::memfd_create("meshsentry-cad", MFD_CLOEXEC);
    if (fd_ < 0) return;
    const char* p = reinterpret_cast<const char*>(bytes.data());
    std::size_t left = bytes.size();
    while (left > 0) {
      const ssize_t w = ::write(fd_, p, left);
      if (w <= 0) {
        ::close(fd_);
        fd_ = -1;
        return;
      }
      p += w;
      left -= static_cast<std::size_t>(w);
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~MemoryFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

// How errors name the format: "STEP: syntax errors".
std::string label(Format f) { return f == Format::step ? "STEP" : f == Format::iges ? "IGES" : "BREP"; }

std::string read_status(IFSelect_ReturnStatus s) {
  switch (s) {
    case IFSelect_RetVoid: return "empty file";
    case IFSelect_RetError: return "not a readable file";
    case IFSelect_RetFail: return "syntax errors";
    case IFSelect_RetStop: return "reading stopped";
    default: return "unreadable";
  }
}

// STEP and IGES: the file's roots transferred into placed shapes, lengths in
// millimetres whatever unit the file declares (xstep.cascade.unit).
template <class Reader>
Result<TopoDS_Shape> transfer(Reader& reader, IFSelect_ReturnStatus read, const char* name) {
  if (read != IFSelect_RetDone) return make_error(ErrorCode::format, std::string(name) + ": " + read_status(read));
  if (reader.NbRootsForTransfer() <= 0)
    return make_error(ErrorCode::empty, std::string(name) + ": no shape in the file");
  reader.TransferRoots();
  if (reader.NbShapes() <= 0) return make_error(ErrorCode::empty, std::string(name) + ": no shape transferred");
  TopoDS_Shape shape = reader.OneShape();
  if (shape.IsNull()) return make_error(ErrorCode::empty, std::string(name) + ": no shape transferred");
  return shape;
}

Result<TopoDS_Shape> read_shape(std::span<const std::byte> bytes, Format format) {
  if (format == Format::step) {
    STEPControl_Reader reader;
    Interface_Static::SetCVal("xstep.cascade.unit", "MM");
    std::istringstream in(std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    return transfer(reader, reader.ReadStream("scanned.step", in), "STEP");
  }
  if (format == Format::iges) {
    IGESControl_Reader reader;
    Interface_Static::SetCVal("xstep.cascade.unit", "MM");
    MemoryFile file(bytes);
    if (file.path().empty()) return make_error(ErrorCode::io, "IGES: cannot hold the file in memory");
    return transfer(reader, reader.ReadFile(file.path().c_str()), "IGES");
  }
  // BREP has no unit: OCCT's own files are in millimetres by convention.
  TopoDS_Shape shape;
  std::istringstream in(std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  const std::string_view head(reinterpret_cast<const char*>(bytes.data()), std::min<std::size_t>(bytes.size(), 64));
  if (head.find("Open CASCADE Topology") != std::string_view::npos)  // binary; text says "CASCADE Topology"
    BinTools::Read(shape, in);
  else BRepTools::Read(shape, in, BRep_Builder());
  if (shape.IsNull()) return make_error(ErrorCode::format, "BREP: no shape in the file");
  return shape;
}

// Whether `shape` has a finite, non-empty extent: IGES may hold unbounded
// planes (construction geometry) that cannot be tessellated.
bool bounded(const TopoDS_Shape& shape) {
  Bnd_Box box;
  BRepBndLib::Add(shape, box, false);
  return !box.IsVoid() && !box.IsOpen() && std::isfinite(box.SquareExtent());
}

// What is tessellated as one part: each solid, then the shells outside
// solids and the faces outside shells together (IGES often holds only
// faces). Unbounded shapes are left out.
std::vector<TopoDS_Shape> parts_of(const TopoDS_Shape& shape) {
  std::vector<TopoDS_Shape> parts;
  for (TopExp_Explorer e(shape, TopAbs_SOLID); e.More(); e.Next())
    if (bounded(e.Current())) parts.push_back(e.Current());
  TopoDS_Compound loose;
  BRep_Builder builder;
  builder.MakeCompound(loose);
  bool any = false;
  for (TopExp_Explorer e(shape, TopAbs_SHELL, TopAbs_SOLID); e.More(); e.Next())
    if (bounded(e.Current())) {
      builder.Add(loose, e.Current());
      any = true;
    }
  for (TopExp_Explorer e(shape, TopAbs_FACE, TopAbs_SHELL); e.More(); e.Next())
    if (bounded(e.Current())) {
      builder.Add(loose, e.Current());
      any = true;
    }
  if (any) parts.push_back(loose);
  return parts;
}

// Tessellates one part and appends its faces' triangles, placed and with
// outward winding, to `m`.
Status append_part(const TopoDS_Shape& part, std::uint32_t index, const LoadLimits& limits, LoadedMesh& out) {
  Bnd_Box box;
  BRepBndLib::Add(part, box, false);
  const double diagonal = std::sqrt(box.SquareExtent());  // finite: parts_of keeps bounded parts
  const double linear = std::clamp(kRelativeDeflection * diagonal, kMinDeflection, kMaxDeflection);
  BRepMesh_IncrementalMesh mesher(part, linear, false, kAngularDeflection, false);
  Mesh& m = out.mesh;
  for (TopExp_Explorer e(part, TopAbs_FACE); e.More(); e.Next()) {
    const TopoDS_Face& face = TopoDS::Face(e.Current());
    TopLoc_Location loc;
    const Handle(Poly_Triangulation)& tri = BRep_Tool::Triangulation(face, loc);
    if (tri.IsNull()) continue;
    if (m.triangles.size() + std::uint64_t(tri->NbTriangles()) > limits.max_triangles)
      return make_error(ErrorCode::limit, "limit: more than " + std::to_string(limits.max_triangles) + " triangles");
    if (m.vertices.size() + std::uint64_t(tri->NbNodes()) > limits.max_vertices)
      return make_error(ErrorCode::limit, "limit: more than " + std::to_string(limits.max_vertices) + " vertices");
    const gp_Trsf& xf = loc.Transformation();
    const auto base = static_cast<std::uint32_t>(m.vertices.size());
    for (int i = 1; i <= tri->NbNodes(); ++i) {
      const gp_Pnt p = tri->Node(i).Transformed(xf);
      if (!std::isfinite(p.X()) || !std::isfinite(p.Y()) || !std::isfinite(p.Z()))
        return make_error(ErrorCode::format, "CAD: non-finite coordinate");
      m.vertices.push_back({float(p.X()), float(p.Y()), float(p.Z())});
    }
    const bool reversed = face.Orientation() == TopAbs_REVERSED;
    for (int t = 1; t <= tri->NbTriangles(); ++t) {
      int a = 0, b = 0, c = 0;
      tri->Triangle(t).Get(a, b, c);
      if (std::min({a, b, c}) < 1 || std::max({a, b, c}) > tri->NbNodes()) continue;
      if (reversed) std::swap(b, c);
      m.triangles.push_back({base + a - 1, base + b - 1, base + c - 1});
      m.source_mesh.push_back(index);
    }
  }
  return {};
}

Result<LoadedMesh> read_cad_unguarded(std::span<const std::byte> bytes, Format format, const LoadLimits& limits) {
  auto shape = read_shape(bytes, format);
  if (!shape) return shape.status();
  LoadedMesh out;
  out.format = format;
  const std::vector<TopoDS_Shape> parts = parts_of(*shape);
  for (std::size_t i = 0; i < parts.size(); ++i)
    if (Status s = append_part(parts[i], static_cast<std::uint32_t>(i), limits, out); !s.ok()) return s;
  if (out.mesh.triangles.empty())
    return make_error(ErrorCode::empty,
                      label(format) + ": no surface to tessellate (points, curves or an empty model)");
  out.source_meshes = static_cast<std::uint32_t>(parts.size());
  if (out.source_meshes <= 1) out.mesh.source_mesh.clear();
  return out;
}

}  // namespace

Result<LoadedMesh> read_cad(std::span<const std::byte> bytes, Format format, const LoadLimits& limits) {
  if (format != Format::step && format != Format::iges && format != Format::brep)
    return make_error(ErrorCode::format, "CAD: not a STEP, IGES or BREP format");
  if (bytes.empty()) return make_error(ErrorCode::empty, "empty file");
  if (bytes.size() > limits.max_file_bytes)
    return make_error(ErrorCode::limit, "limit: file size over " + std::to_string(limits.max_file_bytes));
  std::lock_guard lock(occt_mutex());
  silence_occt();
  try {
    return read_cad_unguarded(bytes, format, limits);
  } catch (const Standard_OutOfMemory&) {
    return make_error(ErrorCode::limit, "limit: out of memory reading the CAD file");
  } catch (const Standard_Failure& e) {
    std::string msg = e.GetMessageString() ? e.GetMessageString() : "";
    if (msg.size() > 200) msg.resize(200);
    return make_error(ErrorCode::format,
                      label(format) + ": OpenCASCADE failed: " + (msg.empty() ? e.DynamicType()->Name() : msg));
  } catch (const std::bad_alloc&) {
    return make_error(ErrorCode::limit, "limit: out of memory reading the CAD file");
  } catch (const std::exception& e) {
    return make_error(ErrorCode::format, label(format) + ": " + e.what());
  } catch (...) {
    return make_error(ErrorCode::format, label(format) + ": unreadable");
  }
}

Result<LoadedMesh> read_cad_isolated(std::span<const std::byte> bytes, Format format, const LoadLimits& limits) {
  LoadLimits child = limits;
  child.isolation_max_bytes = std::min(limits.isolation_max_bytes, isolation_budget(bytes.size()));
  auto r = load_isolated(bytes, format, child, {});
  if (r.ok()) r->format = format;
  return r;
}

}  // namespace meshsentry
