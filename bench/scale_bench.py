#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Scale benchmark: what a larger signature set costs and whether detection
holds. In one run:

  1. makes distinct procedural stand-in parts (bench/scale_parts.py) as
     distractors, and builds ONE set from the dev references followed by the
     largest count of distractors (timed: CPU-s, peak memory and bytes per
     reference), in chunks up to each size; every set is the first entries
     of the chunks joined (bench sig_subset), so each holds the dev
     references and the same distractors as the next smaller one;
  2. per set and per scanner build: the CPU time of opening the set (a scan
     of an empty folder), and of scanning a fixed mix (the first N clean and
     N positive dev files, -j 1), rounds interleaved over sets and builds so
     the drifts of a shared machine fall on all alike; per file:
     (mix - open) / files, median over the rounds;
  3. with --detect, the whole dev set scanned with every set: recall as
     score.py counts it (a match with the part on top), positives flagged
     (match or suspect) with their part on top, benign and hard-negative
     files matched and flagged, and the files a distractor tops.

Ratios are against the smallest set of the same build in the same run, and
between builds (the first --meshsentry is the reference).

  bench/scale_bench.py --sizes 100,500,2000 [--meshsentry NAME=PATH ...]
                       [--work DIR] [--rounds 3] [--mix 40] [--detect]

