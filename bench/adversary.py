#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Our own adversary (issue 18): the evasions a determined uploader tries with
ordinary tools, applied to stand-in parts and, the same way, to benign files.

  bench/adversary.py OUT --seed N [--parts 10] [--benign 6] [--hard 2]
                     [--families raft,pillars,...] [--no-gcode]

Parts: the dev set's 12 references (../shared/eval/dev/refs) and our 8 stand-ins
(models/refs); every one is in OUT/refs.tsv (the watch list), and the seed draws
--parts of them to attack. Benign sources: models/benign and readable one-body
public files of ../shared/corpus (unreadable or malformed ones are skipped), and
--hard designs of models/hard (labelled hard_negative). OUT gets cases/, refs/,
refs.tsv and truth.tsv in the layout of ../shared/EVAL-FORMAT.md; each truth row's
params carry `family` and `group` (the pieces of one cut share a group, so the
report counts a part once). Then:

  build/meshsentry sig build --manifest OUT/refs.tsv --out OUT/set.msig
  build/meshsentry scan --signatures OUT/set.msig --format jsonl --no-timing OUT/cases > scan.jsonl
  bench/adversary_report.py OUT scan.jsonl

Fusing and cutting use OpenSCAD (CGAL booleans), G-code PrusaSlicer, decimation
Open3D's quadric collapse (vertex clustering without it); the rest is numpy on
the mesh. Everything is drawn from the seed, so a set is the same on every run:
choose settings on one seed and report on another. Run with /usr/bin/python3.
"""
import argparse
import glob
import json
import os
import shutil
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SHARED = os.path.join(REPO, "..", "shared")
sys.path.insert(0, os.path.join(SHARED, "tools/evalgen"))
import evalgen as E  # noqa: E402  (the generator's own mesh I/O, OpenSCAD and slicer runners)

OVERLAP = 0.3  # mm: how far a fused body reaches into the part (the 0.3 mm)


def log(msg):
    sys.stderr.write("[adversary %s] %s\n" % (time.strftime("%H:%M:%S"), msg))


# --------------------------------------------------------------------------
# geometry helpers
# --------------------------------------------------------------------------

def rot_z(deg):
    a = np.radians(deg)
    return np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1.0]])


def lay_flat(m, rng, face=None):
    """The pose a user prints in: one of the largest flat faces down, turned about z,
    the lowest point on z = 0."""
    cands = E.flat_orientations(m)
    n = cands[int(rng.integers(len(cands))) if face is None else face % len(cands)]
    R = E.rowmul(rot_z(rng.uniform(0, 360)), E.frame_from_normal(-n).T)
    mm = E.apply_affine(m, R)
    lo, hi = mm.bbox()
    return E.Mesh(mm.v - np.array([(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, lo[2]]), mm.f)


def rigid(m, rng):
    R, _ = E.random_rotation(rng)
    return E.apply_affine(m, R, rng.uniform(-50, 50, 3))


def box(lo, hi):
    return E._box_mesh(np.asarray(lo, float), np.asarray(hi, float))


def union(meshes, job):
    """Boolean union in OpenSCAD: fused bodies become one surface, as a CAD tool makes them."""
    names = {"m%d.stl" % i: m for i, m in enumerate(meshes)}
    scad = "union(){ %s }\n" % " ".join('import("%s");' % k for k in names)
    return E.run_openscad(scad, names, job, "union")


def cut(m, planes, job):
    """Intersection of the part with half-spaces n.x >= n.p (one per plane), as a closed piece."""
    L = 4 * max(m.diag(), 1.0)
    hs = " ".join(E._halfspace_scad(n, p, L) for n, p in planes)
    try:
        piece = E.run_openscad('intersection(){ import("ref.stl"); %s }\n' % hs, {"ref.stl": m}, job, "cut")
    except E.MeshError as e:
        if "empty" in str(e).lower():
            return None
        raise
    return piece if piece.nf else None


def vertex_normals(m):
    """Angle-weighted vertex normals of a welded mesh."""
    t = m.tris()
    fn = np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0])
    fn /= np.maximum(np.linalg.norm(fn, axis=1, keepdims=True), 1e-30)
    vn = np.zeros_like(m.v)
    for k in range(3):
        a = t[:, (k + 1) % 3] - t[:, k]
        b = t[:, (k + 2) % 3] - t[:, k]
        cosang = np.einsum("ij,ij->i", a, b) / np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), 1e-30)
        w = np.arccos(np.clip(cosang, -1, 1))
        np.add.at(vn, m.f[:, k], fn * w[:, None])
    return vn / np.maximum(np.linalg.norm(vn, axis=1, keepdims=True), 1e-30)


def refine(m, max_faces=24000, rounds=2):
    """Midpoint subdivision (shared midpoints) so that a bend bends faces, not just corners."""
    for _ in range(rounds):
        if m.nf * 4 > max_faces:
            break
        m = E.midpoint_subdivide(m)
    return m


def principal_frame(m):
    """Axes of the part's bounding box, longest first, and its centre."""
    lo, hi = m.bbox()
    order = np.argsort(-(hi - lo), kind="stable")
    return order, (lo + hi) / 2, hi - lo


