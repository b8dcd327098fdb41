// SPDX-License-Identifier: MIT
// Writes the CAD test files with OpenCASCADE, as a CAD program exports
// them: benign stand-in parts (a filleted block with a through hole, a plate
// with 50 holes) as STEP, IGES and BREP, the same parts tessellated by the
// exporter and saved as binary STL (with other settings than meshsentry's
// own, as a user's export would be), a STEP assembly placing the block
// twice, and a STEP file cut in half.
//   make_cad_parts OUTDIR
#include <BRepAlgoAPI_Cut.hxx>
#include <BRepBuilderAPI_MakeFace.hxx>
#include <BRepBuilderAPI_Transform.hxx>
#include <BRepFilletAPI_MakeFillet.hxx>
#include <BRepMesh_IncrementalMesh.hxx>
#include <BRepPrimAPI_MakeBox.hxx>
#include <BRepPrimAPI_MakeCylinder.hxx>
#include <BRepTools.hxx>
#include <BRep_Builder.hxx>
#include <BRep_Tool.hxx>
#include <BinTools.hxx>
#include <IGESControl_Controller.hxx>
#include <IGESControl_Writer.hxx>
#include <Interface_Static.hxx>
#include <Message.hxx>
#include <Message_Messenger.hxx>
#include <Poly_Triangulation.hxx>
#include <STEPControl_Writer.hxx>
#include <TopExp_Explorer.hxx>
#include <TopoDS.hxx>
#include <TopoDS_Compound.hxx>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <gp_Ax2.hxx>
#include <gp_Pln.hxx>
#include <gp_Trsf.hxx>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

// The block: 60 x 40 x 20 mm, a 10 mm hole through it, the four vertical
// edges rounded with 4 mm.
TopoDS_Shape block() {
  TopoDS_Shape box = BRepPrimAPI_MakeBox(60, 40, 20).Shape();
  BRepFilletAPI_MakeFillet fillet(box);
  for (TopExp_Explorer e(box, TopAbs_EDGE); e.More(); e.Next()) {
    const TopoDS_Edge& edge = TopoDS::Edge(e.Current());
    Standard_Real a = 0, b = 0;
    Handle(Geom_Curve) c = BRep_Tool::Curve(edge, a, b);
    if (std::abs(c->Value(a).Z() - c->Value(b).Z()) > 1) fillet.Add(4, edge);  // vertical
  }
  TopoDS_Shape rounded = fillet.Shape();
  TopoDS_Shape hole = BRepPrimAPI_MakeCylinder(gp_Ax2(gp_Pnt(20, 20, -1), gp::DZ()), 5, 22).Shape();
  return BRepAlgoAPI_Cut(rounded, hole).Shape();
}

// The larger part: a 200 x 100 x 8 mm plate with a 10 x 5 grid of 6 mm holes.
TopoDS_Shape plate_50_holes() {
  TopoDS_Shape plate = BRepPrimAPI_MakeBox(200, 100, 8).Shape();
  TopoDS_Compound holes;
  BRep_Builder b;
  b.MakeCompound(holes);
  for (int i = 0; i < 10; ++i)
    for (int j = 0; j < 5; ++j)
      b.Add(holes, BRepPrimAPI_MakeCylinder(gp_Ax2(gp_Pnt(10 + 20 * i, 10 + 20 * j, -1), gp::DZ()), 3, 10).Shape());
  return BRepAlgoAPI_Cut(plate, holes).Shape();
}

// `unit`: what the file's lengths are written in (OCCT converts from mm).
bool write_step(const TopoDS_Shape& s, const fs::path& p, bool assembly = false, const char* unit = "MM") {
  STEPControl_Writer w;
  Interface_Static::SetIVal("write.step.assembly", assembly ? 1 : 0);
  Interface_Static::SetCVal("write.step.unit", unit);
  return w.Transfer(s, STEPControl_AsIs) == IFSelect_RetDone && w.Write(p.c_str()) == IFSelect_RetDone;
}

bool write_iges(const TopoDS_Shape& s, const fs::path& p, const char* unit = "MM") {
  IGESControl_Controller::Init();
  IGESControl_Writer w(unit, 1);  // faces as trimmed B-rep solids (MSBO), as FreeCAD writes them
  return w.AddShape(s) && w.Write(p.c_str());
}

