#!/usr/bin/env bash
# What a clean file costs: the median per-file scan time of the benign files
# of an evaluation set with descriptors alone (the global-only baseline), with
# verification, and with every stage (the default), measured in one process
# by build/bench/clean_cost, the modes interleaved per file (see its header).
#   bench/clean_cost.sh [SETDIR] [--rounds N]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
set_dir=$here/../shared/eval/dev
[ $# -gt 0 ] && [ "${1#--}" = "$1" ] && { set_dir=$1; shift; }
[ -f "$set_dir/truth.tsv" ] || { echo "clean_cost: no evaluation set at $set_dir" >&2; exit 2; }
[ -x "$here/build/bench/clean_cost" ] || { echo "clean_cost: build first (bash .ci/build)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$here/build/meshsentry" sig build --manifest "$set_dir/refs.tsv" --out "$tmp/set.msig" >/dev/null
"$here/build/bench/clean_cost" "$tmp/set.msig" "$set_dir" "$@"
