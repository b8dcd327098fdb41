#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Score distributions for choosing the match threshold.

Reads the TSV of bench/descriptor_distances (every case against every
signature: descriptor distance, and for pairs inside the verification gate the
coverage at 1% and 3% of the RMS radius) and the set's truth.tsv, then prints:
  - per positive transform, the distribution of the verified score
    (coverage within 3%) of the true signature;
  - the highest scores of negatives: benign files, hard negatives, and
    positives against the wrong signature;
  - recall per transform and false positives at a given gate and threshold.

    build/bench/descriptor_distances SIG.msig SET 0.5 > d.tsv
    bench/calibrate.py d.tsv SET/truth.tsv [--gate 0.25] [--threshold 0.9]
"""
import argparse
import collections
import csv
import json


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("distances")
    ap.add_argument("truth")
    ap.add_argument("--gate", type=float, default=0.25)
    ap.add_argument("--threshold", type=float, default=0.90)
    a = ap.parse_args()
    truth = {r["path"]: r for r in csv.DictReader(open(a.truth), delimiter="\t")}
    best = {}  # (path, signature) -> score over shapes
    for r in csv.DictReader(open(a.distances), delimiter="\t"):
        score = float(r["coverage3"]) if float(r["total"]) <= a.gate else 0.0
        k = (r["path"], r["signature"])
        best[k] = max(best.get(k, 0.0), score)

    true_scores = collections.defaultdict(list)
    negatives = []
    per_file = collections.defaultdict(list)
    for (path, sig), score in best.items():
        per_file[path].append((score, sig))
        t = truth[path]
        kind = t["kind"]
        if kind == "positive" and sig == t["ref_id"]:
            key = t["transform"]
            if key == "decimate":
                key += " %.1f" % json.loads(t["params"])["target_ratio"]
            true_scores[key].append(score)
        elif kind == "positive":
            negatives.append((score, "wrong signature", t["transform"], sig, path))
        elif kind == "benign" or (kind == "hard_negative" and t["transform"] == "copy"):
            negatives.append((score, kind, t["transform"], sig, path))

    print("## verified score of the true signature, per transform\n")
    print("| transform | n | min | p5 | p10 | median | recall at %.2f |" % a.threshold)
    print("|---|---:|---:|---:|---:|---:|---:|")
    for key, v in sorted(true_scores.items()):
        v.sort()
        pick = lambda q: v[min(len(v) - 1, int(q * len(v)))]
        recall = sum(s >= a.threshold for s in v) / len(v)
        print("| %s | %d | %.3f | %.3f | %.3f | %.3f | %.3f |" % (key, len(v), v[0], pick(.05), pick(.10), pick(.5), recall))
    print("\n## highest negative scores\n")
    print("| score | kind | transform | signature | file |")
    print("|---:|---|---|---|---|")
    negatives.sort(reverse=True)
    for n in negatives[:15]:
        print("| %.3f | %s | %s | %s | %s |" % n)
    flagged = [n for n in negatives if n[0] >= a.threshold and n[1] != "wrong signature"]
    print("\nnegatives at or above %.2f: %d (%s)" % (a.threshold, len(flagged),
          ", ".join(sorted(set(n[1] for n in flagged))) or "none"))


if __name__ == "__main__":
    main()