def quadric_decimate(m, ratio):
    target = max(4, int(m.nf * ratio))
    try:
        import open3d as o3d
    except ImportError:
        d, cell = E.cluster_decimate(m, target)
        return d, {"method": "vertex_clustering", "cell": round(cell, 6)}
    mesh = o3d.geometry.TriangleMesh(o3d.utility.Vector3dVector(m.v), o3d.utility.Vector3iVector(m.f.astype(np.int32)))
    d = mesh.simplify_quadric_decimation(target_number_of_triangles=target)
    return E.clean(E.Mesh(np.asarray(d.vertices), np.asarray(d.triangles))), {"method": "quadric"}


# --------------------------------------------------------------------------
# families: each takes (m, rng, ctx) and returns a list of outputs
# (mesh or bytes, extension, params[, sub-folder]); m is welded, in its own frame
# --------------------------------------------------------------------------

def out(mesh, params, ext=".stl", folder=None):
    return {"mesh": mesh, "params": params, "ext": ext, "folder": folder}


def fam_control(m, rng, ctx):
    """The part turned and moved, nothing else: the control row, which every other row is
    read against (a miss here is the scanner's or the set's, not the attack's)."""
    return [out(rigid(m, rng), {})]


def fam_raft(m, rng, ctx):
    p = lay_flat(m, rng)
    lo, hi = p.bbox()
    ratio = 15.0
    side = np.sqrt(ratio * (hi[0] - lo[0]) * (hi[1] - lo[1]))
    asp = rng.uniform(0.7, 1.4)
    sx, sy = side * np.sqrt(asp), side / np.sqrt(asp)
    th = rng.uniform(1.0, 3.0)
    raft = box([-sx / 2, -sy / 2, OVERLAP - th], [sx / 2, sy / 2, OVERLAP])
    return [out(union([p, raft], ctx.job), {"area_ratio": ratio, "thickness": round(th, 3)})]


def fam_pillars(m, rng, ctx):
    p = lay_flat(m, rng)
    lift = rng.uniform(3, 8)
    p = E.Mesh(p.v + [0, 0, lift], p.f)
    lo, hi = p.bbox()
    fn = E.face_normals(p)
    a = p.area_weights() * (fn[:, 2] < -0.5)
    k = int(rng.integers(6, 16))
    w = rng.uniform(1.0, 2.0)
    bodies = [p, box([lo[0] - 3, lo[1] - 3, 0], [hi[0] + 3, hi[1] + 3, 1.0])]
    if a.sum() > 0:
        for i in rng.choice(len(a), k, p=a / a.sum()):
            c = p.tris()[i].mean(0)
            bodies.append(box([c[0] - w / 2, c[1] - w / 2, 0.5], [c[0] + w / 2, c[1] + w / 2, c[2] + OVERLAP]))
    return [out(union(bodies, ctx.job), {"lift": round(lift, 3), "pillars": len(bodies) - 2, "width": round(w, 3)})]


