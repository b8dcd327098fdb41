#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The dev-set table of docs/results.md, from the JSON files of one scoring run.

    bash bench/score_dev.sh ../shared/eval/dev OUT --fpfh
    /usr/bin/python3 bench/results_md.py OUT > table.md

Reads what bench/score_dev.sh leaves in OUT (the output of
../shared/tools/score/score.py --out): meshsentry.json, sha256.json and
d2.json, and when present meshsentry-no-pieces.json (--no-pieces) and
fpfh.json (--fpfh). Prints Markdown to stdout: a caption line naming the set,
then one table with recall per transform of the positives, benign files and
hard negatives flagged, and files/s, one column per scanner. Only the
Python standard library is used; run it with Debian's /usr/bin/python3.
"""
import json
import os
import sys

# Columns, in order: file in OUT, header. Missing optional files are left out.
SCANNERS = (
    ("meshsentry.json", "meshsentry", True),
    ("meshsentry-no-pieces.json", "`--no-pieces`", False),
    ("d2.json", "D2", True),
    ("fpfh.json", "FPFH+RANSAC", False),
    ("sha256.json", "SHA-256", True),
)

# Rows of positives: label, transforms pooled in the row. Transforms of the set
# that no row names get a row of their own after these.
GROUPS = (
    ("copy_ascii / copy_binary", ("copy_ascii", "copy_binary")),
    ("format_3mf", ("format_3mf",)),
    ("format_obj / _off / _ply", ("format_obj", "format_off", "format_ply")),
    ("rigid / scale / mirror", ("rigid", "scale", "mirror")),
    ("shuffle", ("shuffle",)),
    ("zip", ("zip",)),
    ("subdivide", ("subdivide",)),
    ("noise", ("noise",)),
    ("decimate", ("decimate",)),
    ("plate", ("plate",)),
    ("modify (holes, bosses)", ("modify",)),
    ("dummy material", ("dummy_material",)),
    ("split pieces (≥30%), verdict `suspect`", ("split",)),
    ("G-code", ("gcode",)),
)


def load(out_dir):
    cols = []
    for fname, header, required in SCANNERS:
        path = os.path.join(out_dir, fname)
        if not os.path.exists(path):
            if required:
                sys.exit("results_md: %s is missing (run bench/score_dev.sh first)" % path)
            continue
        with open(path, encoding="utf-8") as f:
            cols.append((header, json.load(f)))
    return cols


def f3(x):
    return "-" if x is None else "%.3f" % x


def recall_cell(res, transforms):
    """Pooled recall of the transforms; one value per transform when they differ."""
    per = res.get("per_transform", {}).get("positive", {})
    ds = [per[t] for t in transforms if t in per]
    if not ds:
        return "-"
    recalls = [d.get("recall") for d in ds]
    unread = all(d.get("errors", 0) == d["n"] for d in ds) and all(r == 0 for r in recalls)
    if len(set(recalls)) == 1:
        cell = f3(recalls[0])
    else:
        cell = " / ".join(f3(r) for r in recalls)
    return cell + (" (cannot read)" if unread else "")


def n_cell(res, transforms):
    per = res.get("per_transform", {}).get("positive", {})
    return str(sum(per[t]["n"] for t in transforms if t in per))


def rate(x):
    if x is None:
        return "-"
    return "%.0f" % x if x >= 100 else ("%.1f" % x if x >= 1 else "%.3g" % x)


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        sys.stdout.write(__doc__)
        return 0 if len(argv) == 2 else 2
    cols = load(argv[1])
    ref = cols[0][1]  # meshsentry's run names the set and its truth
    ov = ref["overall"]
    groups = list(GROUPS)
    named = {t for _, ts in groups for t in ts}
    for t in sorted(ref.get("per_transform", {}).get("positive", {})):
        if t not in named:
            groups.append((t, (t,)))

    lines = []
    scan = ref.get("scan", {})
    lines.append("Set `%s`: %s files, %d positives, %d benign, %d hard negatives; scored %s."
                 % (os.path.basename(ref.get("set", "?").rstrip("/")) or ref.get("set"),
                    scan.get("files", "?"), ov["positive"]["n"], ov["benign"]["n"],
                    ov["hard_negative"]["n"], ref.get("created", "?")))
    lines.append("")
    lines.append("| transform | n | " + " | ".join(h for h, _ in cols) + " |")
    lines.append("|---|---:|" + "---:|" * len(cols))
    for label, ts in groups:
        if not any(t in ref.get("per_transform", {}).get("positive", {}) for t in ts):
            continue
        lines.append("| %s | %s | %s |" % (label, n_cell(ref, ts),
                                            " | ".join(recall_cell(r, ts) for _, r in cols)))

    def row(label, n, fn):
        lines.append("| %s | %s | %s |" % (label, n, " | ".join(fn(r) for _, r in cols)))

    row("all positives", ov["positive"]["n"], lambda r: f3(r["overall"].get("recall")))
    row("**benign files flagged**", ov["benign"]["n"], lambda r: str(r["overall"]["benign"]["flagged"]))
    row("hard negatives flagged", ov["hard_negative"]["n"],
        lambda r: str(r["overall"]["hard_negative"]["flagged"]))
    if ov.get("variant", {}).get("n"):
        row("near variants reported as the part (`match`)", ov["variant"]["n"],
            lambda r: str(r["overall"].get("variant", {}).get("called_identical", "-")))
    row("files/s (whole scan, process start included)", "",
        lambda r: rate(r.get("scan", {}).get("files_per_s")))
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
