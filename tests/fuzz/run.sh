#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) into build-fuzz/ and
# runs each, one after the other, for SECONDS (default 30).
#   tests/fuzz/run.sh [SECONDS] [--fail-on-crash] [TARGET...]
# --fail-on-crash: exit 1 when any target crashed, leaked or timed out (CI).
# TARGET (e.g. assimp_loader) runs only those targets.
# Seeds are rebuilt on every run under build-fuzz/seeds/<target>/ from
# models/, signatures/demo.msig, small files of ../shared/corpus when present
# and a few archives made here with python3. What the fuzzer learns is kept
# in build-fuzz/corpus/<target>/, crashing inputs in build-fuzz/crashes/<target>/,
# the full output in build-fuzz/logs/<target>.log. Safe to run again.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
secs=30 fail_on_crash=0 only=()
for a in "$@"; do
  case $a in
    --fail-on-crash) fail_on_crash=1 ;;
    [0-9]*) secs=$a ;;
    *) only+=("$a") ;;
  esac
done
all=(stl_reader gcode_reader bgcode threemf_reader vrml_reader signature_reader assimp_loader isolated_loader archive_reader load_mesh)
[ ${#only[@]} -gt 0 ] || only=("${all[@]}")
out=$here/build-fuzz
shared=$here/../shared/corpus
command -v clang++ >/dev/null || { echo "fuzz: clang++ not installed (apt-get install clang libclang-rt-14-dev)" >&2; exit 2; }

cmake -S "$here" -B "$out" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
  -DMESHSENTRY_TESTS=OFF -DMESHSENTRY_BENCH=OFF -DMESHSENTRY_FUZZ=ON >/dev/null
cmake --build "$out" -j"$(nproc)" --target "${only[@]/#/fuzz_}" >/dev/null

# Seeds ---------------------------------------------------------------------
rm -rf "$out/seeds"
mkdir -p "$out"/seeds/{stl_reader,gcode_reader,bgcode,threemf_reader,vrml_reader,signature_reader,assimp_loader,isolated_loader,archive_reader,load_mesh} \
  "$out/crashes" "$out/logs"
find "$here/models" -name '*.stl' -exec cp {} "$out/seeds/stl_reader/" \;
cp "$here/signatures/demo.msig" "$out/seeds/signature_reader/"
cp "$here/tests/data/one_v6.msig" "$out/seeds/signature_reader/"  # format 6
# corpus FOLDER MAXBYTES EXT...: copy the small files of those extensions.
corpus() {
  local dir=$1 max=$2; shift 2
  [ -d "$shared" ] || return 0
  local args=()
  for e in "$@"; do args+=(-o -iname "*.$e"); done
  find "$shared" -type f -size -"$max" \( "${args[@]:1}" \) -print0 |
    while IFS= read -r -d '' f; do cp "$f" "$out/seeds/$dir/$(echo "$f" | md5sum | cut -c1-12).${f##*.}"; done
}
corpus stl_reader 200k stl
corpus assimp_loader 64k obj ply off 3mf gltf glb dae amf fbx x3d 3ds
corpus archive_reader 200k zip
corpus threemf_reader 200k 3mf model
corpus vrml_reader 200k wrl vrml
# Tiny meshes of each text format, so the targets have seeds without ../shared.
python3 - "$out/seeds" <<'PY'
import bz2, gzip, io, lzma, os, sys, tarfile, zipfile
seeds = sys.argv[1]
obj = b"v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 2 3\nf 1 2 4\nf 1 3 4\nf 2 3 4\n"
off = b"OFF\n4 4 0\n0 0 0\n1 0 0\n0 1 0\n0 0 1\n3 0 1 2\n3 0 1 3\n3 0 2 3\n3 1 2 3\n"
ply = (b"ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\n"
       b"property float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n"
       b"0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n")
stl = (b"solid t\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nvertex 0 1 0\n"
       b"endloop\nendfacet\nendsolid t\n")
gltf = (b'{"asset":{"version":"2.0"},"scenes":[{"nodes":[0]}],"nodes":[{"mesh":0}],'
        b'"meshes":[{"primitives":[{"attributes":{"POSITION":0}}]}],"accessors":[{"bufferView":0,'
        b'"componentType":5126,"count":3,"type":"VEC3","max":[1,1,0],"min":[0,0,0]}],'
        b'"bufferViews":[{"buffer":0,"byteLength":36}],"buffers":[{"byteLength":36,'
        b'"uri":"data:application/octet-stream;base64,AAAAAAAAAAAAAAAAAACAPwAAAAAAAAAAAAAAAAAAgD8AAAAA"}]}')
model = (b'<?xml version="1.0" encoding="UTF-8"?><model unit="millimeter" '
         b'xmlns="http://schemas.microsoft.com/3dmanufacturing/core/2015/02"><resources>'
         b'<object id="1" type="model"><mesh><vertices><vertex x="0" y="0" z="0"/>'
         b'<vertex x="1" y="0" z="0"/><vertex x="0" y="1" z="0"/></vertices><triangles>'
         b'<triangle v1="0" v2="1" v3="2"/></triangles></mesh></object></resources>'
         b'<build><item objectid="1"/></build></model>')
def put(d, name, data):
    with open(os.path.join(seeds, d, name), "wb") as f: f.write(data)
def zipped(members, method=zipfile.ZIP_DEFLATED):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", method) as z:
        for n, d in members: z.writestr(n, d)
    return b.getvalue()
def tarred(members, mode="w"):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode=mode) as t:
        for n, d in members:
            i = tarfile.TarInfo(n); i.size = len(d); t.addfile(i, io.BytesIO(d))
    return b.getvalue()
threemf = zipped([("[Content_Types].xml", b'<?xml version="1.0"?><Types/>'), ("3D/3dmodel.model", model)])
for n, d in [("t.obj", obj), ("t.off", off), ("t.ply", ply), ("t.gltf", gltf), ("t.3mf", threemf)]:
    put("assimp_loader", n, d)
put("threemf_reader", "t.3mf", threemf)
put("threemf_reader", "bare.model", model)
put("load_mesh", "t.3mf", threemf)
members = [("a.stl", stl), ("dir/b.obj", obj), ("c.off", off)]
archives = {
    "a.zip": zipped(members), "stored.zip": zipped(members, zipfile.ZIP_STORED),
    "nested.zip": zipped([("inner.zip", zipped(members))]), "a.tar": tarred(members),
    "a.tar.gz": tarred(members, "w:gz"), "a.tar.bz2": tarred(members, "w:bz2"),
    "a.tar.xz": tarred(members, "w:xz"), "a.stl.gz": gzip.compress(stl, mtime=0),
    "a.stl.bz2": bz2.compress(stl), "a.stl.xz": lzma.compress(stl),
}
for n, d in archives.items():
    put("archive_reader", n, d)
    put("load_mesh", n, d)
put("load_mesh", "t.stl", stl)
put("load_mesh", "t.gcode", b"; generated by PrusaSlicer\nG28\nG1 X10 Y10\n")
# Two layers of a 2 mm square: wall, first-layer solid infill, top solid infill.
gcode = (b"; generated by PrusaSlicer\nM83\nG1 Z0.2\n;TYPE:External perimeter\n;WIDTH:0.45\n"
         b"G1 X2 Y0 E0.1\nG1 X2 Y2 E0.1\nG1 X0 Y2 E0.1\nG1 X0 Y0 E0.1\n;TYPE:Solid infill\nG1 X2 Y1 E0.1\n"
         b";LAYER_CHANGE\n;HEIGHT:0.2\nG91\nG1 Z0.2\nG90\n;TYPE:Top solid infill\nG1 X0 Y1 E0.1\nG2 X1 Y1 I1 J0 E0.1\n")
put("load_mesh", "cube.gcode", gcode)
put("gcode_reader", "cube.gcode", gcode)
put("gcode_reader", "travel.gcode", b"; generated by PrusaSlicer\nG28\nG1 X10 Y10\n")
# Binary G-code (libbgcode's layout): a stored and a DEFLATE G-code block with CRC32.
import struct, zlib
def bg_block(kind, comp, params, raw):
    data = zlib.compress(raw) if comp else raw
    head = struct.pack("<HHI", kind, comp, len(raw)) + (struct.pack("<I", len(data)) if comp else b"")
    body = head + params + data
    return body + struct.pack("<I", zlib.crc32(body))
bgcode = (b"GCDE" + struct.pack("<IH", 1, 1) + bg_block(3, 0, b"\0\0", b"printer_model=MK4\n")
          + bg_block(1, 0, b"\0\0", gcode[:len(gcode) // 2]) + bg_block(1, 1, b"\0\0", gcode[len(gcode) // 2:]))
put("bgcode", "cube.bgcode", bgcode)
put("load_mesh", "cube.bgcode", bgcode)
put("load_mesh", "t.step", b"ISO-10303-21;\nHEADER;\nENDSEC;\n")
# VRML 2.0 with a Transform and DEF/USE, and VRML 1.0 as admesh writes it.
wrl2 = (b"#VRML V2.0 utf8\nDEF P Transform { translation 1 2 3 rotation 0 0 1 0.5 scale 2 2 2 children [\n"
        b"Shape { appearance Appearance { material Material { } } geometry IndexedFaceSet {\n"
        b"coord DEF C Coordinate { point [ 0 0 0, 1 0 0, 0 1 0, 0 0 1 ] }\n"
        b"coordIndex [ 0, 1, 2, -1, 0, 1, 3, -1, 0, 2, 3, -1, 1, 2, 3, -1 ] } } ] }\n"
        b"Transform { translation 5 0 0 children USE P }\n")
wrl1 = (b"#VRML V1.0 ascii\nSeparator {\n DEF STLShape ShapeHints { vertexOrdering COUNTERCLOCKWISE }\n"
        b" DEF STLModel Separator { DEF STLVertices Coordinate3 { point [ 0 0 0, 1 0 0, 0 1 0, 0 0 1 ] }\n"
        b" DEF STLTriangles IndexedFaceSet { coordIndex [ 0, 1, 2, -1, 0, 1, 3, -1, 0, 2, 3, -1, 1, 2, 3, -1 ] } } }\n")
for n, d in [("t2.wrl", wrl2), ("t1.wrl", wrl1)]:
    put("vrml_reader", n, d)
    put("load_mesh", n, d)
# CAD seeds for the isolated loader (OpenCASCADE), written as text: a
# tetrahedron as a STEP MANIFOLD_SOLID_BREP, the same cut in half, and a
# bilinear B-spline patch as an IGES entity 128.
def step_tetra():
    pts = [(0, 0, 0), (10, 0, 0), (0, 10, 0), (0, 0, 10)]
    faces = [(0, 2, 1), (0, 1, 3), (0, 3, 2), (1, 2, 3)]  # outward
    ents, n = [], [0]
    def e(s):
        n[0] += 1; ents.append("#%d=%s;" % (n[0], s)); return n[0]
    def sub(a, b): return [a[i] - b[i] for i in range(3)]
    def cross(a, b): return [a[1]*b[2]-a[2]*b[1], a[2]*b[0]-a[0]*b[2], a[0]*b[1]-a[1]*b[0]]
    cp = [e("CARTESIAN_POINT('',(%.1f,%.1f,%.1f))" % p) for p in pts]
    vx = [e("VERTEX_POINT('',#%d)" % c) for c in cp]
    edges = {}
    for f in faces:
        for k in range(3):
            a, b = f[k], f[(k + 1) % 3]
            if (a, b) in edges or (b, a) in edges: continue
            d = sub(pts[b], pts[a])
            dr = e("DIRECTION('',(%.1f,%.1f,%.1f))" % tuple(d))
            ln = e("LINE('',#%d,#%d)" % (cp[a], e("VECTOR('',#%d,1.)" % dr)))
            edges[(a, b)] = e("EDGE_CURVE('',#%d,#%d,#%d,.T.)" % (vx[a], vx[b], ln))
    fs = []
    for f in faces:
        oes = []
        for k in range(3):
            a, b = f[k], f[(k + 1) % 3]
            oes.append(e("ORIENTED_EDGE('',*,*,#%d,.T.)" % edges[(a, b)]) if (a, b) in edges else
                       e("ORIENTED_EDGE('',*,*,#%d,.F.)" % edges[(b, a)]))
        loop = e("EDGE_LOOP('',(%s))" % ",".join("#%d" % o for o in oes))
        bound = e("FACE_OUTER_BOUND('',#%d,.T.)" % loop)
        nrm = cross(sub(pts[f[1]], pts[f[0]]), sub(pts[f[2]], pts[f[0]]))
        ref = sub(pts[f[1]], pts[f[0]])
        ax = e("AXIS2_PLACEMENT_3D('',#%d,#%d,#%d)" % (cp[f[0]], e("DIRECTION('',(%.1f,%.1f,%.1f))" % tuple(nrm)),
                                                      e("DIRECTION('',(%.1f,%.1f,%.1f))" % tuple(ref))))
        fs.append(e("ADVANCED_FACE('',(#%d),#%d,.T.)" % (bound, e("PLANE('',#%d)" % ax))))
    shell = e("CLOSED_SHELL('',(%s))" % ",".join("#%d" % f for f in fs))
    solid = e("MANIFOLD_SOLID_BREP('tetra',#%d)" % shell)
    mm = e("( LENGTH_UNIT() NAMED_UNIT(*) SI_UNIT(.MILLI.,.METRE.) )")
    rad = e("( NAMED_UNIT(*) PLANE_ANGLE_UNIT() SI_UNIT($,.RADIAN.) )")
    sr = e("( NAMED_UNIT(*) SI_UNIT($,.STERADIAN.) SOLID_ANGLE_UNIT() )")
    ctx = e("( GEOMETRIC_REPRESENTATION_CONTEXT(3) GLOBAL_UNIT_ASSIGNED_CONTEXT((#%d,#%d,#%d)) "
            "REPRESENTATION_CONTEXT('','') )" % (mm, rad, sr))
    rep = e("ADVANCED_BREP_SHAPE_REPRESENTATION('',(#%d),#%d)" % (solid, ctx))
    app = e("APPLICATION_CONTEXT('automotive design')")
    prod = e("PRODUCT('tetra','tetra','',(#%d))" % e("PRODUCT_CONTEXT('',#%d,'mechanical')" % app))
    pd = e("PRODUCT_DEFINITION('design','',#%d,#%d)" % (e("PRODUCT_DEFINITION_FORMATION('','',#%d)" % prod),
                                                       e("PRODUCT_DEFINITION_CONTEXT('part',#%d,'design')" % app)))
    e("SHAPE_DEFINITION_REPRESENTATION(#%d,#%d)" % (e("PRODUCT_DEFINITION_SHAPE('','',#%d)" % pd), rep))
    return ("ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION((''),'2;1');\nFILE_NAME('t.step','',(''),(''),'','','');\n"
            "FILE_SCHEMA(('AUTOMOTIVE_DESIGN'));\nENDSEC;\nDATA;\n" + "\n".join(ents) +
            "\nENDSEC;\nEND-ISO-10303-21;\n").encode()

def iges_patch():
    def lines(text, letter, width=72):
        out = []
        while text:
            cut = text[:width]
            if len(text) > width: cut = cut[:cut.rfind(",") + 1]
            out.append(cut); text = text[len(cut):]
        return [l.ljust(72) + letter + "%7d" % (i + 1) for i, l in enumerate(out)]
    start = lines("meshsentry fuzz seed", "S")
    glob = lines("1H,,1H;,4Hseed,6Ht.iges,4Hseed,3H1.0,32,38,6,308,15,4Hseed,1.,2,2HMM,1,1.,"
                 "15H20260101.000000,1E-06,10.,4Hnone,4Hnone,11,0;", "G")
    params = ("128,1,1,1,1,0,0,1,0,0,0.,0.,1.,1.,0.,0.,1.,1.,1.,1.,1.,1.,0.,0.,0.,10.,0.,0.,0.,10.,0.,"
              "10.,10.,0.,0.,1.,0.,1.;")
    pl = []
    while params:
        cut = params[:64]
        if len(params) > 64: cut = cut[:cut.rfind(",") + 1]
        pl.append(cut); params = params[len(cut):]
    p = [l.ljust(64) + "%8d" % 1 + "P" + "%7d" % (i + 1) for i, l in enumerate(pl)]
    d = ["%8d%8d%8d%8d%8d%8d%8d%8d%8s" % (128, 1, 0, 0, 0, 0, 0, 0, "00000000") + "D" + "%7d" % 1,
         "%8d%8d%8d%8d%8d%8s%8s%8s%8d" % (128, 0, 0, len(p), 0, "", "", "PATCH", 0) + "D" + "%7d" % 2]
    t = ("S%7dG%7dD%7dP%7d" % (len(start), len(glob), len(d), len(p))).ljust(72) + "T" + "%7d" % 1
    return ("\n".join(start + glob + d + p + [t]) + "\n").encode()
step = step_tetra()
for n, d in [("tetra.step", step), ("cut.step", step[:len(step) // 2]), ("patch.igs", iges_patch())]:
    put("isolated_loader", n, d)
PY
cp "$out"/seeds/stl_reader/* "$out/seeds/load_mesh/"
# The isolated loader starts from the Assimp seeds, the crashers included.
cp "$out"/seeds/assimp_loader/* "$out/seeds/isolated_loader/"
cp "$here"/tests/data/fuzz/assimp_loader/* "$out/seeds/isolated_loader/" 2>/dev/null || true

# Runs ----------------------------------------------------------------------
# fuzz_assimp_loader runs in fork mode past crashes: Assimp 5.2 crashes on
# many inputs (KNOWN-ASSIMP.md) and would stop a plain run at its seeds.
# classify.py then replays each new artifact and fails only on ours. It runs
# without leak checks: Assimp leaks on malformed files, and in fork mode a
# leak cannot be told from ours (the other targets check our leaks).
failed=()
for t in "${only[@]}"; do
  mkdir -p "$out/corpus/$t" "$out/crashes/$t"
  touch "$out/crashes/$t/.start"
  echo "fuzz: $t for ${secs}s"
  opts=(-max_total_time="$secs" -max_len=200000 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
        -artifact_prefix="$out/crashes/$t/")
  env=()
  # The forked child leaves Assimp's leaks behind when it exits; what the
  # parent allocates is still checked. Timeouts: the child's own limit (5 s)
  # ends a hang first.
  # libFuzzer's malloc limit hook is inherited by the child, which has its
  # own address-space limit: off here.
  if [ "$t" = isolated_loader ]; then
    env=(ASAN_OPTIONS=detect_leaks=0)
    opts+=(-rss_limit_mb=0 -malloc_limit_mb=0)
  fi
  if [ "$t" = assimp_loader ]; then
    opts+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 -detect_leaks=0)
    # One huge allocation must fail with its stack, before ASan's shadow for
    # it passes the RSS limit (KNOWN-ASSIMP.md class 11).
    env=(ASAN_OPTIONS=detect_leaks=0:max_allocation_size_mb=2048)
  fi
  set +e
  env "${env[@]}" "$out/engine/fuzz_$t" "${opts[@]}" "$out/corpus/$t" "$out/seeds/$t" >"$out/logs/$t.log" 2>&1
  rc=$?
  set -e
  grep -E '^stat::number_of_executed_units|^#[0-9]+: cov' "$out/logs/$t.log" | tail -1 || true
  mapfile -t new < <(find "$out/crashes/$t" -type f -newer "$out/crashes/$t/.start" ! -name '.*')
  if [ "$t" = assimp_loader ]; then
    # Fork mode's exit status is the last job's; it finished if it says so.
    rc=0
    grep -q '^INFO: exiting:' "$out/logs/$t.log" || rc=1
    if [ ${#new[@]} -gt 0 ]; then
      env "${env[@]}" python3 "$here/tests/fuzz/classify.py" "$out/engine/fuzz_$t" "${new[@]}" \
        >"$out/logs/$t.classified" || rc=1
      echo "fuzz: $t: $(grep -c '^assimp' "$out/logs/$t.classified" || true) inputs crash inside Assimp (see KNOWN-ASSIMP.md)"
      grep '^ours' "$out/logs/$t.classified" >&2 || true
    fi
  fi
  if [ $rc -ne 0 ]; then
    failed+=("$t")
    echo "fuzz: $t FAILED (exit $rc); see $out/logs/$t.log" >&2
    grep -E '^(==[0-9]+== ?ERROR|SUMMARY)' "$out/logs/$t.log" | head -3 >&2 || true
    [ ${#new[@]} -eq 0 ] || printf '  %s\n' "${new[@]}" >&2
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: crashed: ${failed[*]}" >&2
  [ $fail_on_crash -eq 0 ] || exit 1
fi
exit 0
