# SPDX-License-Identifier: MIT
# The Python module from Debian's python3: open, scan a file, bytes and a
# folder, errors as exceptions, scans from several threads at once.
#   PYTHONPATH=<dir of meshsentry*.so> python3 test_module.py SOURCE_DIR
import os
import sys
import threading

import meshsentry

src = sys.argv[1]
sigs = os.path.join(src, "signatures/demo.msig")
ref = os.path.join(src, "models/refs/gear_rack_m2.stl")
benign = os.path.join(src, "models/benign/knob_fluted.stl")

e = meshsentry.Engine(sigs)
assert meshsentry.__version__
assert e.signatures["entries"] >= 1 and len(e.signatures["sha256"]) == 64

r = e.scan(ref)
assert r["verdict"] == "match", r
assert r["matches"][0]["signature"] == "gear_rack_m2"
assert r["path"] == ref

assert e.scan(benign)["verdict"] == "clean"

# A cut piece: suspect by default, clean without the piece search.
piece = os.path.join(src, "models/test/piece_flange.stl")
r = e.scan(piece)
assert r["verdict"] == "suspect" and r["matches"][0]["verdict"] == "suspect", r
assert r["matches"][0]["signature"] == "flange_3hole" and r["matches"][0]["method"] == "piece"
assert meshsentry.Engine(sigs, pieces=False).scan(piece)["verdict"] == "clean"

with open(ref, "rb") as f:
    data = f.read()
r = e.scan_bytes(data, name="upload.stl")
assert r["path"] == "upload.stl" and r["verdict"] == "match"
assert e.scan_bytes(b"not a mesh", name="x.stl")["verdict"] == "error"

rs = e.scan_paths([os.path.join(src, "models/refs")])
assert len(rs) >= 2 and all(x["verdict"] == "match" for x in rs), [x["verdict"] for x in rs]

try:
    meshsentry.Engine(ref)  # an STL is not a signature set
    raise SystemExit("expected ValueError")
except ValueError as err:
    assert str(err)

# Several threads share one engine; the GIL is released while scanning.
out = [None] * 4
def work(i):
    out[i] = e.scan_bytes(data, name="t%d.stl" % i)["verdict"]
threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert out == ["match"] * 4, out
print("python module: all checks passed")