def fam_hollow_box(m, rng, ctx):
    p = lay_flat(m, rng)
    lo, hi = p.bbox()
    margin, wall = rng.uniform(3, 10), rng.uniform(1.5, 3)
    h = (hi[2] - lo[2]) * rng.uniform(0.6, 1.3)
    ilo, ihi = lo[:2] - margin, hi[:2] + margin
    floor = box([ilo[0] - wall, ilo[1] - wall, OVERLAP - wall], [ihi[0] + wall, ihi[1] + wall, OVERLAP])
    walls = [box([ilo[0] - wall, ilo[1] - wall, 0], [ilo[0], ihi[1] + wall, h]),
             box([ihi[0], ilo[1] - wall, 0], [ihi[0] + wall, ihi[1] + wall, h]),
             box([ilo[0], ilo[1] - wall, 0], [ihi[0], ilo[1], h]),
             box([ilo[0], ihi[1], 0], [ihi[0], ihi[1] + wall, h])]
    return [out(union([p, floor] + walls, ctx.job), {"margin": round(margin, 3), "wall": round(wall, 3),
                                                     "height": round(h, 3)})]


def fam_box_scaled(m, rng, ctx):
    order, c, ext = principal_frame(m)
    ax = int(rng.integers(3))
    side = 1 if rng.random() < 0.5 else -1
    lo, hi = m.bbox()
    blo, bhi = lo.copy(), hi.copy()
    depth = ext[ax] * rng.uniform(0.3, 0.8)
    if side > 0:
        blo[ax], bhi[ax] = hi[ax] - OVERLAP, hi[ax] - OVERLAP + depth
    else:
        blo[ax], bhi[ax] = lo[ax] + OVERLAP - depth, lo[ax] + OVERLAP
    shrink = rng.uniform(0.6, 0.9)  # the box's cross-section, centred on the part's
    for a in range(3):
        if a != ax:
            blo[a], bhi[a] = c[a] - ext[a] * shrink / 2, c[a] + ext[a] * shrink / 2
    fused = union([m, box(blo, bhi)], ctx.job)
    return [out(rigid(E.apply_affine(fused, np.eye(3) * 0.8), rng),
                {"scale": 0.8, "box_axis": "xyz"[ax], "box_side": side, "depth": round(depth, 3)})]


def _pieces(m, plane_sets, rng, ctx, params, scale=1.0, folder=None):
    outs, vol = [], abs(m.volume()) or 1.0
    for k, planes in enumerate(plane_sets):
        piece = cut(m, planes, ctx.job)
        if piece is None:
            continue
        frac = abs(piece.volume()) / vol
        mesh = rigid(E.apply_affine(piece, np.eye(3) * scale), rng)
        outs.append(out(mesh, dict(params, piece=k, volume_fraction=round(frac, 4)), folder=folder))
    if not outs:
        raise E.MeshError("no piece")
    return outs


def fam_cut_slanted(m, rng, ctx):
    """Two halves by a plane 25-65 degrees off every axis of the part, then scaled."""
    c = m.centroid()
    while True:
        n = E.random_unit(rng)
        if np.all(np.abs(n) < np.cos(np.radians(25))) and np.all(np.abs(n) > np.cos(np.radians(65))):
            break
    scale = [0.8, 1 / 25.4][int(rng.integers(2))]
    p = c + rng.uniform(-0.1, 0.1, 3) * (m.bbox()[1] - m.bbox()[0])
    return _pieces(m, [[(n, p)], [(-n, p)]], rng, ctx, {"normal": E.rnd(n), "scale": round(scale, 6)}, scale)


