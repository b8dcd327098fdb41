#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""G-code without the slicer's help, end to end: slices stand-in parts with
PrusaSlicer, writes each print in several flavours that must all read the
same, scans them and prints a table of parts caught per set and flavour.

Sets (each a signature set of its own, built with `meshsentry sig build`):
  cal     ../shared/eval/dev/refs.tsv (12 parts): what the thresholds were tuned on
  report  signatures/demo.tsv (8 parts) and 8 procedural parts of
          bench/scale_parts.py (seed 20): held out
Benign prints (must not be flagged): models/benign (10) against both sets,
and models/hard (16 near variants of the demo parts) against the report set.

Flavours of each print:
  typed     PrusaSlicer's own output (";TYPE:External perimeter", ...)
  stripped  every comment removed (sed '/^;/d; s/;.*//'): bench/adversary.py's gcode_stripped
  cura      ";TYPE:" values renamed as Cura writes them (WALL-OUTER, SKIN, ...), other comments removed
  orca      ";TYPE:" values renamed as Orca/Bambu Studio write them (Outer wall, Top surface, ...)
  s3d       Simplify3D's feature comments ("; feature outer perimeter"), which carry no ";TYPE:"
  relative  the stripped print in relative coordinates (G91) and relative extrusion (M83)
  arcs      the stripped print with its circle-like runs written as G2/G3 arcs (I/J centres)

A part is caught when its file's verdict is "match" with the part's own
signature on top; "flagged" also counts "suspect". Slices are cached in WORK,
so a rerun after a rebuild only scans.

Usage: bench/gcode_stripped.py [--work DIR] [--build DIR] [--jobs N]
"""
import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DEV = os.path.join(REPO, "..", "shared", "eval", "dev")
FLAVOURS = ("typed", "stripped", "cura", "orca", "s3d", "relative", "arcs")

CURA = {"external perimeter": "WALL-OUTER", "overhang perimeter": "WALL-OUTER", "perimeter": "WALL-INNER",
        "solid infill": "SKIN", "top solid infill": "SKIN", "bridge infill": "SKIN", "internal infill": "FILL",
        "skirt/brim": "SKIRT", "support material": "SUPPORT", "support material interface": "SUPPORT-INTERFACE",
        "gap fill": "FILL", "custom": "CUSTOM"}
ORCA = {"external perimeter": "Outer wall", "overhang perimeter": "Overhang wall", "perimeter": "Inner wall",
        "solid infill": "Internal solid infill", "top solid infill": "Top surface", "bridge infill": "Bridge",
        "internal infill": "Sparse infill", "skirt/brim": "Skirt", "support material": "Support",
        "gap fill": "Gap infill", "custom": "Custom"}
S3D = {"external perimeter": "outer perimeter", "overhang perimeter": "outer perimeter",
       "perimeter": "inner perimeter", "solid infill": "solid layer", "top solid infill": "solid layer",
       "bridge infill": "bridge", "internal infill": "infill", "skirt/brim": "skirt", "gap fill": "gap fill",
       "support material": "support"}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def read_manifest(tsv):
    """(id, absolute STL path) of a refs.tsv manifest."""
    base = os.path.dirname(os.path.abspath(tsv))
    rows = []
    with open(tsv) as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 4 or cols[0] == "id" or line.startswith("#"):
                continue
            rows.append((cols[0], os.path.normpath(os.path.join(base, cols[3]))))
    return rows


def slice_part(stl, out):
    """PrusaSlicer's G-code of `stl` as it lies (its defaults: 3 perimeters, stars infill, one skirt)."""
    if os.path.exists(out):
        return True
    tmp = out + ".tmp"
    cmd = ["prusa-slicer", "--export-gcode", "--layer-height", "0.2", "--first-layer-height", "0.2",
           "--bed-shape", "0x0,300x0,300x300,0x300", "--center", "150,150", "--loglevel", "1", "-o", tmp, stl]
    r = subprocess.run(cmd, capture_output=True, env=dict(os.environ, HOME="/tmp"), timeout=600)
    if r.returncode != 0 or not os.path.exists(tmp):
        log("slice failed:", stl, (r.stdout + r.stderr).decode("utf-8", "replace").strip().splitlines()[-1:])
        return False
    os.replace(tmp, out)
    return True


def strip(lines):
    out = []
    for line in lines:
        line = line.split(";", 1)[0].rstrip()
        if line:
            out.append(line)
    return out


def retyped(lines, table, fmt):
    """Type comments renamed with `table` and written by `fmt`; every other comment removed."""
    out = []
    for line in lines:
        if line.startswith(";TYPE:"):
            name = table.get(line[6:].strip().lower())
            if name:
                out.append(fmt % name)
            continue
        line = line.split(";", 1)[0].rstrip()
        if line:
            out.append(line)
    return out


