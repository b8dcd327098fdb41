#!/usr/bin/env bash
# Detection quality and speed on an evaluation set, meshsentry next to the
# baselines, all scored by ../shared/tools/score/score.py in one run.
#   bench/score_dev.sh [SETDIR] [OUTDIR] [--fpfh] [--no-pieces]
# SETDIR defaults to ../shared/eval/dev, OUTDIR to a new temp folder. --fpfh
# adds the Open3D FPFH+RANSAC baseline (needs python3-open3d; about half an
# hour on 2 cores). --no-pieces adds a run with the cut-piece search off
# (bench/no_pieces.sh). Prints each scanner's table and the side-by-side comparison.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
set_dir=${1:-$here/../shared/eval/dev}
out=${2:-$(mktemp -d)}
fpfh=0
no_pieces=0
for a in "$@"; do [ "$a" = "--fpfh" ] && fpfh=1; [ "$a" = "--no-pieces" ] && no_pieces=1; done
score=$here/../shared/tools/score
py=/usr/bin/python3
[ -d "$set_dir" ] || { echo "score_dev: no evaluation set at $set_dir" >&2; exit 2; }
[ -x "$here/build/meshsentry" ] || { echo "score_dev: build first (bash .ci/build)" >&2; exit 2; }
mkdir -p "$out"
run() {  # name, scanner command, extra score.py flags
  local name=$1 cmd=$2; shift 2
  echo "== $name" >&2
  "$py" "$score/score.py" --set "$set_dir" --scanner "$cmd" --name "$name" \
      --workdir "$out/$name" --out "$out/$name.json" "$@" > "$out/$name.md"
}
run meshsentry "$here/build/meshsentry"
run sha256 "$py $score/baselines/sha256.py"
run d2 "$py $score/baselines/d2.py"
results=("$out/meshsentry.json" "$out/sha256.json" "$out/d2.json")
if [ "$no_pieces" = 1 ]; then
  run meshsentry-no-pieces "$here/bench/no_pieces.sh"
  results+=("$out/meshsentry-no-pieces.json")
fi
if [ "$fpfh" = 1 ]; then
  run fpfh "$py $score/baselines/fpfh_ransac.py --threads 2" --timeout 7200
  results+=("$out/fpfh.json")
fi
cat "$out/meshsentry.md"
echo
"$py" "$score/score.py" --compare "${results[@]}" | tee "$out/compare.md"
echo "results in $out" >&2