// The exporter's own tessellation, coarser in chord and finer in angle than
// meshsentry's, written as a binary STL.
bool write_stl(const TopoDS_Shape& s, const fs::path& p) {
  BRepMesh_IncrementalMesh(s, 0.05, false, 0.3, false);
  std::vector<float> tris;
  for (TopExp_Explorer e(s, TopAbs_FACE); e.More(); e.Next()) {
    const TopoDS_Face& face = TopoDS::Face(e.Current());
    TopLoc_Location loc;
    const Handle(Poly_Triangulation)& t = BRep_Tool::Triangulation(face, loc);
    if (t.IsNull()) return false;
    for (int i = 1; i <= t->NbTriangles(); ++i) {
      int n[3];
      t->Triangle(i).Get(n[0], n[1], n[2]);
      if (face.Orientation() == TopAbs_REVERSED) std::swap(n[1], n[2]);
      tris.insert(tris.end(), {0.f, 0.f, 0.f});
      for (int k : n) {
        const gp_Pnt q = t->Node(k).Transformed(loc.Transformation());
        tris.insert(tris.end(), {float(q.X()), float(q.Y()), float(q.Z())});
      }
    }
  }
  std::ofstream f(p, std::ios::binary);
  char header[80] = "make_cad_parts";
  f.write(header, 80);
  const std::uint32_t n = static_cast<std::uint32_t>(tris.size() / 12);
  f.write(reinterpret_cast<const char*>(&n), 4);
  for (std::uint32_t i = 0; i < n; ++i) {
    f.write(reinterpret_cast<const char*>(&tris[12 * i]), 48);
    f.write("\0\0", 2);
  }
  return bool(f);
}

// Two copies of `s`, one turned and moved away, as an assembly of instances.
TopoDS_Shape two_instances(const TopoDS_Shape& s) {
  gp_Trsf move;
  move.SetRotation(gp_Ax1(gp_Pnt(0, 0, 0), gp::DZ()), 0.7);
  gp_Trsf shift;
  shift.SetTranslation(gp_Vec(150, 30, 10));
  TopoDS_Compound c;
  BRep_Builder b;
  b.MakeCompound(c);
  b.Add(c, s);
  b.Add(c, s.Moved(TopLoc_Location(shift * move)));
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_cad_parts OUTDIR\n");
    return 2;
  }
  Message::DefaultMessenger()->ChangePrinters().Clear();
  const fs::path out = argv[1];
  fs::create_directories(out);
  const TopoDS_Shape part = block(), plate = plate_50_holes();
  bool ok = write_step(part, out / "block.step") && write_iges(part, out / "block.igs");
  BRepTools::Write(part, (out / "block.brep").c_str());
  BinTools::Write(part, (out / "block_binary.brep").c_str());
  BRepTools::Write(plate, (out / "plate_50_holes.brep").c_str());
  // The block beside an unbounded plane (construction geometry): the plane
  // cannot be tessellated and is left out.
  TopoDS_Compound with_plane;
  BRep_Builder builder;
  builder.MakeCompound(with_plane);
  builder.Add(with_plane, part);
  builder.Add(with_plane, BRepBuilderAPI_MakeFace(gp_Pln(gp_Pnt(0, 0, 50), gp::DZ())).Face());
  BRepTools::Write(with_plane, (out / "block_and_plane.brep").c_str());  // for docs/formats.md: meshing without a parse
  ok = ok && write_step(two_instances(part), out / "pair_assembly.step", true);
  // The same block in inches: read back, it must be the same size in mm.
  // OCCT 7.6's STEP writer only labels the unit, so the part is scaled
  // first; its IGES writer converts.
  gp_Trsf to_inch;
  to_inch.SetScale(gp_Pnt(0, 0, 0), 1 / 25.4);
  const TopoDS_Shape part_in_inches = BRepBuilderAPI_Transform(part, to_inch, true).Shape();
  ok = ok && write_step(part_in_inches, out / "block_inch.step", false, "INCH") &&
       write_iges(part, out / "block_inch.igs", "IN");
  ok = ok && write_step(plate, out / "plate_50_holes.step");
  // Cut mid-entity: the reader must say so, not crash or return half a part.
  std::ifstream in(out / "block.step", std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string step = ss.str();
  std::ofstream(out / "block_truncated.step", std::ios::binary) << step.substr(0, step.size() / 2);
  // Last: meshing attaches triangulations to the shapes written above.
  ok = ok && write_stl(part, out / "block.stl") && write_stl(plate, out / "plate_50_holes.stl");
  if (!ok) std::fprintf(stderr, "make_cad_parts: a writer failed\n");
  return ok ? 0 : 1;
}
