#!/usr/bin/env bash
# Scan output of a build, for checking that a change is behaviour-neutral:
# builds a signature set from a set's references (fixed creation time) and
# scans its cases, models/ and the public corpus with --no-timing, one JSONL
# file each, under OUTDIR. Compare two such folders with `diff -r`.
#   bench/same_output.sh OUTDIR [BUILD_DIR (build)] [SETDIR (../shared/eval/dev)]
# SCAN_FLAGS (split on spaces) are added to every scan, e.g. --fork-per-file
# to compare the isolation pool with a child per file on one build.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: bench/same_output.sh OUTDIR [BUILD_DIR] [SETDIR]}
build=${2:-$here/build}
set_dir=${3:-$here/../shared/eval/dev}
ms=$build/meshsentry
[ -x "$ms" ] || { echo "same_output: no $ms (build first)" >&2; exit 2; }
mkdir -p "$out"
"$ms" sig build --manifest "$set_dir/refs.tsv" --out "$out/set.msig" --created 2026-01-01T00:00:00Z >/dev/null
scan() {  # name, signatures, paths...
  local name=$1 sig=$2; shift 2
  # shellcheck disable=SC2086
  "$ms" scan --signatures "$sig" --format jsonl --no-timing ${SCAN_FLAGS:-} "$@" > "$out/$name.jsonl" || [ $? -le 2 ]
}
scan set "$out/set.msig" "$set_dir/cases"
scan models "$here/signatures/demo.msig" "$here/models"
[ -d "$here/../shared/corpus" ] && scan corpus "$out/set.msig" "$here/../shared/corpus"
wc -l "$out"/*.jsonl >&2