WORD = re.compile(r"([A-Za-z])([-+]?[0-9.]+)")


def relative(lines):
    """The (comment-free) moves with X, Y, Z in G91 and E in M83 steps; positions kept exactly."""
    pos = {"X": 0.0, "Y": 0.0, "Z": 0.0, "E": 0.0}  # where the printer is
    sent = dict(pos)  # the sum of the steps written so far
    abs_xyz = abs_e = True
    out = ["G91", "M83"]
    for line in lines:
        words = line.split()
        cmd = words[0].upper() if words else ""
        if cmd in ("G90", "G91", "M82", "M83"):
            abs_xyz = {"G90": True, "G91": False}.get(cmd, abs_xyz)
            abs_e = {"G90": True, "G91": False, "M82": True, "M83": False}.get(cmd, abs_e)
            continue
        if cmd == "G92":
            for w in words[1:]:
                k = w[0].upper()
                if k in pos:
                    pos[k] = sent[k] = float(w[1:])
            out.append(line)
            continue
        if cmd not in ("G0", "G1"):
            out.append(line)
            continue
        moved = [cmd]
        for w in words[1:]:
            k = w[0].upper()
            if k not in pos:
                moved.append(w)
                continue
            v = float(w[1:])
            target = v if (abs_e if k == "E" else abs_xyz) else pos[k] + v
            step = round(target - sent[k], 6)
            sent[k] += step
            pos[k] = target
            moved.append("%s%.6f" % (k, step))
        out.append(" ".join(moved))
    return out


def arcs(lines):
    """Runs of 4+ extrusion moves whose ends lie on one circle (within 2 um) written as one G2/G3
    each, as arc-fitting slicers do (Orca, Bambu Studio, PrusaSlicer 2.6+)."""
    out, x, y = [], 0.0, 0.0
    run = []  # (x, y, e, line) of consecutive absolute G1 extrusions

    def circle(p, q, r):
        ax, ay = p
        bx, by = q
        cx, cy = r
        d = 2 * (ax * (by - cy) + bx * (cy - ay) + cx * (ay - by))
        if abs(d) < 1e-9:
            return None
        ux = ((ax * ax + ay * ay) * (by - cy) + (bx * bx + by * by) * (cy - ay) + (cx * cx + cy * cy) * (ay - by)) / d
        uy = ((ax * ax + ay * ay) * (cx - bx) + (bx * bx + by * by) * (ax - cx) + (cx * cx + cy * cy) * (bx - ax)) / d
        return ux, uy

    def flush(start):
        pts = [start] + [(px, py) for px, py, _, _ in run]
        i = 0
        while i < len(run):
            j = i + 3
            c = None
            if j < len(run) + 1:
                c = circle(pts[i], pts[i + 1], pts[i + 2])
            best = i
            if c:
                r0 = math.hypot(pts[i][0] - c[0], pts[i][1] - c[1])
                k = i + 2
                turn = None
                while k < len(run) and r0 < 50:
                    rk = math.hypot(pts[k + 1][0] - c[0], pts[k + 1][1] - c[1])
                    cross = (pts[k][0] - c[0]) * (pts[k + 1][1] - c[1]) - (pts[k][1] - c[1]) * (pts[k + 1][0] - c[0])
                    t = cross > 0
                    if abs(rk - r0) > 0.002 or (turn is not None and t != turn):
                        break
                    turn = t
                    k += 1
                if k - i >= 4:
                    best = k
            if best > i:
                sx, sy = pts[i]
                ex, ey, e, _ = run[best - 1]
                g = "G3" if turn else "G2"
                out.append("%s X%.5f Y%.5f I%.5f J%.5f E%.5f" % (g, ex, ey, c[0] - sx, c[1] - sy, e))
                i = best
            else:
                out.append(run[i][3])
                i += 1

    start = (0.0, 0.0)
    for line in lines + ["M400"]:
        w = dict((m.group(1).upper(), float(m.group(2))) for m in WORD.finditer(line[2:])) if line[:2] == "G1" else {}
        if line.startswith("G1 ") and "E" in w and ("X" in w or "Y" in w) and "Z" not in w:
            if not run:
                start = (x, y)
            x, y = w.get("X", x), w.get("Y", y)
            run.append((x, y, w["E"], line))
            continue
        if run:
            flush(start)
            run = []
        if line[:2] in ("G0", "G1"):
            w = dict((m.group(1).upper(), float(m.group(2))) for m in WORD.finditer(line[2:]))
            x, y = w.get("X", x), w.get("Y", y)
        if line.startswith(("G91", "M83")):
            raise SystemExit("arcs: absolute coordinates expected")
        out.append(line)
    return out


