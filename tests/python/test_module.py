# SPDX-License-Identifier: MIT
# The meshsentry package, from wherever Python finds it: the build tree
# (ctest python, PYTHONPATH=<build>/python) or a pip install into a venv
# (ctest python_pip). Paths as str and pathlib.Path, buffers of every kind,
# in-memory meshes (nested lists and numpy), typed results, exceptions for
# call errors, error records in folder scans, options, signature sets
# built and signed, threads.
#   python3 test_module.py SOURCE_DIR
import dataclasses
import io
import json
import os
import pathlib
import struct
import sys
import tempfile
import threading
import zipfile

import meshsentry
from meshsentry import ScanError, ScanResult, Verdict

src = pathlib.Path(sys.argv[1])
sigs = src / "signatures/demo.msig"
ref = src / "models/refs/gear_rack_m2.stl"
benign = src / "models/benign/knob_fluted.stl"


def raises(exc, fn, *args, **kw):
    try:
        fn(*args, **kw)
    except exc as err:
        return err
    raise AssertionError(f"expected {exc.__name__} from {fn.__name__}{args}")


e = meshsentry.Engine(sigs)  # a pathlib.Path
assert meshsentry.__version__
info = e.signatures
assert isinstance(info, meshsentry.SignatureInfo) and info.entries >= 1 and len(info.sha256) == 64

# A file by str and by Path: the same typed result.
r = e.scan(ref)
assert isinstance(r, ScanResult) and dataclasses.is_dataclass(r)
assert r.verdict == Verdict.MATCH and r.verdict == "match" and r.flagged, r
assert r.path == str(ref) and len(r.sha256) == 64 and r.format == "stl" and r.triangles > 0
m = r.matches[0]
assert m.signature == "gear_rack_m2" and m.verdict == "match" and 0.9 <= m.score <= 1
assert len(m.transform) == 4 and all(len(row) == 4 for row in m.transform)
assert m.transform[3] == (0.0, 0.0, 0.0, 1.0), m.transform
assert e.scan(str(ref)) == r and e.scan(os.fsencode(str(ref))) == r
json.dumps(r.to_dict())  # plain data all the way down
assert e.scan(benign).verdict == "clean" and not e.scan(benign).flagged

# A cut piece: suspect by default, clean without the piece search.
piece = src / "models/test/piece_flange.stl"
r = e.scan(piece)
assert r.verdict == "suspect" and r.matches[0].verdict == "suspect", r
assert r.matches[0].signature == "flange_3hole" and r.matches[0].method == "piece"
assert meshsentry.Engine(sigs, pieces=False).scan(piece).verdict == "clean"

# Call errors are exceptions.
raises(FileNotFoundError, e.scan, src / "no/such/file.stl")
raises(IsADirectoryError, e.scan, src / "models/refs")
raises(FileNotFoundError, meshsentry.Engine, src / "no/such/set.msig")
assert str(raises(ValueError, meshsentry.Engine, ref))  # an STL is not a signature set
raises(TypeError, e.scan, 42)

# Buffers: bytes, bytearray, memoryview (also strided), the same verdict.
data = ref.read_bytes()
strided = bytearray(2 * len(data))
strided[::2] = data
for buf in (data, bytearray(data), memoryview(data), memoryview(bytearray(data)), memoryview(strided)[::2]):
    r = e.scan_bytes(buf, name="upload.stl")
    assert r.path == "upload.stl" and r.verdict == "match", (type(buf), r)
assert e.scan_bytes(data, name=pathlib.Path("up.stl")).path == "up.stl"
for bad in ("text", 3.5, [1, 2, 3], None):
    err = raises(TypeError, e.scan_bytes, bad)
    assert len(str(err)) < 120 and type(bad).__name__ in str(err), str(err)
err = raises(TypeError, e.scan_bytes, "x" * 100000)  # the message never repeats the data
assert len(str(err)) < 120, len(str(err))
err = raises(ScanError, e.scan_bytes, b"not a mesh", name="x.stl")
assert isinstance(err, ValueError) and err.result.verdict == "error" and "x.stl" in str(err)
assert e.scan_bytes(b"not a mesh", name="x.stl", raise_errors=False).verdict == "error"

# An archive: its members under member_results.
z = io.BytesIO()
with zipfile.ZipFile(z, "w") as zf:
    zf.writestr("parts/rack.stl", data)
r = e.scan_bytes(z.getvalue(), name="upload.zip")
assert r.verdict == "match" and r.members == 1 and len(r.member_results) == 1, r
assert r.member_results[0].path == "upload.zip!/parts/rack.stl" and r.member_results[0].verdict == "match"

# Folder scans return records, errors included.
rs = e.scan_paths(src / "models/refs")
assert len(rs) >= 2 and all(x.verdict == "match" for x in rs), [x.verdict for x in rs]
rs = e.scan_paths([ref, src / "no/such/file.stl"])
assert [x.verdict for x in rs] == ["error", "match"] or [x.verdict for x in rs] == ["match", "error"], rs
assert any(x.error for x in rs)


# In-memory meshes: the rack's triangles as nested lists, then numpy.
def stl_triangles(raw):
    (n,) = struct.unpack_from("<I", raw, 80)
    return [struct.unpack_from("<9f", raw, 84 + 50 * i + 12) for i in range(n)]


