#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Per-family table of an adversary set's scan (bench/adversary.py).

  bench/adversary_report.py SET SCAN.jsonl [--json OUT.json] [--list]

SET is the folder bench/adversary.py wrote (its truth.tsv is read); SCAN.jsonl is
`meshsentry scan --format jsonl SET/cases`. Per family:

  parts          attacked parts (a part cut into pieces counts once: its pieces
                 share a group in truth.tsv)
  caught         parts with at least one file flagged (verdict match or suspect)
  right on top   parts with a flagged file whose first match is the part itself
  score, cov     mean score and coverage of the best flagged file's first match,
                 over the caught parts
  benign         benign files (and hard negatives) made by the same attack, and how
                 many of them were flagged

--list adds every flagged benign file and every missed part; --selftest checks these
counting rules on a made-up set. Run with /usr/bin/python3.
"""
import argparse
import collections
import json
import os
import shutil
import sys

FLAGGED = ("match", "suspect")


def read_truth(set_dir):
    rows = []
    with open(os.path.join(set_dir, "truth.tsv")) as f:
        next(f)
        for line in f:
            c = line.rstrip("\n").split("\t")
            if len(c) >= 5:
                rows.append({"path": c[0], "kind": c[1], "transform": c[2], "ref_id": c[3],
                             "params": json.loads(c[4]) if c[4] else {}})
    return rows


def read_scan(path, set_dir, truth_paths):
    """Scan records keyed by the path relative to SET (the scan prints what it was given)."""
    root = os.path.realpath(set_dir)
    by_suffix = {p: p for p in truth_paths}
    recs = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            p = r.get("path", "")
            rel = os.path.relpath(os.path.realpath(p), root) if os.path.isabs(p) else os.path.normpath(p)
            if rel not in by_suffix:
                hit = [t for t in truth_paths if p.endswith("/" + t) or p == t]
                if not hit:
                    continue
                rel = hit[0]
            recs[rel] = r
    return recs


def top(rec):
    m = rec.get("matches") or []
    return m[0] if m else None


def summarize(truth, scan):
    fams = collections.OrderedDict()
    for t in truth:
        fam = t["params"].get("family", t["transform"])
        d = fams.setdefault(fam, {"groups": collections.OrderedDict(), "neg": [], "missing": 0})
        rec = scan.get(t["path"])
        if rec is None:
            d["missing"] += 1
            continue
        flagged = rec.get("verdict") in FLAGGED
        if t["kind"] == "positive":
            g = d["groups"].setdefault(t["params"].get("group", t["path"]),
                                       {"ref": t["ref_id"], "files": []})
            g["files"].append((t["path"], rec, flagged))
        else:
            d["neg"].append((t["path"], t["kind"], rec, flagged))
    table = []
    for fam, d in fams.items():
        caught = right = 0
        scores, covs, missed = [], [], []
        for gid, g in d["groups"].items():
            hits = [(p, r) for p, r, fl in g["files"] if fl]
            if not hits:
                missed.append(gid)
                continue
            caught += 1
            if any((top(r) or {}).get("signature") == g["ref"] for _, r in hits):
                right += 1
            best = max((top(r) for _, r in hits), key=lambda m: m.get("score", 0))
            scores.append(best.get("score", 0.0))
            covs.append(best.get("coverage", 0.0))
        neg_fl = [(p, k, r) for p, k, r, fl in d["neg"] if fl]
        table.append({"family": fam, "parts": len(d["groups"]), "caught": caught, "right_on_top": right,
                      "mean_score": sum(scores) / len(scores) if scores else None,
                      "mean_coverage": sum(covs) / len(covs) if covs else None,
                      "benign_files": len(d["neg"]), "benign_flagged": len(neg_fl),
                      "missing": d["missing"], "missed_parts": missed,
                      "flagged_benign": [{"path": p, "kind": k, "verdict": r.get("verdict"),
                                          "top": top(r)} for p, k, r in neg_fl]})
    return table


def fmt(x):
    return "-" if x is None else "%.2f" % x


def markdown(table):
    L = ["| family | parts | caught | right on top | score | coverage | benign flagged |",
         "|---|---|---|---|---|---|---|"]
    tot = collections.Counter()
    for r in table:
        parts = "%d/%d" % (r["caught"], r["parts"]) if r["parts"] else "-"
        right = "%d/%d" % (r["right_on_top"], r["parts"]) if r["parts"] else "-"
        L.append("| %s | %d | %s | %s | %s | %s | %d/%d |" % (
            r["family"], r["parts"], parts, right, fmt(r["mean_score"]), fmt(r["mean_coverage"]),
            r["benign_flagged"], r["benign_files"]))
        for k in ("parts", "caught", "right_on_top", "benign_files", "benign_flagged", "missing"):
            tot[k] += r[k]
    L.append("| **all** | %d | %d/%d | %d/%d | | | %d/%d |" % (
        tot["parts"], tot["caught"], tot["parts"], tot["right_on_top"], tot["parts"],
        tot["benign_flagged"], tot["benign_files"]))
    if tot["missing"]:
        L.append("")
        L.append("%d files of truth.tsv had no scan record (counted as not flagged)." % tot["missing"])
    return "\n".join(L)


def listing(table):
    L = []
    for r in table:
        for b in r["flagged_benign"]:
            t = b["top"] or {}
            L.append("flagged %s %s: %s as %s score %s coverage %s reason %s" % (
                b["kind"], b["path"], b["verdict"], t.get("signature"), fmt(t.get("score")),
                fmt(t.get("coverage")), t.get("reason", "-")))
        for g in r["missed_parts"]:
            L.append("missed %s" % g)
    return "\n".join(L)


def selftest():
    """The counting rules on a made-up set: a cut part counts once, right only when a flagged
    piece names it first, benign files counted per file; paths as the scan prints them."""
    import tempfile
    d = tempfile.mkdtemp(prefix="adv-report-")
    truth = [("cases/a.stl", "positive", "cut", "p1", {"family": "cut", "group": "cut/p1"}),
             ("cases/b.stl", "positive", "cut", "p1", {"family": "cut", "group": "cut/p1"}),
             ("cases/c.stl", "positive", "cut", "p1", {"family": "cut", "group": "cut/p1"}),
             ("cases/d.stl", "positive", "cut", "p2", {"family": "cut", "group": "cut/p2"}),
             ("cases/e.stl", "positive", "cut", "p3", {"family": "cut", "group": "cut/p3"}),
             ("cases/f.stl", "benign", "cut", "-", {"family": "cut", "group": "cut/x"}),
             ("cases/g.stl", "benign", "cut", "-", {"family": "cut", "group": "cut/x"}),
             ("cases/h.stl", "positive", "raft", "p1", {"family": "raft", "group": "raft/p1"})]
    with open(os.path.join(d, "truth.tsv"), "w") as f:
        f.write("path\tkind\ttransform\tref_id\tparams\n")
        for r in truth:
            f.write("\t".join(r[:4]) + "\t" + json.dumps(r[4]) + "\n")

    def rec(p, verdict, sig=None, score=0.5, cov=0.4):
        m = [{"signature": sig, "score": score, "coverage": cov}] if sig else []
        return {"path": p, "verdict": verdict, "matches": m}
    scan = [rec(os.path.join(d, "cases/a.stl"), "suspect", "p9", 0.3, 0.2),
            rec(os.path.join(d, "cases/b.stl"), "match", "p1", 0.9, 0.6),
            rec("cases/c.stl", "clean"),
            rec(os.path.join(d, "cases/d.stl"), "suspect", "p7"),
            rec(os.path.join(d, "cases/e.stl"), "clean"),
            rec(os.path.join(d, "cases/f.stl"), "suspect", "p1"),
            rec(os.path.join(d, "cases/g.stl"), "clean")]  # h.stl: no record
    with open(os.path.join(d, "scan.jsonl"), "w") as f:
        f.write("\n".join(json.dumps(r) for r in scan) + "\n")
    t = read_truth(d)
    rows = {r["family"]: r for r in summarize(t, read_scan(os.path.join(d, "scan.jsonl"), d,
                                                           [x["path"] for x in t]))}
    cut, raft = rows["cut"], rows["raft"]
    checks = [(cut["parts"], 3), (cut["caught"], 2), (cut["right_on_top"], 1),
              (round(cut["mean_score"], 3), 0.7), (cut["benign_files"], 2), (cut["benign_flagged"], 1),
              (cut["missed_parts"], ["cut/p3"]), (raft["caught"], 0), (raft["missing"], 1)]
    bad = [(got, want) for got, want in checks if got != want]
    shutil.rmtree(d)
    if bad:
        print("selftest FAILED: (got, want) %s" % bad)
        return 1
    print("selftest passed (%d checks)" % len(checks))
    return 0


def main(argv=None):
    if argv is None and sys.argv[1:] == ["--selftest"] or argv == ["--selftest"]:
        return selftest()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("set")
    ap.add_argument("scan")
    ap.add_argument("--json", help="write the table as JSON here too")
    ap.add_argument("--list", action="store_true", help="list flagged benign files and missed parts")
    a = ap.parse_args(argv)
    truth = read_truth(a.set)
    table = summarize(truth, read_scan(a.scan, a.set, [t["path"] for t in truth]))
    print(markdown(table))
    if a.list:
        print()
        print(listing(table))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(table, f, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
