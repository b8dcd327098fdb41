#!/usr/bin/python3
"""Coarse benign meshes, to measure what the decimation allowance risks.

Every benign stand-in (models/benign) and every STL/OBJ/PLY of ../shared/corpus
with 40 to 200,000 triangles is decimated by evalgen's vertex clustering to
50% and to 20% of its triangles and written to OUTDIR as binary STL. Scan
OUTDIR with any signature set: nothing should be flagged.
    /usr/bin/python3 bench/decimate_benign.py OUTDIR
"""
import glob
import os
import re
import sys

here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
shared = os.path.join(here, "..", "shared")
sys.path.insert(0, os.path.join(shared, "tools", "evalgen"))
import evalgen  # noqa: E402


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: decimate_benign.py OUTDIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    sources = sorted(glob.glob(os.path.join(here, "models", "benign", "*.stl")))
    for ext in ("stl", "obj", "ply"):
        sources += sorted(glob.glob(os.path.join(shared, "corpus", "**", "*." + ext), recursive=True))
    used = written = 0
    for path in sources:
        try:
            mesh = evalgen.read_mesh(path)
        except Exception:  # malformed corpus files are the loader tests' business
            continue
        if not 40 <= mesh.nf <= 200000:
            continue
        for ratio in (0.5, 0.2):
            coarse, _ = evalgen.cluster_decimate(mesh, max(4, int(mesh.nf * ratio)))
            if coarse.nf < 4:
                continue
            stem = re.sub(r"[^A-Za-z0-9]+", "_", os.path.basename(path))[:40]
            name = "%04d_%s_%d.stl" % (used, stem, int(ratio * 10))
            with open(os.path.join(out, name), "wb") as f:
                f.write(evalgen.write_stl_binary(coarse))
            written += 1
        used += 1
    print("%d coarse meshes from %d sources in %s" % (written, used, out))


if __name__ == "__main__":
    main()