tris = stl_triangles(data)
vertices = [list(t[k : k + 3]) for t in tris for k in (0, 3, 6)]
faces = [[3 * i, 3 * i + 1, 3 * i + 2] for i in range(len(tris))]
r = e.scan_mesh(vertices, faces, name="rack")
assert r.path == "rack" and r.verdict == "match" and r.matches[0].signature == "gear_rack_m2", r
assert r.sha256 == "" and r.format == "unknown"
assert e.scan_mesh(vertices, [tuple(f) for f in faces]).path == "mesh"
err = raises(ScanError, e.scan_mesh, vertices, faces[:-1] + [[0, 1, len(vertices)]])
assert "uses vertex" in str(err), str(err)
raises(ScanError, e.scan_mesh, [], [])  # nothing to scan
raises(ValueError, e.scan_mesh, [[0, 0]], [[0, 0, 0]])
raises(ValueError, e.scan_mesh, vertices, [[0, -1, 2]])
raises(TypeError, e.scan_mesh, vertices, [[0.5, 1, 2]])
raises(TypeError, e.scan_mesh, "vertices", faces)
try:
    import numpy as np
except ImportError:
    np = None
    print("numpy not installed: numpy checks skipped")
if np is not None:
    v = np.array(vertices, dtype=np.float64)
    f = np.array(faces, dtype=np.int64)
    r = e.scan_mesh(v, f)
    assert r.verdict == "match", r
    t = r.matches[0].matrix()
    assert isinstance(t, np.ndarray) and t.shape == (4, 4) and np.allclose(t[3], [0, 0, 0, 1])
    assert e.scan_mesh(v[:, ::-1][:, ::-1], f.astype(np.uint32)).verdict == "match"  # strided input
    assert e.scan_bytes(np.frombuffer(data, dtype=np.uint8)).verdict == "match"
    raises(ValueError, e.scan_mesh, v.reshape(-1), f)
    raises(TypeError, e.scan_mesh, v, f.astype(np.float32))
    raises(ValueError, e.scan_mesh, v, f - 1)  # -1 is no vertex

# Several threads share one engine; the GIL is released while scanning.
out = [None] * 4


def work(i):
    out[i] = e.scan_bytes(data, name="t%d.stl" % i).verdict


threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert out == ["match"] * 4, out

# A context manager: closed after the block.
with meshsentry.Engine(str(sigs), threads=1) as e2:
    assert e2.scan(ref).verdict == "match"
raises(ValueError, e2.scan, ref)

# Options: an allow-list, limits.
with tempfile.TemporaryDirectory() as d:
    d = pathlib.Path(d)
    sha = e.scan(ref).sha256
    (d / "allow.txt").write_text(f"sha256:{sha}\n")
    allowed = meshsentry.Engine(sigs, allow_list=d / "allow.txt").scan(ref)
    assert allowed.verdict == "allowed" and not allowed.flagged and allowed.allowed_by, allowed
    err = raises(ScanError, meshsentry.Engine(sigs, max_triangles=10).scan, ref)
    assert "limit:" in str(err) and err.result.verdict == "error", str(err)
    raises(FileNotFoundError, meshsentry.Engine, sigs, allow_list=d / "none.txt")
    raises(ValueError, meshsentry.Engine, sigs, max_seconds=0)

    # Signature sets built, signed and verified from Python.
    (d / "set.tsv").write_text(
        "id\tlabel\tclass\tpath\n"
        f"rack\ta rack\tstand-in\t{ref}\n"
        f"flange\ta flange\tstand-in\t{src / 'models/refs/flange_3hole.stl'}\n"
    )
    built = meshsentry.build_signatures(d / "set.tsv", d / "set.msig", name="two parts", threads=1)
    assert built.name == "two parts" and built.entries == 2 and len(built.sha256) == 64, built
    meshsentry.generate_signing_key(d / "key.pem", d / "key.pub.pem")
    raises(ValueError, meshsentry.generate_signing_key, d / "key.pem", d / "other.pem")  # never overwrites
    meshsentry.sign_signatures(d / "set.msig", d / "key.pem")
    verified = meshsentry.signature_info(d / "set.msig", trusted_keys=[d / "key.pub.pem"])
    assert verified.signed_by and verified.sha256 == built.sha256, verified
    with meshsentry.Engine(d / "set.msig", trusted_keys=d / "key.pub.pem") as own:
        r = own.scan(ref)
        assert r.verdict == "match" and r.matches[0].signature == "rack", r
        assert own.signatures.signed_by == verified.signed_by
    meshsentry.generate_signing_key(d / "k2.pem", d / "k2.pub.pem")
    raises(ValueError, meshsentry.Engine, d / "set.msig", trusted_keys=[d / "k2.pub.pem"])  # not its signer
    (d / "bad.tsv").write_text("id\tlabel\tclass\tpath\nx\tx\tx\tmissing.stl\n")
    err = raises(ValueError, meshsentry.build_signatures, d / "bad.tsv", d / "bad.msig")
    assert "missing.stl" in str(err) and not (d / "bad.msig").exists(), str(err)

# Typing: the package ships py.typed and a stub for the compiled part.
pkg = pathlib.Path(meshsentry.__file__).parent
assert (pkg / "py.typed").exists() and (pkg / "_meshsentry.pyi").exists()
print("python module: all checks passed (%s)" % pkg)
