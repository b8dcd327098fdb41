#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Render the benign stand-in models of meshsentry from their OpenSCAD sources.
#
#   models/src/refs/NAME.scad    -> models/refs/NAME.stl
#   models/src/benign/NAME.scad  -> models/benign/NAME.stl
#   models/src/test/NAME.scad    -> models/test/NAME.stl
#   models/src/hard/NAME.scad    -> models/hard/NAME.stl   (hard negatives)
#
# OpenSCAD 2021.01 writes ASCII STL; each file is converted to binary STL by the
# small python3 (stdlib only) converter embedded below. Vertex coordinates are
# the float32 values of the ASCII numbers, facet normals are recomputed from
# those float32 vertices, the 80-byte header is a constant text and the
# triangles are put in a canonical order (OpenSCAD's own order changes from run
# to run), so running the script twice gives byte-identical files.
#
# Afterwards every STL is checked (triangle count, closed = every undirected
# edge shared by exactly two triangles after welding identical coordinates,
# consistent orientation, connected parts, bounding box) and a table is printed.
#
# Usage: models/render.sh           render everything, then check
#        models/render.sh --check   only check the STL files already there
#
# Needs: openscad (Debian package openscad, tested with 2021.01) and python3.
# Environment: OPENSCAD, PYTHON3 override the programs used.

set -eu

LC_ALL=C
export LC_ALL

here=$(cd "$(dirname "$0")" && pwd)
OPENSCAD=${OPENSCAD:-openscad}
PYTHON3=${PYTHON3:-python3}
groups="refs benign test hard"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/meshsentry-render.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

cat >"$tmp/stltool.py" <<'PYEOF'
# SPDX-License-Identifier: MIT
# ASCII STL -> binary STL converter and STL checker for models/render.sh.
import math
import os
import struct
import sys

HEADER = b"meshsentry stand-in model".ljust(80, b" ")
F32 = struct.Struct("<f")


def f32(text):
    # Round the ASCII number to the nearest float32 (exactly what a float32
    # reader would store); the value is kept as a Python float.
    return F32.unpack(F32.pack(float(text)))[0]


def read_ascii(path):
    tris = []
    vert = []
    with open(path, "r", encoding="ascii") as fh:
        for line in fh:
            parts = line.split()
            if not parts:
                continue
            if parts[0] == "vertex":
                if len(parts) != 4:
                    raise ValueError("bad vertex line: %r" % line)
                vert.append((f32(parts[1]), f32(parts[2]), f32(parts[3])))
            elif parts[0] == "endloop":
                if len(vert) != 3:
                    raise ValueError("facet with %d vertices" % len(vert))
                tris.append(tuple(vert))
                vert = []
    if vert:
        raise ValueError("truncated facet")
    return tris


def normal(a, b, c):
    ux, uy, uz = b[0] - a[0], b[1] - a[1], b[2] - a[2]
    vx, vy, vz = c[0] - a[0], c[1] - a[1], c[2] - a[2]
    nx, ny, nz = uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx
    n = math.sqrt(nx * nx + ny * ny + nz * nz)
    if n == 0.0:
        return (0.0, 0.0, 0.0)
    return (nx / n, ny / n, nz / n)


def canonical(tris):
    # OpenSCAD (CGAL) emits the same triangles in a run-dependent order. Start
    # each triangle at its smallest vertex (cyclic order, so the winding is
    # kept) and sort the triangles, which makes the output deterministic.
    out = []
    for t in tris:
        k = min(range(3), key=lambda i: t[i])
        out.append((t[k], t[(k + 1) % 3], t[(k + 2) % 3]))
    out.sort()
    return out


def write_binary(tris, path):
    tris = canonical(tris)
    out = [HEADER, struct.pack("<I", len(tris))]
    rec = struct.Struct("<12fH")
    for a, b, c in tris:
        out.append(rec.pack(*normal(a, b, c), *a, *b, *c, 0))
    data = b"".join(out)
    tmp = path + ".tmp"
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def read_binary(path):
    with open(path, "rb") as fh:
        data = fh.read()
    if len(data) < 84:
        raise ValueError("file too short")
    if data[:5] == b"solid":
        raise ValueError("header starts with 'solid'")
    (n,) = struct.unpack_from("<I", data, 80)
    if len(data) != 84 + 50 * n:
        raise ValueError("size %d does not match %d triangles" % (len(data), n))
    tris = []
    for i in range(n):
        v = struct.unpack_from("<9f", data, 84 + 50 * i + 12)
        tris.append((v[0:3], v[3:6], v[6:9]))
    return tris