def fam_cut_parallel(m, rng, ctx):
    """A cut parallel to one of the part's own large flat faces, through its material."""
    cands = E.flat_orientations(m)
    n = cands[int(rng.integers(len(cands)))]
    d = m.v @ n
    depth = rng.uniform(0.3, 0.7)
    p = n * (d.min() + depth * (d.max() - d.min()))
    return _pieces(m, [[(n, p)], [(-n, p)]], rng, ctx, {"normal": E.rnd(n), "depth": round(depth, 3)})


def fam_slabs5(m, rng, ctx):
    order, c, ext = principal_frame(m)
    ax = int(rng.integers(3))
    n = np.eye(3)[ax]
    lo, hi = m.bbox()
    cuts = np.linspace(lo[ax], hi[ax], 6)[1:-1]
    sets = []
    for k in range(5):
        planes = []
        if k > 0:
            planes.append((n, n * cuts[k - 1]))
        if k < 4:
            planes.append((-n, n * cuts[k]))
        sets.append(planes)
    return _pieces(m, sets, rng, ctx, {"axis": "xyz"[ax]})


def fam_pieces8(m, rng, ctx):
    """Eight box-aligned pieces, each its own file; the same pieces again in one batch folder."""
    lo, hi = m.bbox()
    c = (lo + hi) / 2 + rng.uniform(-0.1, 0.1, 3) * (hi - lo)
    sets = []
    for k in range(8):
        sets.append([((1 if (k >> a) & 1 else -1) * np.eye(3)[a], c) for a in range(3)])
    outs = _pieces(m, sets, rng, ctx, {"center": E.rnd(c, 4)})
    batch = [out(o["mesh"], dict(o["params"], batch=True), folder="batch") for o in outs]
    return outs + batch


def offset_moves(m, d):
    """Per vertex, the least-norm move that shifts every incident face's plane by d: at a
    box corner that is d(n1+n2+n3), not d along an averaged normal (which would round
    the corner and shift flat faces by less than d)."""
    t = m.tris()
    fn = np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0])
    fn /= np.maximum(np.linalg.norm(fn, axis=1, keepdims=True), 1e-30)
    M = np.zeros((len(m.v), 3, 3))
    b = np.zeros((len(m.v), 3))
    for k in range(3):
        a = t[:, (k + 1) % 3] - t[:, k]
        c = t[:, (k + 2) % 3] - t[:, k]
        cosang = np.einsum("ij,ij->i", a, c) / np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(c, axis=1), 1e-30)
        w = np.arccos(np.clip(cosang, -1, 1))
        np.add.at(M, m.f[:, k], w[:, None, None] * fn[:, :, None] * fn[:, None, :])
        np.add.at(b, m.f[:, k], (w * d)[:, None] * fn)
    x = np.einsum("nij,nj->ni", np.linalg.pinv(M, rcond=0.05), b)
    # a move far beyond d comes from a spike of nearly opposite faces; fall back to the normal
    n = vertex_normals(m)
    bad = np.linalg.norm(x, axis=1) > 3 * abs(d)
    x[bad] = d * n[bad]
    return x


def _offset(d):
    def fam(m, rng, ctx):
        return [out(rigid(E.Mesh(m.v + offset_moves(m, d), m.f), rng), {"offset_mm": d})]
    return fam


def fam_axis_scale(m, rng, ctx):
    R, _ = E.random_rotation(rng)
    mm = E.apply_affine(m, R)
    a, b = rng.choice(3, 2, replace=False)
    S = np.ones(3)
    S[a], S[b] = 1.10, 0.92
    return [out(E.apply_affine(mm, np.diag(S)), {"scale": S.tolist()})]


def fam_shear(m, rng, ctx):
    R, _ = E.random_rotation(rng)
    a, b = rng.choice(3, 2, replace=False)
    k = rng.uniform(0.1, 0.2) * (1 if rng.random() < 0.5 else -1)
    S = np.eye(3)
    S[a, b] = k
    return [out(E.apply_affine(E.apply_affine(m, R), S), {"shear": round(k, 4), "axes": "xyz"[a] + "xyz"[b]})]