def coarse(lines, target):
    """Every k-th layer kept, k chosen for about `target` layers across the print: the
    extrusions of the other layers become travel moves, as a print in layers k times as thick."""
    zs, z = [], None
    for line in lines:
        if line.startswith(("G1 ", "G0 ")) and " Z" in line:
            z = float(line.split(" Z", 1)[1].split()[0])
            if not zs or z > zs[-1] + 1e-6:
                zs.append(z)
    k = max(1, round(len(zs) / target))
    keep = set(zs[k - 1::k])
    out, z = [], None
    for line in lines:
        if line.startswith(";HEIGHT:"):
            continue  # the layers are thicker now: their height comes from the steps
        if line.startswith(("G1 ", "G0 ")) and " Z" in line:
            z = float(line.split(" Z", 1)[1].split()[0])
        if z is not None and z not in keep and line.startswith("G1 ") and " E" in line and (" X" in line or " Y" in line):
            line = " ".join(w for w in line.split() if not w.startswith("E"))
        out.append(line)
    return out, len(keep)


def flavour(lines, name):
    if name == "typed":
        return lines
    if name == "stripped":
        return strip(lines)
    if name == "cura":
        return retyped(lines, CURA, ";TYPE:%s")
    if name == "orca":
        return retyped(lines, ORCA, ";TYPE:%s")
    if name == "s3d":
        return retyped(lines, S3D, "; feature %s")
    if name == "relative":
        return relative(strip(lines))
    if name == "arcs":
        return arcs(strip(lines))
    raise ValueError(name)


def write_flavours(src, folder, stem):
    with open(src, encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    for name in FLAVOURS:
        d = os.path.join(folder, name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, stem + ".gcode"), "w") as f:
            f.write("\n".join(flavour(lines, name)) + "\n")


def scan(ms, sig, folder):
    """stem -> (verdict, top signature, its score, reason, error) for the .gcode files of `folder`."""
    r = subprocess.run([ms, "scan", "--signatures", sig, "--format", "jsonl", "--no-timing", "--threads", "1", folder],
                       capture_output=True, text=True)
    if r.returncode > 2:
        raise SystemExit("scan failed: " + r.stderr[-500:])
    res = {}
    for line in r.stdout.splitlines():
        rec = json.loads(line)
        if "path" not in rec or not rec["path"].endswith(".gcode"):
            continue
        top = (rec.get("matches") or rec.get("candidates") or [{}])[0]  # the best near miss of a clean file
        res[os.path.basename(rec["path"])[:-6]] = (rec.get("verdict"), top.get("signature"), top.get("score", 0),
                                                  top.get("reason", ""), rec.get("error", ""))
    return res