Built chunks are kept in --work (keyed by their range and the parts' seed)
and reused by a later run, timings included; delete them to time the build
again.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEV = os.path.normpath(os.path.join(ROOT, "..", "shared", "eval", "dev"))


def child_cpu():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_cpu(cmd, **kw):
    """CPU seconds (user + system, the command and its children) and wall seconds."""
    c0, t0 = child_cpu(), time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    return child_cpu() - c0, time.perf_counter() - t0, p


def read_truth(set_dir):
    rows = []
    with open(os.path.join(set_dir, "truth.tsv")) as f:
        head = f.readline().rstrip("\n").split("\t")
        for line in f:
            rows.append(dict(zip(head, line.rstrip("\n").split("\t"))))
    return rows


def make_manifest(dev, parts_dir, count, out):
    """Dev references, then the first `count` distractors, with absolute paths."""
    lines = []
    for src, limit in ((os.path.join(dev, "refs.tsv"), None), (os.path.join(parts_dir, "refs.tsv"), count)):
        base = os.path.dirname(os.path.abspath(src))
        with open(src) as f:
            head = f.readline()
            rows = [l.rstrip("\n").split("\t") for l in f if l.strip()]
        for r in rows[:limit]:
            r[3] = os.path.join(base, r[3])
            lines.append("\t".join(r))
    with open(out, "w") as f:
        f.write("id\tlabel\tclass\tpath\n" + "\n".join(lines) + "\n")
    return len(lines)


def build_set(ms, work, dev, sizes, seed, bounds):
    """The references in chunks (the first `sizes[0]`, then up to each next
    size), each built once and timed; every set is the first entries of the
    chunks joined (bench sig_subset)."""
    n_dev = sum(1 for _ in open(os.path.join(dev, "refs.tsv"))) - 1
    largest = max(sizes)
    parts = os.path.join(work, f"parts-{seed}")
    if not os.path.exists(os.path.join(parts, "refs.tsv")) or \
            sum(1 for _ in open(os.path.join(parts, "refs.tsv"))) - 1 < largest - n_dev:
        subprocess.run([sys.executable, os.path.join(HERE, "scale_parts.py"), parts, "--count",
                        str(max(0, largest - n_dev)), "--seed", str(seed)], check=True)
    manifest = os.path.join(work, f"refs-{largest}-s{seed}.tsv")
    make_manifest(dev, parts, largest - n_dev, manifest)
    rows = open(manifest).read().splitlines()
    chunks, total, lo = [], {"entries": 0, "cpu_s": 0.0, "wall_s": 0.0, "bytes": 0, "peak_kib": 0}, 0
    for s in sorted(set(b for b in bounds if b < largest) | {largest}):
        chunk = os.path.join(work, f"chunk-{lo}-{s}-s{seed}.msig")
        info_path = chunk + ".json"
        if not os.path.exists(info_path):
            part_manifest = os.path.join(work, f"chunk-{lo}-{s}-s{seed}.tsv")
            with open(part_manifest, "w") as f:
                f.write("\n".join([rows[0]] + rows[1 + lo:1 + s]) + "\n")
            # A child of its own, so its peak memory is its own.
            cmd = [sys.executable, "-c", "import resource,subprocess,sys,json;"
                   "p=subprocess.run(sys.argv[1:]);"
                   "print(json.dumps([p.returncode,resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))",
                   ms, "sig", "build", "--manifest", part_manifest, "--out", chunk, "--created", "2026-01-01T00:00:00Z"]
            cpu, wall, p = run_cpu(cmd)
            rc, peak = json.loads(p.stdout.decode().strip().splitlines()[-1])
            if rc != 0:
                sys.exit("scale_bench: sig build failed: " + p.stderr.decode(errors="replace"))
            with open(info_path, "w") as f:
                json.dump({"entries": s - lo, "cpu_s": cpu, "wall_s": wall, "bytes": os.path.getsize(chunk),
                           "peak_kib": peak}, f)
        info = json.load(open(info_path))
        for k in ("entries", "cpu_s", "wall_s", "bytes"):
            total[k] += info[k]
        total["peak_kib"] = max(total["peak_kib"], info["peak_kib"])
        chunks.append(chunk)
        lo = s
    subset = os.path.join(ROOT, "build", "bench", "sig_subset")
    sets = {}
    for s in sizes:
        path = os.path.join(work, f"set-{s}-s{seed}.msig")
        if not os.path.exists(path):
            subprocess.run([subset, path, str(s)] + chunks, check=True)
        sets[s] = path
    return sets, total


def mix_files(dev, per_kind):
    rows = read_truth(dev)
    clean = [r["path"] for r in rows if r["kind"] == "benign"][:per_kind]
    pos = [r["path"] for r in rows if r["kind"] == "positive"][:per_kind]
    return [os.path.join(dev, p) for p in clean + pos]


def detection(ms, sig, dev, work, tag):
    out = os.path.join(work, f"detect-{tag}.jsonl")
    with open(out, "wb") as f:
        subprocess.run([ms[0], "scan", "--signatures", sig, "--format", "jsonl", "--no-timing"] + ms[1:] +
                       [os.path.join(dev, "cases")], stdout=f, stderr=subprocess.DEVNULL)
    return summarize(out, dev)


def summarize(jsonl, dev):
    """Detection from a scan of the set, joined to truth.tsv by the contract's own scorer. score.py
    counts a match as flagged; EVAL-FORMAT counts a suspect too, so both are given."""
    sys.path.insert(0, os.path.normpath(os.path.join(ROOT, "..", "shared", "tools", "score")))
    import score

    recs = [json.loads(l) for l in open(jsonl) if l.strip()]
    rows, _ = score.evaluate(dev, recs, os.getcwd())
    # The same join with every suspect read as a match: score.py merges a suspect into clean.
    either = [dict(r, verdict="match" if r["verdict"] == "suspect" else r["verdict"]) for r in recs]
    rows2, _ = score.evaluate(dev, either, os.getcwd())
    dev_ids = {r["ref_id"] for r in rows if r["ref_id"] not in ("", "-")}
    pos = [r for r in rows if r["kind"] == "positive"]
    pos2 = [r for r in rows2 if r["kind"] == "positive"]
    neg = [r for r in rows if r["kind"] in ("benign", "hard_negative")]
    neg2 = [r for r in rows2 if r["kind"] in ("benign", "hard_negative")]
    return {"recall": sum(r["identified"] for r in pos) / max(1, len(pos)),
            "found": sum(r["identified"] for r in pos2),
            "n_pos": len(pos),
            "benign_match": sum(r["flagged"] for r in neg),
            "benign_flags": sum(r["flagged"] for r in neg2),
            "n_neg": len(neg),
            "distractor_top": sum(1 for r in rows2 if r["flagged"] and r["top"] and r["top"] not in dev_ids),
            "jsonl": jsonl}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100,500,2000", help="total signatures per set (dev references included)")
    ap.add_argument("--meshsentry", action="append", default=[], metavar="NAME=PATH",
                    help="a build to measure (repeatable; default build/meshsentry); the first builds the sets. "
                    "PATH may carry scan options after spaces: 'nofused=build/meshsentry --no-fused'")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "meshsentry-scale"),
                    help="where parts, chunks and sets are kept between runs (default: the system temp folder)")
    ap.add_argument("--set", default=DEV, help="evaluation set (default ../shared/eval/dev)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--chunks", default="", help="where the built chunks end (default: the sizes); sets of any "
                    "size up to the largest are cut from them, so a chunk once built serves every later run")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--mix", type=int, default=40, help="clean and positive files each in the timed mix")
    ap.add_argument("--detect", action="store_true", help="also scan the whole set with every set")
    a = ap.parse_args()
    sizes = sorted(int(s) for s in a.sizes.split(","))
    builds = [tuple(b.split("=", 1)) for b in a.meshsentry] or [("build", os.path.join(ROOT, "build", "meshsentry"))]
    builds = [(name, cmd.split()) for name, cmd in builds]
    os.makedirs(a.work, exist_ok=True)
    empty = os.path.join(a.work, "empty")
    os.makedirs(empty, exist_ok=True)
    bounds = [int(c) for c in a.chunks.split(",") if c] or sizes
    sets, info = build_set(builds[0][1][0], a.work, a.set, sizes, a.seed, bounds)
    files = mix_files(a.set, a.mix)
    print(f"set build ({builds[0][0]}): {info['entries']} references, {info['cpu_s'] / info['entries']:.3f} CPU-s "
          f"and {info['bytes'] / info['entries'] / 1024:.0f} KiB per reference, peak {info['peak_kib'] / 1024:.0f} MiB (largest chunk) "
          f"({info['wall_s']:.0f} s wall)")
    print(f"mix: {len(files)} files; {a.rounds} rounds, CPU time, -j 1")

    opens = {(b, s): [] for b, _ in builds for s in sizes}
    mixes = {(b, s): [] for b, _ in builds for s in sizes}
    for r in range(a.rounds):
        order = [(b, p, s) for b, p in builds for s in sizes]
        order = order[r % len(order):] + order[:r % len(order)]
        for b, ms, s in order:
            cpu, _, _ = run_cpu([ms[0], "scan", "-j", "1", "--signatures", sets[s], "--format", "jsonl", empty])
            opens[(b, s)].append(cpu)
            cpu, _, p = run_cpu([ms[0], "scan", "-j", "1", "--signatures", sets[s], "--format", "jsonl",
                                 "--no-timing"] + ms[1:] + files)
            if p.returncode > 2:
                sys.exit(f"scale_bench: {b} scan failed: " + p.stderr.decode(errors="replace"))
            mixes[(b, s)].append(cpu)
            print(f"  round {r + 1} {b} {s}: open {opens[(b, s)][-1] * 1e3:.0f} ms, mix {cpu:.2f} s", file=sys.stderr)

    det = {}
    if a.detect:
        for b, ms in builds:
            for s in sizes:
                det[(b, s)] = detection(ms, sets[s], a.set, a.work, f"{b}-{s}")

    print()
    print("| build | signatures | per file (ms CPU) | ratio to smallest | ratio to " + builds[0][0] +
          " | open (ms CPU) |" + (" recall (match, part on top) | positives flagged with their part (match or suspect) |"
          " benign matched | benign flagged (match or suspect) | files a distractor tops |" if det else ""))
    print("|---|---|---|---|---|---|" + ("---|---|---|---|---|" if det else ""))
    per_file = {}
    for b, _ in builds:
        for s in sizes:
            op = statistics.median(opens[(b, s)])
            per_file[(b, s)] = (statistics.median([m - o for m, o in zip(mixes[(b, s)], opens[(b, s)])])
                                / len(files) * 1e3)
    for b, _ in builds:
        for s in sizes:
            pf = per_file[(b, s)]
            line = (f"| {b} | {s} | {pf:.1f} | {pf / per_file[(b, sizes[0])]:.2f} | "
                    f"{pf / per_file[(builds[0][0], s)]:.2f} | {statistics.median(opens[(b, s)]) * 1e3:.0f} |")
            if det:
                d = det[(b, s)]
                line += (f" {d['recall']:.3f} | {d['found']}/{d['n_pos']} | {d['benign_match']}/{d['n_neg']} |"
                         f" {d['benign_flags']}/{d['n_neg']} | {d['distractor_top']} |")
            print(line)
    if len(sizes) >= 2:
        for b, _ in builds:
            lo, hi = sizes[0], sizes[-1]
            slope = (per_file[(b, hi)] - per_file[(b, lo)]) / (hi - lo)
            base = per_file[(b, lo)] - slope * lo
            print(f"{b}: per file ~ {base:.1f} ms + {slope * 1e3:.2f} us per signature (line through {lo} and {hi}); "
                  f"extrapolated: 10,000 -> {base + slope * 1e4:.0f} ms, "
                  f"{(base + slope * 1e4) / per_file[(b, lo)]:.2f}x the {lo}-signature cost")
    if det and len(builds) > 1:
        for s in sizes:
            same = all(open(det[(b, s)]["jsonl"], "rb").read() == open(det[(builds[0][0], s)]["jsonl"], "rb").read()
                       for b, _ in builds)
            print(f"dev-set JSONL with {s} signatures identical across builds: {same}")


if __name__ == "__main__":
    main()
