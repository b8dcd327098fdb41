#!/usr/bin/python3
"""Stress sets: every reference at several strengths of one evasion, to see
where detection breaks rather than whether one draw passes.

  bench/stress_set.py OUT --noise       noise on the welded vertices, sigma
                                        0.4-0.7% of the diagonal, 2 draws each
  bench/stress_set.py OUT --decimate    vertex clustering to 50/35/20% of the
                                        triangles: in the reference's frame (the
                                        grid from its box's corner, as evalgen
                                        and the signatures' coarse views do),
                                        with the grid shifted by a random part
                                        of a cell, and turned; hard negatives too
  bench/stress_set.py OUT --report SCAN.jsonl
                                        recall per strength (and hard negatives
                                        reported as the part they resemble)

References: ../shared/eval/dev/refs (when present) and models/refs. OUT gets
cases/, refs.tsv and truth.tsv in the layout of ../shared/EVAL-FORMAT.md, so
`meshsentry sig build --manifest OUT/refs.tsv` and bench/score_dev.sh work on
it. Uses the generator's own mesh code (../shared/tools/evalgen); seeded, so
the set is the same on every run. Run with Debian's /usr/bin/python3.
"""
import collections
import glob
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SHARED = os.path.join(REPO, "..", "shared")


def references():
    refs = sorted(glob.glob(os.path.join(SHARED, "eval/dev/refs/*.stl")))
    return refs + sorted(glob.glob(os.path.join(REPO, "models/refs/*.stl")))


def shifted_decimate(E, m, target, rng):
    """evalgen's clustering and bisection, with the grid's corner moved by a
    random part of a cell on each axis: the same coarseness, another phase."""
    lo_b, hi_b = m.bbox()
    frac = rng.uniform(0.1, 0.9, 3)
    def run(cell):
        q = np.floor((m.v - lo_b + frac * cell) / cell).astype(np.int64)
        dims = q.max(0) + 1
        key = (q[:, 0] * dims[1] + q[:, 1]) * dims[2] + q[:, 2]
        uk, inv = np.unique(key, return_inverse=True)
        cnt = np.bincount(inv, minlength=len(uk)).astype(np.float64)
        nv = np.stack([np.bincount(inv, weights=m.v[:, k], minlength=len(uk)) for k in range(3)], 1) / cnt[:, None]
        f = inv[m.f]
        f = f[(f[:, 0] != f[:, 1]) & (f[:, 1] != f[:, 2]) & (f[:, 0] != f[:, 2])]
        if len(f):
            _, idx = np.unique(np.sort(f, axis=1), axis=0, return_index=True)
            f = f[np.sort(idx)]
        return E.clean(E.Mesh(nv, f))
    ext = float(np.max(hi_b - lo_b)) or 1.0
    lo, hi, best = ext * 1e-6, ext * 0.5, None
    for _ in range(28):
        mid = np.sqrt(lo * hi)
        r = run(mid)
        if r.nf > target:
            lo = mid
        else:
            hi, best = mid, (r, mid)
        if best is not None and abs(best[0].nf - target) <= max(2, 0.03 * target):
            break
    return best if best is not None else (run(hi), hi)