def fam_bend(m, rng, ctx):
    """The long axis bent into an arc of 15 degrees in the plane of the shortest."""
    mm = refine(m)
    order, c, ext = principal_frame(mm)
    a, t = order[0], order[2]
    theta = np.radians(15.0)
    R = ext[a] / theta
    v = mm.v.copy()
    s, h = v[:, a] - c[a], v[:, t] - c[t]
    phi = s / R
    v[:, a] = c[a] + (R - h) * np.sin(phi)
    v[:, t] = c[t] + R - (R - h) * np.cos(phi)
    return [out(rigid(E.Mesh(v, mm.f), rng), {"degrees": 15, "axis": "xyz"[a]})]


def fam_twist(m, rng, ctx):
    """Turned about the long axis, 15 degrees from one end to the other."""
    mm = refine(m)
    order, c, ext = principal_frame(mm)
    a, b, t = order
    v = mm.v.copy()
    ang = np.radians(15.0) * ((v[:, a] - c[a]) / ext[a])
    y, z = v[:, b] - c[b], v[:, t] - c[t]
    v[:, b] = c[b] + y * np.cos(ang) - z * np.sin(ang)
    v[:, t] = c[t] + y * np.sin(ang) + z * np.cos(ang)
    return [out(rigid(E.Mesh(v, mm.f), rng), {"degrees": 15, "axis": "xyz"[a]})]


def fam_gcode_stripped(m, rng, ctx):
    """Sliced by PrusaSlicer, then every comment removed (no ;TYPE:, no ;LAYER)."""
    first = int(rng.integers(3))
    for k in range(3):  # a face that leaves nothing on the first layer is refused: try the next
        try:
            data, p = E.run_slicer(lay_flat(m, rng, first + k), ctx.job, 0)
            break
        except E.MeshError:
            if k == 2:
                raise
    lines = []
    for line in data.decode("utf-8", "replace").splitlines():
        line = line.split(";", 1)[0].rstrip()
        if line:
            lines.append(line)
    return [out(("\n".join(lines) + "\n").encode(), p, ext=".gcode")]


def fam_plate40(m, rng, ctx):
    """The part among 40 bodies, each larger than it, in a grid on one plate."""
    d = m.diag()
    bodies = []
    for j in rng.choice(len(ctx.fillers), 40, replace=True):
        fm = ctx.fillers[int(j)][1]
        s = d * rng.uniform(1.2, 2.0) / max(fm.diag(), 1e-9)
        bodies.append(E.apply_affine(fm, np.eye(3) * s))
    slot = int(rng.integers(41))
    bodies.insert(slot, m)
    cols, gap, placed, x, y, row_h = 7, 3.0, [], 0.0, 0.0, 0.0
    for i, b in enumerate(bodies):
        fb = lay_flat(b, rng)
        lo, hi = fb.bbox()
        if i % cols == 0 and i:
            x, y, row_h = 0.0, y + row_h + gap, 0.0
        placed.append(E.Mesh(fb.v + [x - lo[0], y - lo[1], 0], fb.f))
        x += hi[0] - lo[0] + gap
        row_h = max(row_h, hi[1] - lo[1])
    return [out(E.concat(placed), {"bodies": 41, "slot": slot})]


def fam_decimate5(m, rng, ctx):
    d, p = quadric_decimate(m, 0.05)
    p.update(faces_in=m.nf, faces_out=d.nf)
    return [out(rigid(d, rng), p)]


def fam_bbox_box(m, rng, ctx):
    """A 12-triangle box of the part's bounding-box size: it must stay clean."""
    lo, hi = m.bbox()
    return [out(rigid(box(lo, hi), rng), {"size": E.rnd(hi - lo, 4)}, )]


def fam_debris(m, rng, ctx):
    """Small boxes beside the part (scan of a benign part with debris: must stay clean)."""
    p = lay_flat(m, rng)
    lo, hi = p.bbox()
    bodies, x = [p], hi[0] + 3
    for _ in range(int(rng.integers(3, 9))):
        s = rng.uniform(2, 30, 3)
        bodies.append(box([x, lo[1], 0], [x + s[0], lo[1] + s[1], s[2]]))
        x += s[0] + 3
    return [out(E.concat(bodies), {"boxes": len(bodies) - 1})]


