#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Renders an HTML evidence report in headless Chromium and checks that the
# screenshot is a real page: produced, not tiny, not one flat colour. Skips
# (exit 0) where Chromium is not installed; CI does not install it.
#   tests/report/screenshot.sh MESHSENTRY_CLI SOURCE_DIR OUT_DIR
# Leaves OUT_DIR/report.html and OUT_DIR/report.png for a person to look at.
set -euo pipefail
cli=$1 src=$2 out=$3
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "screenshot: chromium not installed, skipped"
  exit 0
fi
rm -rf "$out/inputs" "$out/report.html" "$out/report.png"
mkdir -p "$out/inputs"

# Inputs that show each kind of card: a reference moved, turned and scaled
# (a verified pose), one inside a zip (an archive member), a broken file
# (the error table) and a name that needs escaping.
/usr/bin/python3 - "$src/models" "$out/inputs" <<'PY'
import math, struct, sys, zipfile
models, dest = sys.argv[1], sys.argv[2]
data = open(f"{models}/refs/timing_pulley_20t.stl", "rb").read()
(n,) = struct.unpack("<I", data[80:84])
ca, sa, cb, sb = math.cos(0.6), math.sin(0.6), math.cos(-0.35), math.sin(-0.35)
moved = bytearray(data[:84])
for i in range(n):
    rec = data[84 + 50 * i:134 + 50 * i]
    v = struct.unpack("<12f", rec[:48])
    moved += struct.pack("<3f", 0, 0, 0)
    for k in range(3):
        x, y, z = v[3 + 3 * k:6 + 3 * k]
        x, y = x * ca - y * sa, x * sa + y * ca
        y, z = y * cb - z * sb, y * sb + z * cb
        moved += struct.pack("<3f", 1.5 * x + 40, 1.5 * y - 10, 1.5 * z + 5)
    moved += rec[48:50]
open(f"{dest}/pulley_moved.stl", "wb").write(moved)
with zipfile.ZipFile(f"{dest}/parts.zip", "w", zipfile.ZIP_DEFLATED) as z:
    z.write(f"{models}/refs/star_knob_5lobe.stl", "parts/star_knob.stl")
    z.write(f"{models}/benign/knob_fluted.stl", "parts/knob_fluted.stl")
open(f"{dest}/broken.stl", "w").write("solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0")
open(f"{dest}/<rack> & \"copy\".stl", "wb").write(open(f"{models}/refs/gear_rack_m2.stl", "rb").read())
PY

set +e
"$cli" scan --quiet --signatures "$src/signatures/demo.msig" --report "$out/report.html" \
  "$out/inputs" "$src/models/refs/hinge_leaf_3knuckle.stl" "$src/models/benign" >/dev/null
code=$?
set -e
[ "$code" -eq 1 ] || { echo "screenshot: expected exit status 1 (flagged), got $code" >&2; exit 1; }

# A private profile, so a desktop session's Chromium is neither used nor touched.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
  --screenshot="$out/report.png" --window-size=1280,2000 "file://$out/report.html" >/dev/null 2>&1 || true
[ -s "$out/report.png" ] || { echo "screenshot: chromium wrote no screenshot" >&2; exit 1; }

# Decode the PNG with the standard library only and look at its pixels.
/usr/bin/python3 - "$out/report.png" <<'PY'
import struct, sys, zlib

data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
assert len(data) > 20_000, f"only {len(data)} bytes: a blank page?"
pos, idat, ihdr = 8, b"", None
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        ihdr = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
w, h, depth, ctype, _, _, interlace = ihdr
assert depth == 8 and ctype in (2, 6) and interlace == 0, f"unexpected PNG layout {ihdr}"
bpp = 3 if ctype == 2 else 4
raw, stride = zlib.decompress(idat), w * bpp
prev, colours, lum = bytearray(stride), set(), []
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):  # undo the PNG row filters
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    prev = line
    if y % 4 == 0:
        for x in range(0, w, 4):
            r, g, b = line[x * bpp:x * bpp + 3]
            colours.add((r, g, b))
            lum.append(0.299 * r + 0.587 * g + 0.114 * b)
mean = sum(lum) / len(lum)
sd = (sum((v - mean) ** 2 for v in lum) / len(lum)) ** 0.5
assert len(colours) > 64 and sd > 10, f"{len(colours)} colours, luminance sd {sd:.1f}: a flat page"
print(f"screenshot: {w}x{h}, {len(data)} bytes, {len(colours)} colours and luminance sd {sd:.1f} in a 1/16 sample: ok")
PY