def analyse(tris):
    index = {}
    faces = []
    degenerate = 0
    for t in tris:
        ids = []
        for v in t:
            ids.append(index.setdefault(v, len(index)))
        if len(set(ids)) < 3:
            degenerate += 1
            continue
        faces.append(ids)
    und = {}
    directed = {}
    for a, b, c in faces:
        for u, v in ((a, b), (b, c), (c, a)):
            key = (u, v) if u < v else (v, u)
            und[key] = und.get(key, 0) + 1
            directed[(u, v)] = directed.get((u, v), 0) + 1
    closed = bool(faces) and degenerate == 0 and all(n == 2 for n in und.values())
    oriented = closed and all(n == 1 and directed.get((v, u)) == 1
                              for (u, v), n in directed.items())
    # connected parts over shared edges
    parent = list(range(len(faces)))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    owner = {}
    for fi, (a, b, c) in enumerate(faces):
        for u, v in ((a, b), (b, c), (c, a)):
            key = (u, v) if u < v else (v, u)
            if key in owner:
                ra, rb = find(owner[key]), find(fi)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
            else:
                owner[key] = fi
    parts = len({find(i) for i in range(len(faces))})
    verts = list(index)
    lo = [min(v[k] for v in verts) for k in range(3)] if verts else [0, 0, 0]
    hi = [max(v[k] for v in verts) for k in range(3)] if verts else [0, 0, 0]
    vol = 0.0
    for t in tris:
        a, b, c = t
        vol += (a[0] * (b[1] * c[2] - b[2] * c[1])
                - a[1] * (b[0] * c[2] - b[2] * c[0])
                + a[2] * (b[0] * c[1] - b[1] * c[0])) / 6.0
    return {
        "tris": len(tris), "verts": len(verts), "degenerate": degenerate,
        "closed": closed, "oriented": oriented, "parts": parts,
        "bbox": [h - l for l, h in zip(lo, hi)], "volume": vol,
    }


def main(argv):
    if argv[1] == "convert":
        tris = read_ascii(argv[2])
        if not tris:
            raise SystemExit("no triangles in %s" % argv[2])
        write_binary(tris, argv[3])
        return 0
    if argv[1] == "check":
        bad = 0
        print("%-44s %6s %6s %8s %6s %22s %10s" %
              ("name", "tris", "closed", "oriented", "parts", "bbox mm (x y z)", "volume"))
        for path in argv[2:]:
            name = os.path.relpath(path, os.path.dirname(os.path.dirname(path)))
            try:
                r = analyse(read_binary(path))
            except (OSError, ValueError, struct.error) as e:
                print("%-44s ERROR %s" % (name, e))
                bad += 1
                continue
            ok = r["closed"] and r["oriented"] and r["volume"] > 0
            if not ok:
                bad += 1
            print("%-44s %6d %6s %8s %6d %22s %10.1f%s" % (
                name, r["tris"], "yes" if r["closed"] else "NO",
                "yes" if r["oriented"] else "NO", r["parts"],
                "%.1f x %.1f x %.1f" % tuple(r["bbox"]), r["volume"],
                "" if ok else "   <-- problem"))
        return 1 if bad else 0
    raise SystemExit("usage: stltool.py convert IN OUT | check STL...")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
PYEOF

status=0

if [ "${1:-}" != "--check" ]; then
    command -v "$OPENSCAD" >/dev/null 2>&1 || { echo "render.sh: $OPENSCAD not found" >&2; exit 2; }
    for group in $groups; do
        mkdir -p "$here/$group"
        # outputs are generated: drop old ones so a removed source leaves no stale STL
        rm -f "$here/$group"/*.stl
        for src in "$here/src/$group"/*.scad; do
            [ -e "$src" ] || continue
            name=$(basename "$src" .scad)
            ascii="$tmp/$group-$name.stl"
            if ! "$OPENSCAD" --export-format asciistl -o "$ascii" "$src" >"$tmp/log" 2>&1 \
                || [ ! -s "$ascii" ]; then
                echo "render.sh: openscad failed on src/$group/$name.scad:" >&2
                cat "$tmp/log" >&2
                status=1
                continue
            fi
            if grep -q -e WARNING -e ERROR "$tmp/log"; then
                echo "render.sh: src/$group/$name.scad:" >&2
                grep -e WARNING -e ERROR "$tmp/log" >&2
            fi
            if ! "$PYTHON3" "$tmp/stltool.py" convert "$ascii" "$here/$group/$name.stl"; then
                echo "render.sh: conversion failed for $group/$name" >&2
                status=1
            fi
        done
    done
fi

set --
for group in $groups; do
    for f in "$here/$group"/*.stl; do
        [ -e "$f" ] && set -- "$@" "$f"
    done
done
if [ $# -eq 0 ]; then
    echo "render.sh: no STL files found" >&2
    exit 1
fi
"$PYTHON3" "$tmp/stltool.py" check "$@" || status=1
exit $status
