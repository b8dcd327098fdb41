#!/usr/bin/env bash
# Installs the build tree into a temporary prefix, then builds and runs a
# separate CMake project that find_package()s it, runs the installed CLI with
# its installed demo set, and imports the installed Python module.
#   tests/consumer/run.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cmake -S "$src/tests/consumer" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$tmp/build" >/dev/null
"$tmp/build/consumer" "$tmp/prefix/share/meshsentry/demo.msig" "$src/models/refs/gear_rack_m2.stl" | grep -q '"verdict":"match"'
# The installed command finds its demo set without --signatures.
out=$(env -u MESHSENTRY_SIGNATURES "$tmp/prefix/bin/meshsentry" scan --format jsonl "$src/models/refs/gear_rack_m2.stl") \
  && { echo "consumer: expected exit status 1 (flagged)" >&2; exit 1; }
grep -q '"verdict":"match"' <<<"$out"
if [ -d "$tmp/prefix/lib/python3/dist-packages" ]; then
  PYTHONPATH="$tmp/prefix/lib/python3/dist-packages" /usr/bin/python3 -c \
    "import meshsentry, sys; e = meshsentry.Engine(sys.argv[1]); assert e.scan(sys.argv[2]).verdict == 'match'" \
    "$tmp/prefix/share/meshsentry/demo.msig" "$src/models/refs/gear_rack_m2.stl"
fi
echo "consumer: installed library, CLI and module work"
