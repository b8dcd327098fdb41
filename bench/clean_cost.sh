#!/usr/bin/env bash
# What a clean file costs: the median per-file scan time of the benign files
# of an evaluation set with descriptors alone (--global-only), with
# verification (--no-fused), and with every stage (the default), measured in
# one run, interleaved, 3 rounds each, one thread (so times are per file).
#   bench/clean_cost.sh [SETDIR]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
set_dir=${1:-$here/../shared/eval/dev}
[ -f "$set_dir/truth.tsv" ] || { echo "clean_cost: no evaluation set at $set_dir" >&2; exit 2; }
[ -x "$here/build/meshsentry" ] || { echo "clean_cost: build first (bash .ci/build)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$here/build/meshsentry" sig build --manifest "$set_dir/refs.tsv" --out "$tmp/set.msig" >/dev/null
awk -F'\t' -v d="$set_dir" '$2 == "benign" { print d "/" $1 }' "$set_dir/truth.tsv" > "$tmp/files"
for round in 1 2 3; do
  for mode in global-only no-fused all; do
    flag=--$mode; [ "$mode" = all ] && flag=
    xargs -a "$tmp/files" -d '\n' "$here/build/meshsentry" scan --signatures "$tmp/set.msig" --format jsonl \
      --threads 1 $flag > "$tmp/$mode.$round.jsonl" 2>/dev/null || true
  done
done
/usr/bin/python3 - "$tmp" <<'PY'
import json, statistics, sys, glob, os
tmp = sys.argv[1]
med = {}
for mode in ("global-only", "no-fused", "all"):
    per_file = {}
    for f in glob.glob(os.path.join(tmp, mode + ".*.jsonl")):
        for line in open(f):
            r = json.loads(line)
            if "!/" in r["path"] or "elapsed_ms" not in r:
                continue
            per_file.setdefault(r["path"], []).append(r["elapsed_ms"])
    med[mode] = statistics.median(statistics.median(v) for v in per_file.values())
    print("%-12s median per benign file %7.2f ms over %d files" % (mode, med[mode], len(per_file)))
print("ratio verified / global-only: %.2f" % (med["no-fused"] / med["global-only"]))
print("ratio all stages / global-only: %.2f   (issue 3 target: at most 2)" % (med["all"] / med["global-only"]))
PY
