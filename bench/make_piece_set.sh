#!/usr/bin/env bash
# Builds the calibration set the cut-piece thresholds were chosen on: our own
# stand-in references (models/refs) cut into pieces (evalgen "split": pieces
# of 30% or more are positives, smaller ones hard negatives) and with holes
# added ("modify"), plus benign look-alikes and hard negatives, so that no
# threshold is fitted to the dev set.
#   bench/make_piece_set.sh OUTDIR
# Then: meshsentry sig build --manifest OUTDIR/refs.tsv --out OUTDIR.msig
#       /usr/bin/python3 ../shared/tools/score/score.py --set OUTDIR \
#         --scanner build/meshsentry ...
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: make_piece_set.sh OUTDIR}
cd "$here/../shared"
/usr/bin/python3 tools/evalgen/evalgen.py --refs "$here/models/refs" --benign "$here/models/benign" \
  --hard-negatives "$here/models/hard" --out "$out" --seed 11 --per-ref 6 \
  --transforms split,modify --max-faces 30000 --jobs 1 --force