# family -> (function, applies to parts, applies to benign sources)
FAMILIES = {
    "control": (fam_control, True, True),
    "raft": (fam_raft, True, True),
    "pillars": (fam_pillars, True, True),
    "hollow_box": (fam_hollow_box, True, True),
    "box_scaled": (fam_box_scaled, True, True),
    "cut_slanted": (fam_cut_slanted, True, True),
    "cut_parallel": (fam_cut_parallel, True, True),
    "slabs5": (fam_slabs5, True, True),
    "pieces8": (fam_pieces8, True, True),
    "offset_in": (_offset(-0.5), True, True),
    "offset_out": (_offset(0.5), True, True),
    "axis_scale": (fam_axis_scale, True, True),
    "shear": (fam_shear, True, True),
    "bend": (fam_bend, True, True),
    "twist": (fam_twist, True, True),
    "gcode_stripped": (fam_gcode_stripped, True, True),
    "plate40": (fam_plate40, True, True),
    "decimate5": (fam_decimate5, True, True),
    # whose result is benign whatever went in: a part's bounding box, debris beside a benign part
    "bbox_box": (fam_bbox_box, True, False),
    "debris": (fam_debris, False, True),
}


# --------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------

def references():
    refs = sorted(glob.glob(os.path.join(SHARED, "eval/dev/refs/*.stl")))
    return refs + sorted(glob.glob(os.path.join(REPO, "models/refs/*.stl")))


def corpus_sources(max_faces):
    """Public one-body closed files of ../shared/corpus, per its manifest, read by evalgen."""
    man = os.path.join(SHARED, "corpus/MANIFEST.tsv")
    if not os.path.exists(man):
        return []
    paths = []
    with open(man) as f:
        next(f)
        for line in f:
            c = line.rstrip("\n").split("\t")
            if len(c) < 8 or "closed; 1 body" not in c[7] or c[6] not in ("stl", "obj", "off", "ply"):
                continue
            try:
                tris = int(c[7].split("; ")[1].split()[0])
            except (IndexError, ValueError):
                continue
            if 300 <= tris <= max_faces:
                paths.append(os.path.join(SHARED, "corpus", c[0]))
    return sorted(paths)


def load(path):
    try:
        m = E.read_mesh(path)
    except Exception as e:  # malformed on purpose in the public corpus: skip, say which
        log("skip %s: %s" % (os.path.relpath(path, REPO), e))
        return None
    m = E.weld(m.v, m.f)
    if m.nf < 12 or m.diag() <= 0:
        log("skip %s: empty" % path)
        return None
    return m


class Ctx:
    def __init__(self, job, fillers):
        self.job = job
        self.fillers = fillers


