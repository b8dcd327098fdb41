#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) into build-fuzz/ and
# runs each for SECONDS (default 30), seeded from models/ (and ../shared/corpus
# STL files when present). Crashing inputs are left in build-fuzz/crashes/.
#   tests/fuzz/run.sh [SECONDS]
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-30}
out=$here/build-fuzz
command -v clang++ >/dev/null || { echo "fuzz: clang++ not installed (apt-get install clang)" >&2; exit 2; }
cmake -S "$here" -B "$out" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
  -DMESHSENTRY_TESTS=OFF -DMESHSENTRY_BENCH=OFF -DMESHSENTRY_FUZZ=ON >/dev/null
cmake --build "$out" -j"$(nproc)" --target fuzz_stl_reader fuzz_signature_reader >/dev/null
mkdir -p "$out/seeds/stl" "$out/seeds/msig" "$out/crashes"
cp "$here"/models/*/*.stl "$out/seeds/stl/" 2>/dev/null || true
[ -d "$here/../shared/corpus" ] && find "$here/../shared/corpus" -iname '*.stl' -size -200k -exec cp {} "$out/seeds/stl/" \; 2>/dev/null || true
cp "$here/signatures/demo.msig" "$out/seeds/msig/"
for t in stl_reader:stl signature_reader:msig; do
  target=${t%%:*} seeds=${t##*:}
  echo "fuzz: $target for ${secs}s"
  "$out/engine/fuzz_$target" -max_total_time="$secs" -max_len=200000 -rss_limit_mb=2048 \
    -artifact_prefix="$out/crashes/$target-" "$out/seeds/$seeds" 2>&1 | tail -2
done
