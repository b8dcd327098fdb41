#!/usr/bin/env bash
# Installs the build tree into a temporary prefix, then builds and runs a
# separate CMake project that find_package()s it (C++, and C-only:
# tests/consumer_c), a C program built with pkg-config's flags against the
# shared library (whose SONAME and exports it checks), runs the installed CLI
# with its installed demo set, and imports the installed Python module.
#   tests/consumer/run.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cmake -S "$src/tests/consumer" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$tmp/build" >/dev/null
"$tmp/build/consumer" "$tmp/prefix/share/meshsentry/demo.msig" "$src/models/refs/gear_rack_m2.stl" | grep '"verdict":"match"' >/dev/null

# The shared C library: its SONAME, and nothing exported but the C API.
lib=$(ls "$tmp"/prefix/lib*/libmeshsentry.so.0)
headers=$(objdump -p "$lib")
grep -q 'SONAME *libmeshsentry\.so\.0$' <<<"$headers" || { echo "consumer: no SONAME libmeshsentry.so.0" >&2; exit 1; }
if extra=$(nm -D --defined-only "$lib" | awk '$3 !~ /^ms_/ && $3 != "MESHSENTRY_0"' | grep .); then
  echo "consumer: libmeshsentry.so exports more than ms_*:" >&2
  head <<<"$extra" >&2
  exit 1
fi
# expect_flagged CMD...: the command prints a match record and exits 1.
expect_flagged() {
  local out rc=0
  out=$("$@") || rc=$?
  [ "$rc" -eq 1 ] || { echo "consumer: $1 exited $rc, expected 1 (flagged)" >&2; exit 1; }
  grep -q '"verdict":"match"' <<<"$out" || { echo "consumer: $1 printed no match" >&2; exit 1; }
}
# A C-only CMake project: find_package() must work without a C++ compiler.
cmake -S "$src/tests/consumer_c" -B "$tmp/build-c" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER=/nonexistent/c++ --no-warn-unused-cli >/dev/null
cmake --build "$tmp/build-c" >/dev/null
for exe in c_consumer c_consumer_engine; do
  expect_flagged "$tmp/build-c/$exe" "$tmp/prefix/share/meshsentry/demo.msig" "$src/models/refs/gear_rack_m2.stl"
done
# A C program built with pkg-config's flags alone.
export PKG_CONFIG_PATH=$(dirname "$lib")/pkgconfig
# (A sanitized library, .ci/sanitize, needs its runtime first in the program.)
sanitize=()
! grep -q 'NEEDED *libasan' <<<"$headers" || sanitize=(-fsanitize=address,undefined)
cc -std=c99 -Wall -Werror "${sanitize[@]}" -o "$tmp/c_pkgconfig" "$src/tests/consumer_c/main.c" \
  $(pkg-config --cflags --libs meshsentry)
expect_flagged env LD_LIBRARY_PATH="$(pkg-config --variable=libdir meshsentry)" "$tmp/c_pkgconfig" "$tmp/prefix/share/meshsentry/demo.msig" "$src/models/refs/gear_rack_m2.stl"
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