def generate(args):
    out_dir = args.out
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(os.path.join(out_dir, "cases"))
    os.makedirs(os.path.join(out_dir, "refs"))
    E.detect_tools(True, not args.no_gcode)
    families = args.families.split(",") if args.families else list(FAMILIES)
    for f in families:
        if f not in FAMILIES:
            raise SystemExit("unknown family %r (known: %s)" % (f, ", ".join(FAMILIES)))
    if not E.Tools.slicer and "gcode_stripped" in families:
        log("no slicer: family gcode_stripped left out")
        families.remove("gcode_stripped")

    refs = references()
    with open(os.path.join(out_dir, "refs.tsv"), "w") as man:
        man.write("id\tlabel\tclass\tpath\n")
        for p in refs:
            rid = os.path.basename(p)[:-4]
            shutil.copyfile(p, os.path.join(out_dir, "refs", rid + ".stl"))
            man.write("%s\t%s\treference\trefs/%s.stl\n" % (rid, rid.replace("_", " "), rid))
    pick = E.derive_rng(args.seed, "pick")
    parts = [refs[i] for i in sorted(pick.choice(len(refs), min(args.parts, len(refs)), replace=False))]
    benign_pool = sorted(glob.glob(os.path.join(REPO, "models/benign/*.stl"))) + corpus_sources(args.max_faces)
    hard_pool = sorted(glob.glob(os.path.join(REPO, "models/hard/*.stl")))
    sources = [(p, "positive") for p in parts]
    loaded_benign = []
    for i in pick.permutation(len(benign_pool)):
        if len(loaded_benign) >= args.benign:
            break
        m = load(benign_pool[i])
        if m is not None and m.nf <= args.max_faces:
            loaded_benign.append(benign_pool[i])
    sources += [(p, "benign") for p in sorted(loaded_benign)]
    sources += [(hard_pool[i], "hard_negative") for i in sorted(pick.choice(len(hard_pool), args.hard, replace=False))]
    # plate fillers: every benign look-alike of ours (never a reference)
    fillers = [(os.path.basename(p)[:-4], load(p)) for p in sorted(glob.glob(os.path.join(REPO, "models/benign/*.stl")))]
    ctx = Ctx(os.path.join(out_dir, ".work"), [f for f in fillers if f[1] is not None])

    rows, t0 = [], time.time()
    for path, kind in sources:
        sid = "".join(c if c.isalnum() or c in "-_" else "_" for c in os.path.basename(path).rsplit(".", 1)[0])
        m = load(path)
        if m is None:
            continue
        for fam in families:
            fn, on_parts, on_benign = FAMILIES[fam]
            if not (on_parts if kind == "positive" else on_benign):
                continue
            rng = E.derive_rng(args.seed, fam, sid)
            try:
                outs = fn(m, rng, ctx)
            except (E.MeshError, ValueError, np.linalg.LinAlgError) as e:
                log("%s on %s failed: %s" % (fam, sid, e))
                continue
            case_kind = kind if fam not in ("bbox_box", "debris") else "benign"
            folder = None
            for o in outs:
                # names say nothing of the family or the part: the scanner sees what an uploader sends
                if o["folder"] and folder is None:
                    folder = "cases/%s_%04d" % (o["folder"], len(rows))
                    os.makedirs(os.path.join(out_dir, folder))
                name = "%s/case_%04d%s" % (folder if o["folder"] else "cases", len(rows), o["ext"])
                group = "%s%s/%s" % (fam, "_batch" if o["folder"] else "", sid)
                data = o["mesh"] if isinstance(o["mesh"], bytes) else E.write_stl_binary(o["mesh"])
                with open(os.path.join(out_dir, name), "wb") as fh:
                    fh.write(data)
                params = dict(o["params"], family=fam + ("_batch" if o["folder"] else ""), group=group,
                              source=sid)
                ref_id = sid if case_kind == "positive" else "-"
                rows.append((name, case_kind, params["family"], ref_id, json.dumps(params, sort_keys=True)))
        log("%s (%s): %d files so far, %.0f s" % (sid, kind, len(rows), time.time() - t0))
    with open(os.path.join(out_dir, "truth.tsv"), "w") as f:
        f.write("path\tkind\ttransform\tref_id\tparams\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    shutil.rmtree(ctx.job, ignore_errors=True)
    log("wrote %d cases to %s (seed %d, %d parts, %d benign, %d hard)" % (
        len(rows), out_dir, args.seed, len(parts), len(loaded_benign), args.hard))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--parts", type=int, default=10, help="references attacked (of 20)")
    ap.add_argument("--benign", type=int, default=6, help="benign sources put through the same attacks")
    ap.add_argument("--hard", type=int, default=2, help="hard negatives (models/hard) put through them")
    ap.add_argument("--families", default="", help="comma-separated subset (default: all)")
    ap.add_argument("--max-faces", type=int, default=8000, help="largest benign source used")
    ap.add_argument("--no-gcode", action="store_true", help="skip slicing")
    generate(ap.parse_args(argv))


if __name__ == "__main__":
    main()