def coarse_table(ms, msig, work, groups):
    """The calibration parts and the benign prints with their layers thinned to about 3-16
    across (stripped and typed): what a print too coarse to identify does."""
    print()
    print("| layers across | flavour | parts | caught | flagged (reason) | benign flagged (of) |")
    print("|---|---|---|---|---|---|")
    for target in (3, 5, 8, 12, 16):
        for fl in ("stripped", "typed"):
            row = {}
            for g, s in (("cal", "cal"), ("benign", "cal"), ("hard", "report")):
                d = os.path.join(work, "coarse", "%s_%d_%s" % (g, target, fl))
                os.makedirs(d, exist_ok=True)
                across = []
                for pid, _ in groups[g]:
                    src = os.path.join(work, "gcode", g, fl, pid + ".gcode")
                    if not os.path.exists(src):
                        continue
                    with open(src) as f:
                        lines, n = coarse(f.read().splitlines(), target)
                    across.append(n)
                    with open(os.path.join(d, pid + ".gcode"), "w") as f:
                        f.write("\n".join(lines) + "\n")
                row[g] = (scan(ms, msig[s], d), across)
            res = row["cal"][0]
            caught = sum(1 for pid, r in res.items() if r[0] == "match" and r[1] == pid)
            flagged = [r[3] or "match" for pid, r in res.items() if r[0] in ("match", "suspect") and r[1] == pid]
            reasons = ", ".join("%s %d" % (x, flagged.count(x)) for x in sorted(set(flagged)))
            bad = [pid for g in ("benign", "hard") for pid, r in row[g][0].items() if r[0] in ("match", "suspect")]
            nb = len(row["benign"][0]) + len(row["hard"][0])
            across = row["cal"][1]
            print("| %d-%d | %s | %d | %d | %d (%s) | %d of %d%s |" % (
                min(across), max(across), fl, len(res), caught, len(flagged), reasons, len(bad), nb,
                (" (" + ", ".join(bad) + ")") if bad else ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "gcode_stripped"),
                    help="where the sliced prints and sets go (default: gcode_stripped in the system temp folder)")
    ap.add_argument("--build", default=os.path.join(REPO, "build"))
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--detail", action="store_true", help="print every file's result")
    ap.add_argument("--coarse", action="store_true", help="also the table of prints thinned to a few layers")
    args = ap.parse_args()
    ms = os.path.join(args.build, "meshsentry")
    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    procedural = os.path.join(work, "procedural")
    if not os.path.exists(os.path.join(procedural, "refs.tsv")):
        subprocess.run(["/usr/bin/python3", os.path.join(HERE, "scale_parts.py"), procedural, "--count", "8", "--seed",
                        "20", "--prefix", "proc"], check=True, stdout=subprocess.DEVNULL)
    report_tsv = os.path.join(work, "report.tsv")
    with open(report_tsv, "w") as f:
        f.write("id\tlabel\tclass\tpath\n")
        for pid, path in read_manifest(os.path.join(REPO, "signatures", "demo.tsv")) + read_manifest(
                os.path.join(procedural, "refs.tsv")):
            f.write("%s\t%s\tstand-in\t%s\n" % (pid, pid, path))
    sets = {"cal": os.path.join(DEV, "refs.tsv"), "report": report_tsv}
    benign = [(os.path.splitext(n)[0], os.path.join(REPO, "models", "benign", n))
              for n in sorted(os.listdir(os.path.join(REPO, "models", "benign")))]
    hard = [(os.path.splitext(n)[0], os.path.join(REPO, "models", "hard", n))
            for n in sorted(os.listdir(os.path.join(REPO, "models", "hard")))]
    groups = {"cal": read_manifest(sets["cal"]), "report": read_manifest(sets["report"]), "benign": benign,
              "hard": hard}
    jobs = []
    for g, parts in groups.items():
        for pid, stl in parts:
            jobs.append((g, pid, stl))

    def prepare(job):
        g, pid, stl = job
        src = os.path.join(work, "sliced", g, pid + ".gcode")
        os.makedirs(os.path.dirname(src), exist_ok=True)
        if slice_part(stl, src):
            write_flavours(src, os.path.join(work, "gcode", g), pid)

    with ThreadPoolExecutor(max(1, args.jobs)) as ex:
        list(ex.map(prepare, jobs))
    msig = {}
    for s, tsv in sets.items():
        msig[s] = os.path.join(work, s + ".msig")
        subprocess.run([ms, "sig", "build", "--manifest", tsv, "--out", msig[s], "--created", "2026-01-01T00:00:00Z"],
                       check=True, stdout=subprocess.DEVNULL)
    print("| set | flavour | parts | caught | flagged | mean score (caught) |")
    print("|---|---|---|---|---|---|")
    for s in ("cal", "report"):
        for fl in FLAVOURS:
            res = scan(ms, msig[s], os.path.join(work, "gcode", s, fl))
            caught = [r for pid, r in res.items() if r[0] == "match" and r[1] == pid]
            flagged = [r for pid, r in res.items() if r[0] in ("match", "suspect") and r[1] == pid]
            mean = sum(r[2] for r in caught) / len(caught) if caught else 0
            print("| %s | %s | %d | %d | %d | %.2f |" % (s, fl, len(res), len(caught), len(flagged), mean))
            if args.detail:
                for pid, r in sorted(res.items()):
                    log("  %s %s %s: %s %s %.3f %s %s" % (s, fl, pid, r[0], r[1], r[2], r[3], r[4]))
    if args.coarse:
        coarse_table(ms, msig, work, groups)
    print()
    print("| benign prints | flavour | files | flagged | best score |")
    print("|---|---|---|---|---|")
    for g, s in (("benign", "cal"), ("benign", "report"), ("hard", "report")):
        for fl in FLAVOURS:
            res = scan(ms, msig[s], os.path.join(work, "gcode", g, fl))
            flagged = ["%s %s" % (pid, r[0]) for pid, r in sorted(res.items()) if r[0] in ("match", "suspect")]
            best = max((r[2] for r in res.values()), default=0)
            print("| %s vs %s | %s | %d | %d%s | %.2f |" % (g, s, fl, len(res), len(flagged),
                                                         (" (" + ", ".join(flagged) + ")") if flagged else "", best))


if __name__ == "__main__":
    main()
