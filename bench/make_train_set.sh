#!/usr/bin/env bash
# Builds the calibration set that the match thresholds were chosen on: our own
# stand-in references (models/refs), benign look-alikes (models/benign, 60
# corpus files) and hard negatives (models/hard), through the same evalgen as
# the evaluation sets, so that no threshold is fitted to the dev set.
#   bench/make_train_set.sh OUTDIR              the calibration set (seed 7)
#   bench/make_train_set.sh OUTDIR --check SEED a check set: every transform
#       (cut pieces, holes, G-code too), 80 corpus files, another seed; made
#       after the thresholds, it shows how they carry over to new variants
# Needs Debian's python3-numpy and openscad (for dummy_material unions), and
# prusa-slicer for the G-code of a check set.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: make_train_set.sh OUTDIR [--check SEED]}
seed=7 corpus=60
transforms=--transforms=copy_ascii,copy_binary,rigid,scale,mirror,shuffle,format_obj,format_ply,format_off,format_3mf,decimate,subdivide,noise,plate,zip,dummy_material
counts=--counts=subdivide=2
if [ "${2:-}" = --check ]; then
  seed=${3:?usage: make_train_set.sh OUTDIR --check SEED}
  corpus=80 transforms= counts=
fi
cd "$here/../shared"
/usr/bin/python3 tools/evalgen/evalgen.py --refs "$here/models/refs" --benign "$here/models/benign" \
  --benign corpus@$corpus --hard-negatives "$here/models/hard" --out "$out" --seed "$seed" --per-ref 3 \
  ${counts:+"$counts"} ${transforms:+"$transforms"} \
  --max-faces 30000 --subdivide-max-faces 16000 --plate-max-faces 5000 --max-copy-bytes 1000000 \
  --benign-transformed 0.4 --jobs 2 --force