def make(out, mode):
    sys.path.insert(0, os.path.join(SHARED, "tools/evalgen"))
    import evalgen as E
    os.makedirs(os.path.join(out, "cases"), exist_ok=True)
    rng = np.random.default_rng(606 if mode == "decimate" else 77)
    phase = np.random.default_rng(607)  # its own stream: the other cases stay as they were
    rows = []

    def emit(mesh, kind, ref_id, params):
        name = "cases/case_%04d.stl" % len(rows)
        with open(os.path.join(out, name), "wb") as f:
            f.write(E.write_stl_binary(mesh))
        rows.append((name, kind, mode, ref_id, json.dumps(params, sort_keys=True)))

    with open(os.path.join(out, "refs.tsv"), "w") as man:
        man.write("id\tlabel\tclass\tpath\n")
        for p in references():
            rid = os.path.basename(p)[:-4]
            man.write("%s\t%s\treference\t%s\n" % (rid, rid.replace("_", " "), os.path.abspath(p)))
    for p in references():
        rid = os.path.basename(p)[:-4]
        m = E.read_mesh(p)
        m = E.weld(m.v, m.f)  # neighbouring triangles share (and move with) their vertices
        if mode == "noise":
            for sigma in (0.004, 0.005, 0.006, 0.007):
                for _ in range(2):
                    mm = E.Mesh(m.v + rng.normal(scale=sigma * m.diag(), size=m.v.shape), m.f)
                    emit(E.apply_affine(mm, E.random_rotation(rng)[0]), "positive", rid, {"level": sigma})
        else:
            for ratio in (0.5, 0.35, 0.2):
                for turned in (False, True):
                    mm = E.apply_affine(m, E.random_rotation(rng)[0]) if turned else m
                    d, cell = E.cluster_decimate(mm, max(4, int(m.nf * ratio)))
                    emit(d, "positive", rid, {"level": ratio, "turned": turned, "faces_in": m.nf,
                                              "faces_out": d.nf, "cell": round(cell, 6)})
                d, cell = shifted_decimate(E, m, max(4, int(m.nf * ratio)), phase)
                emit(d, "positive", rid, {"level": ratio, "shifted": True, "faces_in": m.nf,
                                          "faces_out": d.nf, "cell": round(cell, 6)})
    if mode == "decimate":
        for p in sorted(glob.glob(os.path.join(REPO, "models/hard/*.stl"))):
            resembles = os.path.basename(p).split("__")[0]
            m = E.read_mesh(p)
            m = E.weld(m.v, m.f)
            for ratio in (0.5, 0.2):
                d, _ = E.cluster_decimate(E.apply_affine(m, E.random_rotation(rng)[0]), max(4, int(m.nf * ratio)))
                emit(d, "hard_negative", "-", {"level": ratio, "resembles": resembles})
    with open(os.path.join(out, "truth.tsv"), "w") as t:
        t.write("path\tkind\ttransform\tref_id\tparams\n")
        for r in rows:
            t.write("\t".join(r) + "\n")
    print("%s: %d files (%s)" % (out, len(rows), mode))


def report(out, scan):
    results = {}
    with open(scan) as f:
        for line in f:
            r = json.loads(line)
            results[os.path.normpath(os.path.join(out, r["path"])) if not os.path.isabs(r["path"])
                    else os.path.normpath(r["path"])] = r
    found, total, wrong = collections.Counter(), collections.Counter(), collections.Counter()
    missed = []
    with open(os.path.join(out, "truth.tsv")) as f:
        next(f)
        for line in f:
            path, kind, _, ref_id, params = line.rstrip("\n").split("\t")
            p = json.loads(params)
            r = results.get(os.path.normpath(os.path.join(out, path)))
            if r is None:
                continue
            flagged = [m["signature"] for m in r.get("matches", [])]
            if kind == "positive":
                frame = "turned" if p.get("turned") else "shifted" if p.get("shifted") else "own frame"
                key = "%s, %s" % (p["level"], frame) if "faces_in" in p else p["level"]  # decimate: by grid
                total[key] += 1
                ok = bool(flagged) and flagged[0] == ref_id
                found[key] += ok
                if not ok:
                    missed.append("%s (%s at %s)" % (path, ref_id, p["level"]))
            else:
                total["hard negatives"] += 1
                wrong["hard negatives"] += p["resembles"] in flagged
    for level in sorted((k for k in total if k != "hard negatives"), key=str):
        print("level %-20s found %3d of %3d" % (level, found[level], total[level]))
    if total["hard negatives"]:
        print("hard negatives reported as the part they resemble: %d of %d"
              % (wrong["hard negatives"], total["hard negatives"]))
    for m in missed:
        print("  missed", m)


def main():
    args = sys.argv[1:]
    if len(args) == 3 and args[1] == "--report":
        report(args[0], args[2])
    elif len(args) == 2 and args[1] in ("--noise", "--decimate"):
        make(args[0], args[1][2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
